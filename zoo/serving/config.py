"""Which models to serve and how: model config files, flags, batching files.

Reads TF Serving's text-format `ModelServerConfig` (with the wheel's
`model_server_config_pb2`) and `BatchingParameters` files, so existing
configuration files work unchanged.
"""

import dataclasses
import os
from pathlib import Path

from google.protobuf import (
    descriptor_pb2,
    descriptor_pool,
    message_factory,
    text_format,
    wrappers_pb2,
)

CONFIG_EXAMPLE = """model_config_list {
  config {
    name: "sarcasm"
    base_path: "saved_models/sarcasm"
    model_platform: "tensorflow"
    model_version_policy { specific { versions: 1 versions: 2 } }
    version_labels { key: "stable" value: 1 }
  }
}"""


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """One served model: its name, its folder of versions and its policy.

    Args:
        name: the model name in request paths (`/v1/models/<name>`).
        base_path: folder holding the integer version folders.
        policy: `"latest"`, `"all"` or `"specific"`, as TF Serving's
            `model_version_policy`.
        num_versions: how many of the newest versions `"latest"` serves.
        versions: the version numbers `"specific"` serves.
        labels: dict mapping version labels (e.g. `"stable"`) to versions.
    """

    name: str
    base_path: str
    policy: str = "latest"
    num_versions: int = 1
    versions: tuple = ()
    labels: dict = dataclasses.field(default_factory=dict)

    def select(self, candidates):
        """Picks the versions to serve among those that could be served.

        Args:
            candidates: iterable of version numbers present on disk and not
                known to be broken.

        Returns:
            A list of version numbers, newest first.
        """
        newest_first = sorted(candidates, reverse=True)
        if self.policy == "all":
            return newest_first
        if self.policy == "specific":
            return [v for v in newest_first if v in self.versions]
        return newest_first[: self.num_versions]


def parse_model_config_file(path):
    """Reads a text-format `ModelServerConfig` file.

    Args:
        path: path of the file, e.g. `models.config`.

    Returns:
        A list of `ModelConfig`; relative base paths are resolved against
        the current directory, as TF Serving does.

    Raises:
        ValueError: when the file does not parse or asks for something this
            server does not do (another platform, a custom config).
    """
    from tensorflow_serving.config import model_server_config_pb2

    text = Path(path).read_text()
    proto = model_server_config_pb2.ModelServerConfig()
    try:
        text_format.Parse(text, proto)
    except text_format.ParseError as error:
        raise ValueError(
            f"{path}: not a text-format ModelServerConfig ({error}). "
            f"Expected something like:\n{CONFIG_EXAMPLE}"
        ) from error
    return config_from_proto(path, proto)


def config_from_proto(source, proto):
    """Turns a `ModelServerConfig` message into `ModelConfig`s.

    Args:
        source: where the message came from, for error messages.
        proto: a `model_server_config_pb2.ModelServerConfig`.

    Returns:
        A list of `ModelConfig`.

    Raises:
        ValueError: when it asks for something this server does not do.
    """
    if proto.WhichOneof("config") != "model_config_list":
        raise ValueError(
            f"{source}: only `model_config_list` is supported (found "
            f"{proto.WhichOneof('config')}). Expected something like:\n"
            f"{CONFIG_EXAMPLE}"
        )
    configs = [_model_config_from_proto(source, c) for c in proto.model_config_list.config]
    names = [c.name for c in configs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(
            f"{source}: model names must be unique; {', '.join(duplicates)} appear more than once."
        )
    return configs


def check_base_paths(source, configs, roots):
    """Checks that every model's folder lies within the allowed roots.

    Symbolic links are resolved first, so a link cannot lead outside.

    Args:
        source: where the configuration came from, for the message.
        configs: list of `ModelConfig`.
        roots: list of folders.

    Raises:
        PermissionError: naming the first base path outside every root and
            the flags that allow it.
    """
    resolved = {os.path.realpath(root) for root in roots}
    allowed = sorted(
        r
        for r in resolved
        if not any(other != r and os.path.commonpath([r, other]) == other for other in resolved)
    )
    for config in configs:
        path = os.path.realpath(config.base_path)
        if not any(os.path.commonpath([path, root]) == root for root in allowed):
            raise PermissionError(
                f"{source}: base_path {config.base_path} of model "
                f"{config.name} is outside the folders this server serves "
                f"models from ({', '.join(allowed) or 'none'}). "
                "Restart the server with --model-path-root naming its "
                "folder, or with --allow-any-model-path."
            )


def _model_config_from_proto(path, proto):
    if not proto.name or not proto.base_path:
        raise ValueError(
            f"{path}: every config needs a `name` and a "
            f"`base_path`; got name={proto.name!r} "
            f"base_path={proto.base_path!r}."
        )
    if proto.model_platform not in ("", "tensorflow"):
        raise ValueError(
            f"{path}: model {proto.name} has model_platform "
            f'{proto.model_platform!r}; only "tensorflow" SavedModels are '
            "served."
        )
    policy = proto.model_version_policy
    kind = policy.WhichOneof("policy_choice") or "latest"
    num_versions = 1
    versions = ()
    if kind == "latest":
        num_versions = policy.latest.num_versions or 1
    elif kind == "specific":
        versions = tuple(policy.specific.versions)
        if not versions:
            raise ValueError(
                f"{path}: model {proto.name} has a `specific` "
                "version policy without any `versions`."
            )
    return ModelConfig(
        name=proto.name,
        base_path=os.path.abspath(proto.base_path),
        policy=kind,
        num_versions=num_versions,
        versions=versions,
        labels=dict(proto.version_labels),
    )


@dataclasses.dataclass(frozen=True)
class BatchingOptions:
    """Server-side batching, with TF Serving's parameter names and defaults.

    Args:
        max_batch_size: most rows merged into one model call.
        batch_timeout_micros: how long a batch waits to fill up; 0 runs what
            is queued as soon as a batch thread is free.
        max_enqueued_batches: how many full batches may wait; beyond that a
            request is refused with 503.
        num_batch_threads: how many batches of one signature run at once.
    """

    max_batch_size: int = 1000
    batch_timeout_micros: int = 0
    max_enqueued_batches: int = 10
    num_batch_threads: int = os.cpu_count() or 1


# The fields of TF Serving's `BatchingParameters` (session_bundle_config.proto),
# which the tensorflow-serving-api wheel does not ship. Only the ones
# `BatchingOptions` acts on are listed, so any other field fails to parse
# with a message naming it instead of being silently ignored.
_BATCHING_FIELDS = (
    "max_batch_size",
    "batch_timeout_micros",
    "max_enqueued_batches",
    "num_batch_threads",
)


def _batching_parameters_class():
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(wrappers_pb2.DESCRIPTOR.serialized_pb)
    file_proto = descriptor_pb2.FileDescriptorProto(
        name="zoo_batching_parameters.proto",
        package="tensorflow.serving",
        dependency=["google/protobuf/wrappers.proto"],
        syntax="proto3",
    )
    message = file_proto.message_type.add(name="BatchingParameters")
    for number, name in enumerate(_BATCHING_FIELDS, start=1):
        message.field.add(
            name=name,
            number=number,
            type=descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE,
            label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL,
            type_name=".google.protobuf.Int64Value",
        )
    pool.Add(file_proto)
    descriptor = pool.FindMessageTypeByName("tensorflow.serving.BatchingParameters")
    return message_factory.GetMessageClass(descriptor)


def parse_batching_parameters_file(path):
    """Reads a TF Serving `--batching_parameters_file`.

    Args:
        path: path of a text-format `BatchingParameters` file such as
            `max_batch_size { value: 64 } batch_timeout_micros { value: 500 }`,
            or None for TF Serving's defaults.

    Returns:
        A `BatchingOptions`.

    Raises:
        ValueError: when the file does not parse or a value is not positive.
    """
    if path is None:
        return BatchingOptions()
    proto = _batching_parameters_class()()
    try:
        text_format.Parse(Path(path).read_text(), proto)
    except text_format.ParseError as error:
        raise ValueError(
            f"{path}: not a BatchingParameters text file ({error}). Supported "
            f"fields: {', '.join(_BATCHING_FIELDS)}, each written as "
            "`name { value: N }`."
        ) from error
    values = {name: getattr(proto, name).value for name in _BATCHING_FIELDS if proto.HasField(name)}
    for name, value in values.items():
        if value < (0 if name == "batch_timeout_micros" else 1):
            raise ValueError(f"{path}: {name} must be positive, got {value}.")
    return dataclasses.replace(BatchingOptions(), **values)


def _monitoring_config_class():
    """TF Serving's `MonitoringConfig` (monitoring_config.proto), which the
    tensorflow-serving-api wheel does not ship either."""
    field = descriptor_pb2.FieldDescriptorProto
    file_proto = descriptor_pb2.FileDescriptorProto(
        name="zoo_monitoring_config.proto", package="tensorflow.serving", syntax="proto3"
    )
    prometheus = file_proto.message_type.add(name="PrometheusConfig")
    prometheus.field.add(name="enable", number=1, type=field.TYPE_BOOL, label=field.LABEL_OPTIONAL)
    prometheus.field.add(name="path", number=2, type=field.TYPE_STRING, label=field.LABEL_OPTIONAL)
    monitoring = file_proto.message_type.add(name="MonitoringConfig")
    monitoring.field.add(
        name="prometheus_config",
        number=1,
        type=field.TYPE_MESSAGE,
        label=field.LABEL_OPTIONAL,
        type_name=".tensorflow.serving.PrometheusConfig",
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file_proto)
    return message_factory.GetMessageClass(
        pool.FindMessageTypeByName("tensorflow.serving.MonitoringConfig")
    )


def parse_monitoring_config_file(path):
    """Reads a TF Serving `--monitoring_config_file`.

    Args:
        path: path of a text-format `MonitoringConfig` file such as
            `prometheus_config { enable: true, path: "/metrics" }`.

    Returns:
        The REST path of the Prometheus page, or None when it is not
        enabled. An enabled page without a path is at TF Serving's
        `/monitoring/prometheus/metrics`.

    Raises:
        ValueError: when the file does not parse or the path does not start
            with `/`.
    """
    from zoo.serving.metrics import DEFAULT_PATH

    proto = _monitoring_config_class()()
    try:
        text_format.Parse(Path(path).read_text(), proto)
    except text_format.ParseError as error:
        raise ValueError(
            f"{path}: not a text-format MonitoringConfig ({error}). Expected "
            "something like: prometheus_config { enable: true, path: "
            '"/monitoring/prometheus/metrics" }'
        ) from error
    config = proto.prometheus_config
    if not config.enable:
        return None
    if config.path and not config.path.startswith("/"):
        raise ValueError(f"{path}: prometheus_config path must start with /, got {config.path!r}.")
    return config.path or DEFAULT_PATH
