"""TF Serving's REST API on aiohttp, plus health and readiness probes.

Paths, status codes, bodies and messages follow TensorFlow Serving's
`http_rest_api_handler.cc`; `/healthz` and `/readyz` are additions.
"""

import asyncio
import json
import logging
import re

import grpc
from aiohttp import web

from zoo.serving import examples, json_codec, json_text
from zoo.serving.errors import ServingError, invalid_argument
from zoo.serving.metadata import metadata_json, model_metadata, status_json
from zoo.serving.servable import DEFAULT_SIGNATURE

log = logging.getLogger("zoo.serving")

_PREDICT_PATH = re.compile(
    r"/v1/models/([^/:]+)(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?"
    r":(classify|regress|predict)", re.IGNORECASE)
_STATUS_PATH = re.compile(
    r"/v1/models(?:/([^/:]+))?(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?"
    r"(?:/(metadata))?", re.IGNORECASE)
_MAX_VERSION = 2 ** 63 - 1
# Bodies above this size are parsed and written off the event loop; below
# it, the thread hop would cost more than it saves.
_OFF_LOOP_BYTES = 64 * 1024
_BYTES_PER_VALUE = 10  # rough JSON text size of one written value
_JSON = "application/json"


def _response(text, status=200):
    return web.Response(body=text.encode("utf-8"), status=status,
                        content_type=_JSON)


def _error_response(error):
    return _response(json_codec.error_body(error.message), error.http_status)


def _version(text):
    if text is None:
        return None
    version = int(text)
    if version > _MAX_VERSION:
        raise invalid_argument(f"Failed to convert version: {text} to numeric.")
    return version


class RestApi:
    """The REST front end: routes requests to the registry and predictor.

    Args:
        registry: the `ModelRegistry`.
        predictor: the `Predictor`.
        max_body_bytes: int, the largest request body accepted (after gzip
            decompression).
        executor: the `concurrent.futures.Executor` that parses and writes
            large bodies, so that the event loop keeps answering meanwhile.
    """

    def __init__(self, registry, predictor, max_body_bytes, executor):
        self._registry = registry
        self._predictor = predictor
        self._max_body_bytes = max_body_bytes
        self._executor = executor

    async def _off_loop(self, size, function, *args):
        """Runs `function` in the executor when `size` makes it slow."""
        if size < _OFF_LOOP_BYTES:
            return function(*args)
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, function, *args)

    def make_app(self):
        """Builds the aiohttp application.

        Returns:
            An `aiohttp.web.Application`.
        """
        app = web.Application(client_max_size=self._max_body_bytes)
        app.router.add_route("*", "/{path:.*}", self._handle)
        return app

    async def _handle(self, request):
        try:
            return await self._dispatch(request)
        except ServingError as error:
            return _error_response(error)
        except Exception as error:  # a bug must still answer in JSON
            log.exception("Unexpected error on %s %s", request.method,
                          request.path)
            return _error_response(ServingError(
                grpc.StatusCode.INTERNAL,
                f"Internal error: {type(error).__name__}: {error}"))

    async def _dispatch(self, request):
        path = request.path
        method = request.method
        if method == "GET" and path.lower() == "/healthz":
            return _response('{"status": "alive"}')
        if method == "GET" and path.lower() == "/readyz":
            return self._readiness()
        if not path.lower().startswith("/v1/"):
            raise ServingError(
                grpc.StatusCode.NOT_FOUND,
                f"Not found: {method} {path}. The API lives under "
                "/v1/models/<name>; probes are GET /healthz and GET /readyz.")
        if method == "POST":
            match = _PREDICT_PATH.fullmatch(path)
            if match:
                return await self._predict_like(request, *match.groups())
        elif method == "GET":
            match = _STATUS_PATH.fullmatch(path)
            if match:
                return self._status_or_metadata(*match.groups())
        raise invalid_argument(f"Malformed request: {method} {path}")

    def _readiness(self):
        ready, models = self._registry.readiness()
        body = json.dumps({"ready": ready,
                           "in_flight_requests": self._predictor.in_flight,
                           "models": models}, indent=1)
        return _response(body, 200 if ready else 503)

    def _status_or_metadata(self, name, version, label, subresource):
        if not name:
            raise invalid_argument("Missing model name in request.")
        version = _version(version)
        if subresource and subresource.lower() == "metadata":
            servable = self._registry.servable(name, version, label)
            return _response(metadata_json(model_metadata(servable)))
        return _response(status_json(
            self._registry.status(name, version, label)))

    async def _read_body(self, request):
        if (request.content_length is not None
                and request.content_length > self._max_body_bytes):
            raise self._too_large(request.content_length)
        try:
            return await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise self._too_large(None) from None

    def _too_large(self, size):
        sent = f" ({size} bytes sent)" if size is not None else ""
        return ServingError(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            f"Request body too large{sent}: the limit is "
            f"{self._max_body_bytes} bytes after decompression. Send fewer "
            "rows per request, send images as b64-encoded bytes, or raise "
            "--rest-api-max-body-bytes.", http_status=413)

    async def _predict_like(self, request, name, version, label, method):
        version = _version(version)
        body = await self._read_body(request)
        doc = await self._off_loop(len(body), json_text.parse_json_object,
                                   body)
        signature_name = json_codec.signature_name_of(doc)
        servable = self._registry.servable(name, version, label)
        key = signature_name or DEFAULT_SIGNATURE
        signature = servable.signature_defs.get(key)
        if signature is None:
            raise invalid_argument(
                f'Serving signature name: "{key}" not found in signature def')
        method = method.lower()
        if method != "predict":
            return await self._examples(servable, signature_name, doc, method)
        input_dtypes = {k: v.dtype for k, v in signature.inputs.items()}
        if not input_dtypes:
            raise invalid_argument(f"Failed to get input map for signature: "
                                   f"{signature_name or 'DEFAULT'}")
        inputs, row_format = await self._off_loop(
            len(body), json_codec.decode_predict_inputs, doc, input_dtypes,
            body)
        _, outputs = await self._predictor.predict(servable, signature_name,
                                                   inputs)
        encode = (json_codec.encode_row_format if row_format
                  else json_codec.encode_columnar_format)
        size = sum(a.size for a in outputs.values()) * _BYTES_PER_VALUE
        return _response(await self._off_loop(size, encode, outputs))

    async def _examples(self, servable, signature_name, doc, method):
        serialized = examples.serialized_examples_from_json(doc, method)
        kind, write = _EXAMPLE_METHODS[method]
        result = await examples.run(self._predictor, servable, signature_name,
                                    serialized, kind)
        return _response(write(result))


_EXAMPLE_METHODS = {
    "classify": (examples.CLASSIFY, examples.classification_json),
    "regress": (examples.REGRESS, examples.regression_json),
}
