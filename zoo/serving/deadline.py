"""The time by which a request must be answered, checked at every step.

One deadline covers a whole request: parsing its body, the model call and
writing the answer. Work that runs in a thread cannot be cancelled, so the
codecs check the deadline between chunks and stop there.
"""

import asyncio
import time

import grpc

from zoo.serving.errors import ServingError


class Deadline:
    """A request's time limit, started when the request arrived.

    Args:
        seconds: float, the limit (`--rest-api-timeout-in-ms`).

    Example:
    >>> deadline = Deadline(30.0)
    >>> deadline.check()  # raises ServingError once 30 s have passed
    >>> 29.0 < deadline.remaining() <= 30.0
    True
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self):
        """Seconds left, never below 0."""
        return max(0.0, self._end - time.monotonic())

    def error(self):
        """The `ServingError` of a request that ran out of time (504 /
        DEADLINE_EXCEEDED)."""
        return ServingError(
            grpc.StatusCode.DEADLINE_EXCEEDED,
            f"Deadline exceeded: the request took longer than "
            f"{self.seconds * 1000:g} ms. Send fewer rows per request or "
            "raise --rest-api-timeout-in-ms.",
        )

    def check(self):
        """Raises `error()` when the time is up; safe from any thread.

        Raises:
            ServingError: DEADLINE_EXCEEDED.
        """
        if time.monotonic() > self._end:
            raise self.error()

    async def run(self, awaitable):
        """Awaits `awaitable` for the time left.

        Args:
            awaitable: a coroutine or future.

        Returns:
            What it returns.

        Raises:
            ServingError: DEADLINE_EXCEEDED when the time runs out first;
                the awaitable is cancelled (work in a thread goes on to its
                next deadline check).
        """
        try:
            return await asyncio.wait_for(awaitable, self.remaining())
        except asyncio.TimeoutError:
            raise self.error() from None
