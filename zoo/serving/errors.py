"""The one error type of the server, with TF Serving's status codes."""

import grpc

# TF Serving's mapping from canonical status codes to HTTP statuses
# (model_servers/http_server.cc), so REST clients see the same numbers.
HTTP_STATUS = {
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
    grpc.StatusCode.UNAUTHENTICATED: 401,
}


class ServingError(Exception):
    """A request that cannot be answered, with the status to answer it with.

    Args:
        code: a `grpc.StatusCode`, the canonical error kind.
        message: the error text clients see, as TF Serving words it where
            it has a message for the case.
        http_status: optional HTTP status overriding the one derived from
            `code` (413 for an oversized body, which gRPC has no code for).

    A REST answer to an error whose `close_connection` is set closes the
    connection (the request body was not read to its end).
    """

    close_connection = False

    def __init__(self, code, message, http_status=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status or HTTP_STATUS.get(code, 500)


def invalid_argument(message):
    """Returns a `ServingError` with code INVALID_ARGUMENT (HTTP 400).

    Args:
        message: the error text.

    Returns:
        A `ServingError`.
    """
    return ServingError(grpc.StatusCode.INVALID_ARGUMENT, message)
