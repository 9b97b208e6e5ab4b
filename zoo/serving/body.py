"""REST request bodies: bounded in size and time, inflated off the event loop.

aiohttp would inflate a gzip body on the event loop as it arrives, and keep
reading (and inflating) a refused body for seconds to keep the connection
alive, during which no other client is answered. Here the server reads the
raw bytes itself, inflates them in a worker thread a megabyte at a time,
stops at the size limit, and a refused body closes its connection.
"""

import asyncio
import zlib

import grpc

from zoo.serving.errors import ServingError

# Raw bytes gathered before one inflate call in the worker thread: large
# enough that the thread hops cost nothing, small enough that a bomb is
# noticed after inflating little more than the limit.
_INFLATE_BATCH_BYTES = 1 << 20
_GZIP = "gzip"
_DEFLATE = "deflate"
_ENCODINGS = {"gzip": _GZIP, "x-gzip": _GZIP, "deflate": _DEFLATE}


def refused(code, message, http_status=None):
    """A `ServingError` for a body the server will not read to its end.

    Its response closes the connection, so the rest of the body is never
    read.

    Args:
        code: a `grpc.StatusCode`.
        message: the error text.
        http_status: optional HTTP status overriding the one of `code`.

    Returns:
        A `ServingError` with `close_connection` set.
    """
    error = ServingError(code, message, http_status)
    error.close_connection = True
    return error


class _Inflater:
    """Inflates one gzip or deflate stream, refusing more than `limit` bytes.

    Each call to `feed` runs in a worker thread and inflates at most
    `limit + 1` bytes in all, so a bomb costs no more than the limit.
    """

    def __init__(self, encoding, limit, too_large):
        self._encoding = encoding
        self._limit = limit
        self._too_large = too_large
        self._decompressor = None
        # One buffer grown in place: parts joined at the end would hold the
        # body twice.
        self.body = bytearray()

    def _start(self, first_byte):
        if self._encoding == _GZIP:
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # "deflate" means zlib-wrapped, but some clients send raw deflate;
        # a zlib stream's first byte names method 8 in its low bits.
        raw = first_byte & 0x0F != 8
        return zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)

    def feed(self, data):
        """Inflates the next raw bytes; blocking, call it off the loop."""
        while data:
            if self._decompressor is None:
                self._decompressor = self._start(data[0])
            elif self._decompressor.eof:
                if self._encoding != _GZIP:
                    return  # bytes after a deflate stream are ignored
                self._decompressor = self._start(data[0])  # next gzip member
            try:
                out = self._decompressor.decompress(data, self._limit + 1 - len(self.body))
            except zlib.error as error:
                raise self._corrupt(error) from None
            self.body += out
            if len(self.body) > self._limit:
                raise self._too_large(None)
            data = self._decompressor.unconsumed_tail or self._decompressor.unused_data

    def finish(self):
        """Checks that the stream ended; returns the inflated body."""
        if self._decompressor is not None and not self._decompressor.eof:
            raise self._corrupt("the stream ends before its end marker")
        return self.body

    def _corrupt(self, reason):
        return refused(
            grpc.StatusCode.INVALID_ARGUMENT,
            f"Failed to decompress the request body (Content-Encoding: "
            f"{self._encoding}): {reason}. Send the whole compressed body, "
            "or send it uncompressed without Content-Encoding.",
        )


class BodyReader:
    """Reads request bodies within a size and a time limit.

    Args:
        max_bytes: int, the largest body accepted, after decompression.
        executor: the `concurrent.futures.Executor` that inflates compressed
            bodies.
    """

    def __init__(self, max_bytes, executor):
        self._max_bytes = max_bytes
        self._executor = executor

    async def read(self, request, deadline):
        """Reads, and inflates if compressed, the body of a request.

        The server must run aiohttp with `auto_decompress=False`, so that
        `request.content` yields the bytes as sent.

        Args:
            request: the `aiohttp.web.Request`.
            deadline: the request's `Deadline`; the body must arrive within
                the time it leaves.

        Returns:
            The body, a bytes-like object.

        Raises:
            ServingError: 413 for a body over the limit, 408 for one sent too
                slowly, 400 for a corrupt compressed body, 415 for an unknown
                Content-Encoding; each closes the connection.
        """
        encoding = request.headers.get("Content-Encoding", "").strip().lower()
        if encoding not in ("", "identity") and encoding not in _ENCODINGS:
            raise refused(
                grpc.StatusCode.UNIMPLEMENTED,
                f"Unsupported Content-Encoding: {encoding}. Send the body "
                "uncompressed, or with gzip or deflate.",
                http_status=415,
            )
        if request.content_length is not None and request.content_length > self._max_bytes:
            raise self._too_large(request.content_length)
        reading = (
            self._inflate(request.content, _ENCODINGS[encoding])
            if encoding in _ENCODINGS
            else self._raw(request.content)
        )
        if request.content.is_eof():  # all received: nothing can stall
            return await reading
        try:
            return await asyncio.wait_for(reading, deadline.remaining())
        except ConnectionError:
            raise refused(
                grpc.StatusCode.CANCELLED,
                "The client closed the connection before sending its whole body.",
            ) from None
        except asyncio.TimeoutError:
            raise refused(
                grpc.StatusCode.DEADLINE_EXCEEDED,
                f"Request body not received within {deadline.seconds * 1000:g} "
                "ms; the connection is closed. Send the body at once, or "
                "raise --rest-api-timeout-in-ms.",
                http_status=408,
            ) from None

    async def _raw(self, content):
        body = bytearray()
        while True:
            chunk = await content.readany()
            if not chunk:
                return body
            body += chunk
            if len(body) > self._max_bytes:
                raise self._too_large(None)

    async def _inflate(self, content, encoding):
        inflater = _Inflater(encoding, self._max_bytes, self._too_large)
        loop = asyncio.get_running_loop()
        pending = bytearray()
        while True:
            chunk = await content.readany()
            pending += chunk
            if pending and (not chunk or len(pending) >= _INFLATE_BATCH_BYTES):
                await loop.run_in_executor(self._executor, inflater.feed, bytes(pending))
                pending.clear()
            if not chunk:
                return await loop.run_in_executor(self._executor, inflater.finish)

    def _too_large(self, size):
        sent = f" ({size} bytes sent)" if size is not None else ""
        return refused(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            f"Request body too large{sent}: the limit is {self._max_bytes} "
            "bytes after decompression. Send fewer rows per request, send "
            "images as b64-encoded bytes, or raise "
            "--rest-api-max-body-bytes.",
            http_status=413,
        )
