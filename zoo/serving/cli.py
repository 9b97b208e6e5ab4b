"""`zoo serve`: serve exported models like TensorFlow Serving's model server.

Flags take TF Serving's names with dashes; the underscore spellings
(`--model_base_path`, `--rest_api_port`, ...) are accepted too, so existing
launch scripts work unchanged.
"""

import argparse


def _flag(parser, name, **kwargs):
    parser.add_argument(f"--{name}", f"--{name.replace('-', '_')}", **kwargs)


def _boolean(text):
    """Reads a flag value as TF Serving's flags do: true/false, 1/0."""
    lowered = text.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def add_arguments(parser):
    """Adds the `zoo serve` flags.

    Args:
        parser: an `argparse.ArgumentParser`.
    """
    parser.epilog = (
        "examples:\n"
        "  zoo serve --model-base-path saved_models\n"
        "  zoo serve --model-name sarcasm --model-base-path saved_models/sarcasm\n"
        "  zoo serve --model-config-file models.config --enable-batching\n"
        "  zoo serve --model-base-path saved_models "
        "--monitoring-config-file monitoring.config\n"
        "  curl -d '{\"instances\": [[1.0, 2.0]]}' "
        "localhost:8501/v1/models/NAME:predict"
    )
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    _flag(
        parser,
        "model-base-path",
        metavar="PATH",
        help="with --model-name: the folder of that model's versions; "
        "without: a folder whose every sub-folder is a model "
        "(e.g. saved_models)",
    )
    _flag(
        parser,
        "model-name",
        metavar="NAME",
        help="serve the versions under --model-base-path as this model",
    )
    _flag(
        parser,
        "model-config-file",
        metavar="FILE",
        help="text-format ModelServerConfig (names, base paths, version "
        "policies latest/all/specific, version labels)",
    )
    _flag(
        parser, "port", type=int, default=8500, help="gRPC port (default 8500; 0 picks a free one)"
    )
    _flag(
        parser,
        "rest-api-port",
        type=int,
        default=8501,
        help="REST port (default 8501; 0 picks a free one)",
    )
    _flag(
        parser,
        "host",
        default="127.0.0.1",
        help="interface to bind (default 127.0.0.1, this machine only; "
        "0.0.0.0 exposes the server to the network)",
    )
    _flag(
        parser,
        "file-system-poll-wait-seconds",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="how often to look for new versions (default 1)",
    )
    _flag(
        parser,
        "rest-api-timeout-in-ms",
        type=int,
        default=30000,
        metavar="MS",
        help="per-request time limit, reading the body, "
        "parsing, the model call and writing the answer "
        "included, answered with 504 (default 30000); "
        "also how long a REST client may take to send a "
        "request head or body (408)",
    )
    _flag(
        parser,
        "rest-api-max-body-bytes",
        type=int,
        default=64 * 1024 * 1024,
        metavar="BYTES",
        help="largest REST body after decompression, answered with 413 (default 64 MiB)",
    )
    _flag(
        parser,
        "grpc-max-request-bytes",
        type=int,
        default=64 * 1024 * 1024,
        metavar="BYTES",
        help="largest gRPC request message, answered with RESOURCE_EXHAUSTED (default 64 MiB)",
    )
    _flag(
        parser,
        "enable-batching",
        action="store_true",
        help="merge concurrent requests into one model call",
    )
    _flag(
        parser,
        "batching-parameters-file",
        metavar="FILE",
        help="text-format BatchingParameters (max_batch_size, "
        "batch_timeout_micros, max_enqueued_batches, "
        "num_batch_threads); implies --enable-batching",
    )
    _flag(
        parser,
        "shutdown-grace-seconds",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long in-flight requests may finish after SIGTERM (default 30)",
    )
    _flag(
        parser,
        "enable-model-warmup",
        type=_boolean,
        nargs="?",
        const=True,
        default=True,
        metavar="BOOL",
        help="run each version's assets.extra/tf_serving_warmup_requests "
        "before serving it (default true; --enable_model_warmup=false "
        "turns it off)",
    )
    _flag(
        parser,
        "num-request-iterations-for-warmup",
        type=int,
        default=1,
        metavar="N",
        help="how many times each warm-up request runs (default 1)",
    )
    _flag(
        parser,
        "model-load-timeout-seconds",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="how long loading and warming up one version may take; "
        "beyond it the version is marked failed and no other model "
        "waits for it (default 300)",
    )
    _flag(
        parser,
        "monitoring-config-file",
        metavar="FILE",
        help="text-format MonitoringConfig; prometheus_config { enable: "
        "true } serves Prometheus metrics on the REST port at "
        "/monitoring/prometheus/metrics (or its path)",
    )
    _flag(
        parser,
        "model-path-root",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder under which HandleReloadConfigRequest may name "
        "model base paths, beside those served at start (repeatable)",
    )
    _flag(
        parser,
        "allow-any-model-path",
        action="store_true",
        help="let HandleReloadConfigRequest load models from any path; "
        "anyone who can reach the gRPC port can then make the server "
        "load (and run) any SavedModel it can read",
    )


def options_from_args(args):
    """Turns parsed flags into `ServerOptions`.

    Args:
        args: the `argparse.Namespace` from the `serve` parser.

    Returns:
        A `ServerOptions`.

    Raises:
        ValueError: for a contradictory or incomplete set of flags, naming
            the fix.
    """
    import os
    from pathlib import Path

    from zoo.serving import config
    from zoo.serving.server import ServerOptions

    models, discover_root = [], None
    if args.model_config_file:
        if args.model_base_path or args.model_name:
            raise ValueError(
                "Give either --model-config-file or "
                "--model-base-path (with an optional "
                "--model-name), not both."
            )
        models = config.parse_model_config_file(args.model_config_file)
    elif args.model_base_path:
        base = os.path.abspath(args.model_base_path)
        if not Path(base).is_dir():
            raise ValueError(
                f"--model-base-path {args.model_base_path} is "
                "not a folder; export a model there first "
                "(zoo.export.export_version) or fix the path."
            )
        if args.model_name:
            models = [config.ModelConfig(name=args.model_name, base_path=base)]
        else:
            if any(p.is_dir() and p.name.isdigit() for p in Path(base).iterdir()):
                raise ValueError(
                    f"{args.model_base_path} holds version folders itself; "
                    f"serve it with --model-name NAME --model-base-path "
                    f"{args.model_base_path}, or point --model-base-path at "
                    "the folder above it."
                )
            discover_root = base
    else:
        raise ValueError(
            "Nothing to serve: give --model-base-path "
            "saved_models (every sub-folder is a model) or "
            "--model-config-file FILE."
        )
    batching = None
    if args.enable_batching or args.batching_parameters_file:
        batching = config.parse_batching_parameters_file(args.batching_parameters_file)
    metrics_path = None
    if args.monitoring_config_file:
        metrics_path = config.parse_monitoring_config_file(args.monitoring_config_file)
    if args.num_request_iterations_for_warmup < 1:
        raise ValueError(
            "--num-request-iterations-for-warmup must be at least "
            f"1, got {args.num_request_iterations_for_warmup}."
        )
    if args.model_load_timeout_seconds <= 0:
        raise ValueError(
            "--model-load-timeout-seconds must be positive, got "
            f"{args.model_load_timeout_seconds:g}."
        )
    return ServerOptions(
        models=models,
        discover_root=discover_root,
        host=args.host,
        rest_port=args.rest_api_port,
        grpc_port=args.port,
        poll_seconds=args.file_system_poll_wait_seconds,
        timeout_seconds=args.rest_api_timeout_in_ms / 1000,
        max_body_bytes=args.rest_api_max_body_bytes,
        grpc_max_request_bytes=args.grpc_max_request_bytes,
        batching=batching,
        shutdown_grace_seconds=args.shutdown_grace_seconds,
        enable_model_warmup=args.enable_model_warmup,
        warmup_iterations=args.num_request_iterations_for_warmup,
        load_timeout_seconds=args.model_load_timeout_seconds,
        metrics_path=metrics_path,
        model_roots=tuple(os.path.abspath(p) for p in args.model_path_root),
        allow_any_model_path=args.allow_any_model_path,
    )


def run(args):
    """Runs the server until SIGTERM or Ctrl-C.

    Args:
        args: the parsed flags.

    Returns:
        The exit code: 0 after a clean shutdown, 1 when a port cannot be
        bound, 2 for bad flags or a configuration that cannot be served.
    """
    import asyncio
    import logging
    import os
    import sys

    # Settings of the whole process, which `zoo serve` owns (a program that
    # embeds ModelServer decides them for itself). Before TensorFlow is
    # imported: without oneDNN, as TF Serving's standard build, TensorFlow
    # allocates with malloc and frees what a request used; oneDNN's
    # allocator keeps a pool as large as the largest request's tensors for
    # good. An operator can still set it to 1.
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    from zoo.serving import memory

    memory.map_large_blocks()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        options = options_from_args(args)
    except (ValueError, OSError) as error:
        print(f"zoo serve: {error}", file=sys.stderr)
        return 2
    from zoo.serving.errors import ServingError
    from zoo.serving.server import ModelServer

    try:
        asyncio.run(ModelServer(options).serve_forever())
    except ServingError as error:  # a version label naming no served version
        print(f"zoo serve: {error.message}", file=sys.stderr)
        return 2
    except OSError as error:
        print(
            f"zoo serve: cannot listen on {options.host} (REST port "
            f"{options.rest_port}, gRPC port {options.grpc_port}): {error}. "
            "Stop what holds the port or pick others with --rest-api-port "
            "and --port.",
            file=sys.stderr,
        )
        return 1
    return 0
