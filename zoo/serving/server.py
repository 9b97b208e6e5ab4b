"""The model server: REST and gRPC on one event loop, with graceful shutdown."""

import asyncio
import concurrent.futures
import dataclasses
import gc
import logging
import os
import signal

from aiohttp import web

from zoo.serving.batching import BatchScheduler
from zoo.serving.grpc_service import make_grpc_server
from zoo.serving.predictor import Predictor
from zoo.serving.registry import ModelRegistry
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
        timeout_seconds: the longest a predict request may take.
        max_body_bytes: the largest REST request body, after decompression.
        batching: a `BatchingOptions` to merge concurrent requests, or None.
        shutdown_grace_seconds: how long in-flight requests may take to
            finish after SIGTERM.
        threads: how many model calls may run at once.
    """

    models: list = dataclasses.field(default_factory=list)
    discover_root: str = None
    host: str = "127.0.0.1"
    rest_port: int = 8501
    grpc_port: int = 8500
    poll_seconds: float = 1.0
    timeout_seconds: float = 30.0
    max_body_bytes: int = 64 * 1024 * 1024
    batching: object = None
    shutdown_grace_seconds: float = 30.0
    threads: int = max(4, 2 * (os.cpu_count() or 1))


class ModelServer:
    """Serves models over REST and gRPC from one asyncio event loop.

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
        self._executor = concurrent.futures.ThreadPoolExecutor(
            options.threads, thread_name_prefix="zoo-serve")
        self.registry = ModelRegistry(options.models, self._executor,
                                      options.discover_root)
        batcher = (BatchScheduler(options.batching, self._executor)
                   if options.batching else None)
        self._predictor = Predictor(self._executor, options.timeout_seconds,
                                    batcher)
        self._stop = None
        self._stopped = None
        self._runner = None
        self._grpc = None
        self._poller = None

    async def start(self):
        """Loads the models, then opens both ports and starts polling."""
        self._stop = asyncio.Event()
        self._stopped = asyncio.Event()
        await self.registry.refresh()
        # TensorFlow and the loaded models are a large, long-lived object
        # graph; freezing it keeps the cyclic collector from rescanning it
        # whenever a request allocates many lists (a JSON image), which
        # otherwise costs hundreds of milliseconds per full collection.
        gc.freeze()
        rest = RestApi(self.registry, self._predictor,
                       self.options.max_body_bytes, self._executor)
        self._runner = web.AppRunner(
            rest.make_app(), access_log=None, handle_signals=False,
            shutdown_timeout=self.options.shutdown_grace_seconds)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.options.host,
                           self.options.rest_port)
        await site.start()
        self.rest_port = site._server.sockets[0].getsockname()[1]
        self._grpc = make_grpc_server(self.registry, self._predictor)
        host = self.options.host
        address = f"[{host}]" if ":" in host else host
        self.grpc_port = self._grpc.add_insecure_port(
            f"{address}:{self.options.grpc_port}")
        if not self.grpc_port:
            raise OSError(f"Cannot bind gRPC to {address}:"
                          f"{self.options.grpc_port}; pick another --port.")
        await self._grpc.start()
        self._poller = asyncio.ensure_future(
            self.registry.poll(self.options.poll_seconds, self._stop))
        log.info("Serving REST on http://%s:%d and gRPC on %s:%d", address,
                 self.rest_port, address, self.grpc_port)

    def request_stop(self):
        """Begins a graceful shutdown; safe to call from a signal handler."""
        if self._stop is not None:
            self._stop.set()

    async def wait_stopped(self):
        """Waits for a stop request, then shuts down gracefully.

        The listening sockets close first, so new connections are refused;
        in-flight requests finish (up to `shutdown_grace_seconds`); then the
        model threads stop.
        """
        await self._stop.wait()
        await self._poller
        grace = self.options.shutdown_grace_seconds
        await asyncio.gather(self._grpc.stop(grace), self._runner.cleanup())
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._stopped.set()

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
        print(f"zoo serve: REST http://{self.options.host}:{self.rest_port} "
              f"gRPC {self.options.host}:{self.grpc_port} "
              f"models: {', '.join(self.registry.model_names) or '(none yet)'}",
              flush=True)
        await self.wait_stopped()
        print("zoo serve: stopped", flush=True)
