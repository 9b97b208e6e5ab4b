"""The one error type of the server, with TF Serving's status codes, and
what of an error's text a client may read."""

import re
import sys
from pathlib import Path

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


def internal_error(error):
    """The `ServingError` a client gets for a fault of the server itself.

    Only the kind of error is named: its text may quote the server's files
    or data. The caller logs the details.

    Args:
        error: the unexpected exception.

    Returns:
        A `ServingError` with code INTERNAL (HTTP 500).

    Example:
    >>> internal_error(KeyError("x")).message
    'Internal error (KeyError); the server log has the details.'
    """
    return ServingError(
        grpc.StatusCode.INTERNAL,
        f"Internal error ({type(error).__name__}); the server log has the details.",
    )


# The header of a stack trace: Python's `Traceback (most recent call last):`
# and TensorFlow's `Detected at node X defined at (most recent call last):`.
_STACK_HEADER = re.compile(r".*\(most recent call last\):\s*$")
_NO_STACK = "<stack traces unavailable>"
# Folders of the server's own code: its installation and the interpreter's.
_SERVER_FOLDERS = sorted(
    {str(Path(__file__).resolve().parents[2]), sys.prefix, sys.base_prefix, sys.exec_prefix},
    key=len,
    reverse=True,
)


def client_text(text):
    """What of an error text may go to a client: no stack trace, no file of
    the server's.

    The lines of a stack trace (a header ending in `(most recent call
    last):`, then indented `File "..."` lines and code) are dropped, and the
    folders of the server's code and of the Python installation read
    `<server>`.

    Args:
        text: the error text, e.g. a TensorFlow error message.

    Returns:
        The text without them.

    Example:
    >>> client_text("Failed\\nTraceback (most recent call last):\\n"
    ...             '  File "x.py", line 1, in f\\n    f()\\nboom')
    'Failed\\nboom'
    """
    kept, in_stack = [], False
    for line in text.split("\n"):
        if _STACK_HEADER.match(line):
            in_stack = True
        elif in_stack and (line.startswith("  ") or not line.strip() or line.strip() == _NO_STACK):
            continue
        else:
            in_stack = False
            kept.append(line)
    kept = "\n".join(kept)
    for folder in _SERVER_FOLDERS:
        kept = kept.replace(folder, "<server>")
    return kept
