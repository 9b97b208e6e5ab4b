"""TF Serving's REST API on aiohttp, plus health, readiness and metrics.

Paths, status codes, bodies and messages follow TensorFlow Serving's
`http_rest_api_handler.cc`; `/healthz` and `/readyz` are additions, and the
Prometheus page is TF Serving's. The event loop only routes: bodies are
inflated, parsed and written in worker threads, models run in their own
threads, and a client that stalls is disconnected.
"""

import asyncio
import json
import logging
import re
import time

import grpc
from aiohttp import web

from zoo.serving import examples, json_decode, json_encode, json_text, memory
from zoo.serving.body import BodyReader
from zoo.serving.deadline import Deadline
from zoo.serving.errors import ServingError, internal_error, invalid_argument
from zoo.serving.metadata import metadata_json, model_metadata, status_json
from zoo.serving.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from zoo.serving.metrics import REST
from zoo.serving.servable import DEFAULT_SIGNATURE

log = logging.getLogger("zoo.serving")

_PREDICT_PATH = re.compile(
    r"/v1/models/([^/:]+)(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?"
    r":(classify|regress|predict)",
    re.IGNORECASE,
)
_STATUS_PATH = re.compile(
    r"/v1/models(?:/([^/:]+))?(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?"
    r"(?:/(metadata))?",
    re.IGNORECASE,
)
_MAX_VERSION = 2**63 - 1
# Bodies above this size are parsed and written off the event loop; below
# it, the thread hop would cost more than it saves.
_OFF_LOOP_BYTES = 64 * 1024
_BYTES_PER_VALUE = 10  # rough JSON text size of one written value
_JSON = "application/json"
# How long an idle keep-alive connection stays open (nginx's default); a
# client that starts the next request head but never ends it is dropped then.
_KEEPALIVE_SECONDS = 75.0
_PROBES = ("GET", "HEAD")


def _response(text, status=200):
    return web.Response(body=text.encode("utf-8"), status=status, content_type=_JSON)


class _PartsResponse(web.StreamResponse):
    """A JSON answer sent in the parts it was written in, so that a large
    body is never joined into one copy.

    Args:
        parts: list of bytes, the body in order.
    """

    def __init__(self, parts):
        super().__init__(headers={"Content-Type": _JSON})
        self._parts = parts
        self.content_length = sum(len(part) for part in parts)

    async def write_eof(self, data=b""):
        """Writes the parts, then ends the answer."""
        parts, self._parts = self._parts, []
        for part in parts:
            await self.write(part)
        await super().write_eof(data)


def _parts_response(parts):
    if len(parts) == 1:
        return web.Response(body=parts[0], content_type=_JSON)
    return _PartsResponse(parts)


def _error_response(error):
    response = _response(json_encode.error_body(error.message), error.http_status)
    if error.close_connection:
        response.force_close()
    return response


def _version(text):
    if text is None:
        return None
    digits = text.lstrip("0")
    if len(digits) > len(str(_MAX_VERSION)) or int(digits or "0") > _MAX_VERSION:
        raise invalid_argument(f"Failed to convert version: {text} to numeric.")
    return int(digits or "0")


class _Connection(web.RequestHandler):
    """An HTTP connection that must send each request head in time.

    aiohttp times out idle keep-alive connections, but not a request head
    that never ends, so a client could hold a socket open forever by sending
    nothing, or a header a minute. Here a connection's first head, and any
    later head once its first bytes arrive, must be complete within
    `head_timeout`; otherwise the client gets 408 and the connection closes.

    Args:
        manager: the aiohttp `Server` that owns the connection.
        head_timeout: float, seconds a request head may take.
        **kwargs: passed to `aiohttp.web.RequestHandler`.
    """

    def __init__(self, manager, *, head_timeout, **kwargs):
        super().__init__(manager, **kwargs)
        self._head_timeout = head_timeout
        self._head_timer = None
        self._in_request = False

    def connection_made(self, transport):
        super().connection_made(transport)
        self._start_head_timer()

    def data_received(self, data):
        if not self._in_request and self._head_timer is None:
            self._start_head_timer()
        super().data_received(data)

    def _start_head_timer(self):
        self._head_timer = asyncio.get_running_loop().call_later(
            self._head_timeout, self._head_timed_out
        )

    def _stop_head_timer(self):
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def request_started(self):
        """Called by the handler: the request's head has arrived."""
        self._in_request = True
        self._stop_head_timer()

    def request_finished(self):
        """Called by the handler once its answer is written."""
        self._in_request = False

    def _head_timed_out(self):
        self._head_timer = None
        if self._in_request or self.transport is None:
            return
        body = json_encode.error_body(
            f"Request head not received within {self._head_timeout * 1000:g} "
            "ms; the connection is closed. Send the whole request head at "
            "once, or raise --rest-api-timeout-in-ms."
        ).encode("utf-8")
        self.transport.write(
            b"HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json"
            b"\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body
        )
        self.force_close()  # closes once the answer is written

    def connection_lost(self, exc):
        self._stop_head_timer()
        super().connection_lost(exc)


class RestApi:
    """The REST front end: routes requests to the registry and runner.

    Args:
        registry: the `ModelRegistry`.
        runner: the `RequestRunner`.
        codec_executor: the `concurrent.futures.Executor` that inflates,
            parses and writes large bodies, so the event loop keeps
            answering meanwhile.
        max_body_bytes: int, the largest request body accepted (after
            decompression).
        timeout_seconds: float, how long a request may take, from its head's
            arrival to the end of its answer (its head and body must arrive
            within it too).
        metrics: a `ServingMetrics`.
        metrics_path: the Prometheus page's path, or None for no page.
    """

    def __init__(
        self,
        registry,
        runner,
        codec_executor,
        max_body_bytes,
        timeout_seconds,
        metrics,
        metrics_path=None,
    ):
        self._registry = registry
        self._requests = runner
        self._codec_executor = codec_executor
        self._body = BodyReader(max_body_bytes, codec_executor)
        self._timeout = timeout_seconds
        self._metrics = metrics
        self._metrics_path = metrics_path
        self._runner = None
        self._listener = None
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self, host, port):
        """Starts listening.

        Args:
            host: the interface to bind.
            port: the port; 0 picks a free one.

        Returns:
            The port bound.
        """
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._handle)
        # The grace is spent waiting for our own handlers in `stop`; by
        # the time aiohttp shuts its connections down, nothing is left.
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.001)
        await self._runner.setup()
        loop = asyncio.get_running_loop()
        manager = self._runner.server
        self._listener = await loop.create_server(
            lambda: _Connection(
                manager,
                loop=loop,
                head_timeout=self._timeout,
                access_log=None,
                auto_decompress=False,
                lingering_time=0,
                keepalive_timeout=_KEEPALIVE_SECONDS,
            ),
            host,
            port,
        )
        return self._listener.sockets[0].getsockname()[1]

    async def stop(self, grace_seconds):
        """Stops accepting connections, lets requests finish, then closes.

        Args:
            grace_seconds: float, how long in-flight requests may take.
        """
        self._listener.close()
        self._runner.server.pre_shutdown()  # idle keep-alive connections
        try:
            await asyncio.wait_for(self._idle.wait(), grace_seconds)
        except asyncio.TimeoutError:
            log.warning(
                "Closing REST connections with %d requests still running after the %g s grace",
                self._active,
                grace_seconds,
            )
        await self._runner.cleanup()
        await self._listener.wait_closed()

    async def _off_loop(self, large, function, *args):
        """Runs `function(*args)` in the codec executor when `large`, else
        here: for small work the thread hop costs more than it saves."""
        if not large:
            return function(*args)
        return await asyncio.get_running_loop().run_in_executor(
            self._codec_executor, function, *args
        )

    async def _handle(self, request):
        connection = request.protocol
        connection.request_started()
        self._active += 1
        self._idle.clear()
        try:
            response = await self._answer(request)
            # Written here rather than by aiohttp after we return, so that a
            # graceful stop waits for the answer to be on its way.
            try:
                await response.prepare(request)
                await response.write_eof()
            except ConnectionError:  # the client's choice, not a fault
                log.debug(
                    "The client closed the connection before the answer to %s %s was sent",
                    request.method,
                    request.path,
                )
            large = (
                max(request.content_length or 0, response.content_length or 0) >= _OFF_LOOP_BYTES
            )
            if large:  # its body, text, tensors and answer are freed now
                await asyncio.get_running_loop().run_in_executor(
                    self._codec_executor, memory.give_back
                )
            return response
        finally:
            connection.request_finished()
            self._active -= 1
            if not self._active:
                self._idle.set()

    async def _answer(self, request):
        path, method = request.path, request.method
        if method in _PROBES and path.lower() == "/healthz":
            return _response('{"status": "alive"}')
        if method in _PROBES and path.lower() == "/readyz":
            return self._readiness()
        if method == "GET" and path == self._metrics_path:
            return web.Response(
                body=self._metrics.page(), headers={"Content-Type": METRICS_CONTENT_TYPE}
            )
        if not path.lower().startswith("/v1/"):
            return _error_response(
                ServingError(
                    grpc.StatusCode.NOT_FOUND,
                    f"Not found: {method} {path}. The API lives under "
                    "/v1/models/<name>; probes are GET /healthz and GET /readyz.",
                )
            )
        start = time.perf_counter()
        model, api, code = "", "", None
        try:
            if method == "POST" and (match := _PREDICT_PATH.fullmatch(path)):
                model, api = match.group(1), match.group(4).lower()
                return await self._predict_like(request, *match.groups())
            if method == "GET" and (match := _STATUS_PATH.fullmatch(path)):
                model = match.group(1) or ""
                return self._status_or_metadata(*match.groups())
            raise invalid_argument(f"Malformed request: {method} {path}")
        except ServingError as error:
            code = error.code
            return _error_response(error)
        except Exception as error:  # a bug must still answer in JSON
            code = grpc.StatusCode.INTERNAL
            log.exception("Unexpected error on %s %s", method, path)
            return _error_response(internal_error(error))
        finally:
            self._metrics.record_request(
                self._registry.metric_label(model), api, REST, code, time.perf_counter() - start
            )

    def _readiness(self):
        ready, models = self._registry.readiness()
        body = json.dumps(
            {"ready": ready, "in_flight_requests": self._requests.in_flight, "models": models},
            indent=1,
        )
        return _response(body, 200 if ready else 503)

    def _status_or_metadata(self, name, version, label, subresource):
        if not name:
            raise invalid_argument("Missing model name in request.")
        version = _version(version)
        if subresource and subresource.lower() == "metadata":
            servable = self._registry.servable(name, version, label)
            return _response(metadata_json(model_metadata(servable)))
        return _response(status_json(self._registry.status(name, version, label)))

    async def _predict_like(self, request, name, version, label, method):
        # One deadline covers the whole request: the body must arrive within
        # it (else 408), and parsing, the model call and writing the answer
        # must end within what is left (else 504).
        deadline = Deadline(self._timeout)
        version = _version(version)
        # The body goes straight into the coroutine that answers, which
        # frees it before the model runs.
        return await deadline.run(
            self._answer_body(
                await self._body.read(request, deadline),
                name,
                version,
                label,
                method.lower(),
                deadline,
            )
        )

    async def _answer_body(self, body, name, version, label, method, deadline):
        large = len(body) >= _OFF_LOOP_BYTES
        doc, booleans = await self._off_loop(large, _parsed, body, deadline)
        del body  # its text, in `doc`, is all that is read from now on
        signature_name = json_decode.signature_name_of(doc)
        servable = self._registry.servable(name, version, label)
        key = signature_name or DEFAULT_SIGNATURE
        signature = servable.signature_defs.get(key)
        if signature is None:
            raise invalid_argument(f'Serving signature name: "{key}" not found in signature def')
        if method != "predict":
            return await self._examples(servable, signature_name, doc, method, large, deadline)
        input_dtypes = {k: v.dtype for k, v in signature.inputs.items()}
        if not input_dtypes:
            raise invalid_argument(
                f"Failed to get input map for signature: {signature_name or 'DEFAULT'}"
            )
        inputs, row_format = await self._off_loop(
            large, json_decode.decode_predict_inputs, doc, input_dtypes, booleans, deadline
        )
        del doc  # the body's text goes before the model runs
        _, outputs = await self._requests.predict(
            servable, signature_name, inputs, deadline=deadline
        )
        del inputs
        encode = json_encode.encode_row_format if row_format else json_encode.encode_columnar_format
        values = sum(a.size for a in outputs.values())
        parts = await self._off_loop(
            values * _BYTES_PER_VALUE >= _OFF_LOOP_BYTES, _encoded, encode, outputs, deadline
        )
        del outputs  # the answer's text is all that is sent
        return _parts_response(parts)

    async def _examples(self, servable, signature_name, doc, method, large, deadline):
        kind, write = _EXAMPLE_METHODS[method]
        examples.check_method(servable, signature_name, kind)
        serialized = await self._off_loop(
            large, examples.serialized_examples_from_json, doc, method, deadline
        )
        rows = len(serialized)
        outputs = await examples.predict(
            self._requests, servable, signature_name, serialized, kind, deadline
        )
        del serialized
        return _response(
            await self._off_loop(large, lambda: write(examples.result(outputs, rows, kind)))
        )


def _parsed(body, deadline):
    """The body's JSON object, and whether it may hold JSON booleans."""
    return (json_text.parse_json_object(body, deadline), json_decode.may_hold_booleans(body))


def _encoded(encode, outputs, deadline):
    """The response body's parts as bytes; each text part is freed as soon
    as it is encoded."""
    parts = encode(outputs, deadline)
    for index, part in enumerate(parts):
        parts[index] = part.encode("utf-8")
    return parts


_EXAMPLE_METHODS = {
    "classify": (examples.CLASSIFY, examples.classification_json),
    "regress": (examples.REGRESS, examples.regression_json),
}
