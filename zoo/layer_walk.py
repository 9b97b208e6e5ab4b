"""Every layer inside a Keras model, found through what Keras makes public.

Example:
>>> import keras
>>> inner = keras.Sequential([keras.layers.Bidirectional(keras.layers.LSTM(4))], name="inner")
>>> model = keras.Sequential([keras.Input((6, 2)), inner])
>>> [type(layer).__name__ for layer in keras_layers(model)]
['Sequential', 'Bidirectional', 'LSTM', 'LSTMCell', 'LSTM', 'LSTMCell']
"""


def keras_layers(model):
    """Every layer of a Keras model or layer, nested ones included, each once.

    Walks a model's `layers`, and the layers that any layer holds in its
    public attributes, alone or in lists, tuples and dicts: a wrapper's
    `layer`, `Bidirectional`'s `forward_layer` and `backward_layer`, a
    subclassed model's or layer's sublayers.

    Args:
        model: a Keras model or layer.

    Returns:
        A list of layers, each before the layers inside it (`model` itself
        not included).
    """
    import keras

    def children(layer):
        found = list(getattr(layer, "layers", None) or [])
        for name, value in vars(layer).items():
            if name.startswith("_"):
                continue
            values = (
                value.values()
                if isinstance(value, dict)
                else value
                if isinstance(value, (list, tuple))
                else [value]
            )
            found += [item for item in values if isinstance(item, keras.layers.Layer)]
        return found

    seen, ordered = {id(model)}, []

    def visit(layer):
        for child in children(layer):
            if id(child) not in seen:
                seen.add(id(child))
                ordered.append(child)
                visit(child)

    visit(model)
    return ordered
