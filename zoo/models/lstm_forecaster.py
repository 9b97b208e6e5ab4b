"""A multi-step time-series forecaster of stacked LSTMs."""

import keras
from keras import ops

from zoo.layers.argument_utils import check_positive_int, check_rate
from zoo.models.signature_utils import built_input_shape, serving_spec


@keras.saving.register_keras_serializable(package="zoo")
class LSTMForecaster(keras.Model):
    """Window of one or more series → forecast of the next `horizon` steps.

    An optional causal Conv1D front smooths the window, stacked LSTMs read
    it, and a dense head predicts `horizon` steps of the first `num_targets`
    series. The network works in differences from the window's last
    value: it sees the window minus its last step, and adds its output to
    that last step. A trend that carries the series past the levels seen in
    training therefore does not carry the network's inputs out of range.

    Its export (`zoo.export.export_version`, which traces LSTMs without
    cuDNN-only ops) serves on a CPU after training on a GPU.

    Args:
        horizon: int, number of future steps to predict.
        num_targets: int, how many series to forecast: the first
            `num_targets` features of the window.
        lstm_units: tuple of ints, units of each stacked LSTM.
        conv_filters: optional int, filters of a causal Conv1D front; None
            for no convolution.
        conv_kernel_size: int, kernel size of the Conv1D front.
        dense_units: tuple of ints, hidden dense layers of the head.
        dropout: float in [0, 1), dropout on the LSTMs' inputs.
        **kwargs: passed to `keras.Model` (`name`, ...).

    Call arguments:
        window: tensor `(batch, window_length, num_features)`.
        training: bool, whether dropout is active.

    Returns:
        The forecast `(batch, horizon, num_targets)`.

    Export (`zoo.export.export_version`): `serving_default` (`window` →
    `forecast`); windows of any length.

    Example:
    >>> model = zoo.models.LSTMForecaster(horizon=7, lstm_units=(32, 32),
    ...                                   conv_filters=16)
    >>> model.compile(optimizer="adam", loss="mae")
    >>> tuple(model(keras.ops.zeros((4, 30, 1))).shape)
    (4, 7, 1)

    References:
        Hochreiter and Schmidhuber, "Long Short-Term Memory", Neural
        Computation 1997.
    """

    def __init__(
        self,
        horizon,
        num_targets=1,
        lstm_units=(32,),
        conv_filters=None,
        conv_kernel_size=3,
        dense_units=(),
        dropout=0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_positive_int("horizon", horizon)
        check_positive_int("num_targets", num_targets)
        check_rate("dropout", dropout)
        if not lstm_units:
            raise ValueError(
                "`lstm_units` lists the units of each LSTM and needs at least "
                f"one entry, e.g. (32,). Received: lstm_units={lstm_units!r}"
            )
        self.horizon = horizon
        self.num_targets = num_targets
        self.lstm_units = tuple(lstm_units)
        self.conv_filters = conv_filters
        self.conv_kernel_size = conv_kernel_size
        self.dense_units = tuple(dense_units)
        self.dropout = dropout
        self.conv = (
            None
            if conv_filters is None
            else keras.layers.Conv1D(
                conv_filters,
                conv_kernel_size,
                padding="causal",
                activation="relu",
                dtype=self.dtype_policy,
                name="conv",
            )
        )
        self.lstms = [
            keras.layers.LSTM(
                units,
                return_sequences=i < len(lstm_units) - 1,
                dropout=dropout,
                dtype=self.dtype_policy,
                name=f"lstm_{i}",
            )
            for i, units in enumerate(lstm_units)
        ]
        self.hidden = [
            keras.layers.Dense(units, activation="relu", dtype=self.dtype_policy, name=f"dense_{i}")
            for i, units in enumerate(dense_units)
        ]
        # Float32 forecasts, as Keras advises for a model's last layer.
        self.head = keras.layers.Dense(horizon * num_targets, dtype="float32", name="head")

    @property
    def input_dtype(self):
        # Levels stay float32 under mixed precision: float16 keeps about three
        # significant digits, too few for a series' level and its changes.
        return "float32"

    def call(self, window, training=None):
        num_features = window.shape[-1]
        if num_features is not None and num_features < self.num_targets:
            raise ValueError(
                f"LSTMForecaster forecasts the first num_targets={self.num_targets} "
                f"series of the window, but the window has {num_features} "
                "features (last axis). Pass windows (batch, steps, features) "
                "with enough series, or lower `num_targets`."
            )
        last = window[:, -1:, :]
        x = window - last
        if self.conv is not None:
            x = self.conv(x)
        for lstm in self.lstms:
            x = lstm(x, training=training)
        for dense in self.hidden:
            x = dense(x)
        change = ops.reshape(self.head(x), (-1, self.horizon, self.num_targets))
        return ops.cast(last[:, :, : self.num_targets], "float32") + change

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.horizon, self.num_targets)

    def serving_endpoints(self):
        """Returns the export signature `serving_default`: window → forecast."""
        num_features = built_input_shape(self)[-1]

        def forecast(window):
            return {"forecast": self(window, training=False)}

        return {"serving_default": (forecast, [serving_spec((None, num_features), "window")])}

    def get_config(self):
        return {
            **super().get_config(),
            "horizon": self.horizon,
            "num_targets": self.num_targets,
            "lstm_units": self.lstm_units,
            "conv_filters": self.conv_filters,
            "conv_kernel_size": self.conv_kernel_size,
            "dense_units": self.dense_units,
            "dropout": self.dropout,
        }
