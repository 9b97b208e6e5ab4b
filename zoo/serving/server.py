"""The model server: REST and gRPC on one event loop, with graceful shutdown."""

import asyncio
import concurrent.futures
import dataclasses
import gc
import logging
import os
import signal
import threading

from zoo.serving.batching import BatchScheduler
from zoo.serving.executors import ModelExecutors
from zoo.serving.grpc_service import make_grpc_server
from zoo.serving.metrics import ServingMetrics
from zoo.serving.registry import LOAD_THREAD_PREFIX, ModelRegistry
from zoo.serving.request_runner import RequestRunner
from zoo.serving.rest import RestApi

log = logging.getLogger("zoo.serving")


@dataclasses.dataclass
class ServerOptions:
    """Everything `ModelServer` needs to know.

    Args:
        models: list of `ModelConfig` to serve.
        discover_root: optional folder whose every sub-folder is served as a
            model, including ones created later.
        host: interface to bind; `127.0.0.1` keeps the server private.
        rest_port: REST port; 0 picks a free one.
        grpc_port: gRPC port; 0 picks a free one.
        poll_seconds: how often the model folders are checked for versions.
        timeout_seconds: the longest a predict, classify or regress request
            may take, from its arrival to its answer (REST: from its head),
            parsing and writing included; also the longest a REST client
            may take to send a request head or body.
        max_body_bytes: the largest REST request body, after decompression.
        grpc_max_request_bytes: the largest gRPC request message; a larger
            one gets RESOURCE_EXHAUSTED.
        batching: a `BatchingOptions` to merge concurrent requests, or None.
        shutdown_grace_seconds: how long in-flight requests may take to
            finish after SIGTERM.
        threads: how many calls of one model may run at once (each model
            has its own threads).
        enable_model_warmup: whether a version runs its warm-up requests
            (`assets.extra/tf_serving_warmup_requests`) before it is served.
        warmup_iterations: how many times each warm-up request runs.
        load_timeout_seconds: how long loading and warming up one version
            may take; a version that takes longer is marked failed, and no
            other model waits for it.
        metrics_path: the REST path of the Prometheus page, or None for none.
        model_roots: folders under which a `HandleReloadConfigRequest` may
            name base paths, beside those served at start.
        allow_any_model_path: whether a `HandleReloadConfigRequest` may
            name any base path at all.
    """

    models: list = dataclasses.field(default_factory=list)
    discover_root: str = None
    host: str = "127.0.0.1"
    rest_port: int = 8501
    grpc_port: int = 8500
    poll_seconds: float = 1.0
    timeout_seconds: float = 30.0
    max_body_bytes: int = 64 * 1024 * 1024
    grpc_max_request_bytes: int = 64 * 1024 * 1024
    batching: object = None
    shutdown_grace_seconds: float = 30.0
    threads: int = max(4, 2 * (os.cpu_count() or 1))
    enable_model_warmup: bool = True
    warmup_iterations: int = 1
    load_timeout_seconds: float = 300.0
    metrics_path: str = None
    model_roots: tuple = ()
    allow_any_model_path: bool = False


class ModelServer:
    """Serves models over REST and gRPC from one asyncio event loop.

    The event loop only routes requests. Each model runs in its own threads
    and its own TensorFlow thread pool, each load and warm-up in a thread of
    its own, and large bodies are inflated, parsed and written in a codec
    pool, so none of them waits on another.

    Args:
        options: a `ServerOptions`.

    Example:
    >>> server = ModelServer(ServerOptions(discover_root="saved_models"))
    >>> asyncio.run(server.serve_forever())
    """

    def __init__(self, options):
        self.options = options
        self.rest_port = None
        self.grpc_port = None
        self.metrics = ServingMetrics()
        self._executors = ModelExecutors(options.threads, options.timeout_seconds)
        self._codec_executor = concurrent.futures.ThreadPoolExecutor(
            os.cpu_count() or 1, thread_name_prefix="zoo-codec"
        )
        self.registry = ModelRegistry(
            options.models,
            options.discover_root,
            warmup_iterations=(options.warmup_iterations if options.enable_model_warmup else 0),
            metrics=self.metrics,
            executors=self._executors,
            load_timeout_seconds=options.load_timeout_seconds,
        )
        batcher = (
            BatchScheduler(options.batching, self._executors, self.metrics)
            if options.batching
            else None
        )
        self._requests = RequestRunner(
            self._executors, options.timeout_seconds, batcher, self.metrics
        )
        self._stop = None
        self._rest = None
        self._grpc = None
        self._poller = None

    def _model_roots(self):
        roots = list(self.options.model_roots)
        if self.options.discover_root:
            roots.append(self.options.discover_root)
        roots += [config.base_path for config in self.options.models]
        return None if self.options.allow_any_model_path else roots

    async def start(self):
        """Loads the models, then opens both ports and starts polling.

        Raises:
            ServingError: FAILED_PRECONDITION when a version label of the
                configuration names a version that is not available.
            OSError: when a port cannot be bound.
        """
        self._stop = asyncio.Event()
        await self.registry.refresh()
        self.registry.apply_labels()
        # TensorFlow and the loaded models are a large, long-lived object
        # graph; freezing it keeps the cyclic collector from rescanning it
        # whenever a request allocates many lists (a JSON image), which
        # otherwise costs hundreds of milliseconds per full collection.
        gc.freeze()
        self._rest = RestApi(
            self.registry,
            self._requests,
            self._codec_executor,
            self.options.max_body_bytes,
            self.options.timeout_seconds,
            self.metrics,
            self.options.metrics_path,
        )
        host = self.options.host
        self.rest_port = await self._rest.start(host, self.options.rest_port)
        self._grpc = make_grpc_server(
            self.registry,
            self._requests,
            self.metrics,
            self._codec_executor,
            self.options.timeout_seconds,
            self.options.grpc_max_request_bytes,
            self._model_roots(),
        )
        address = f"[{host}]" if ":" in host else host
        self.grpc_port = self._grpc.add_insecure_port(f"{address}:{self.options.grpc_port}")
        if not self.grpc_port:
            raise OSError(
                f"Cannot bind gRPC to {address}:{self.options.grpc_port}; pick another --port."
            )
        await self._grpc.start()
        self._poller = asyncio.ensure_future(
            self.registry.poll(self.options.poll_seconds, self._stop)
        )
        log.info(
            "Serving REST on http://%s:%d and gRPC on %s:%d",
            address,
            self.rest_port,
            address,
            self.grpc_port,
        )

    def request_stop(self):
        """Begins a graceful shutdown; safe to call from a signal handler."""
        if self._stop is not None:
            self._stop.set()

    async def wait_stopped(self):
        """Waits for a stop request, then shuts down gracefully.

        The listening sockets close first, so new connections are refused;
        in-flight requests finish (up to `shutdown_grace_seconds`, for REST
        and gRPC at once); then the model threads stop, without waiting for
        calls that still run: they run in daemon threads, which do not keep
        the process from exiting.
        """
        await self._stop.wait()
        await self._poller
        grace = self.options.shutdown_grace_seconds
        await asyncio.gather(self._grpc.stop(grace), self._rest.stop(grace))
        self._executors.shutdown()
        self._codec_executor.shutdown(wait=False, cancel_futures=True)
        calls = self._executors.running_calls()
        loads = sum(thread.name.startswith(LOAD_THREAD_PREFIX) for thread in threading.enumerate())
        if calls or loads:
            log.warning(
                "Stopped with %d model call%s still running and %d "
                "load%s; TensorFlow cannot stop them, so the process "
                "exits without waiting for them",
                calls,
                "" if calls == 1 else "s",
                loads,
                "" if loads == 1 else "s",
            )

    async def serve_forever(self, handle_signals=True):
        """Starts, serves until SIGTERM/SIGINT (or `request_stop`), stops.

        Args:
            handle_signals: bool, whether to install SIGTERM and SIGINT
                handlers (only possible on the main thread).
        """
        await self.start()
        if handle_signals:
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, self.request_stop)
        print(
            f"zoo serve: REST http://{self.options.host}:{self.rest_port} "
            f"gRPC {self.options.host}:{self.grpc_port} "
            f"models: {', '.join(self.registry.model_names) or '(none yet)'}",
            flush=True,
        )
        await self.wait_stopped()
        print("zoo serve: stopped", flush=True)
