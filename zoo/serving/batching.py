"""Server-side batching: concurrent requests to one signature, one model call.

Requests for the same model version and signature whose inputs agree on
every dimension but the first wait in one queue; a batch takes as many as
fit in `max_batch_size` rows, runs once, and each request gets its slice of
the outputs back. The parameters and their defaults are TF Serving's.
"""

import asyncio
import collections
import time

import grpc
import numpy as np

from zoo.serving.errors import ServingError, invalid_argument


class _Task:
    def __init__(self, inputs, rows, key, future):
        self.inputs = inputs
        self.rows = rows
        self.key = key
        self.future = future
        self.enqueued = time.monotonic()


class _Queue:
    def __init__(self, servable, signature_name):
        self.servable = servable
        self.signature_name = signature_name
        self.tasks = collections.deque()
        self.rows = 0
        self.consumers = 0
        self.changed = asyncio.Event()


class BatchScheduler:
    """Merges concurrent requests into batched model calls.

    Args:
        options: a `BatchingOptions`.
        executors: the `ModelExecutors` model calls run in.
        metrics: optional `ServingMetrics` recording batches and queuing.
    """

    def __init__(self, options, executors, metrics=None):
        self._options = options
        self._executors = executors
        self._metrics = metrics
        self._queues = {}

    async def run(self, servable, signature_name, inputs):
        """Runs one request as part of a batch.

        Args:
            servable: the `Servable` to call.
            signature_name: the signature to call.
            inputs: dict mapping input names to NumPy arrays, each with the
                same first (batch) dimension.

        Returns:
            A dict mapping output names to this request's rows of outputs.

        Raises:
            ServingError: INVALID_ARGUMENT for inputs that cannot be batched,
                UNAVAILABLE when the queue is full.
        """
        rows = _batch_rows(inputs)
        options = self._options
        if rows > options.max_batch_size:
            raise invalid_argument(
                f"Task size {rows} is larger than maximum input batch size "
                f"{options.max_batch_size}; send at most "
                f"{options.max_batch_size} rows or raise max_batch_size in "
                "the batching parameters file."
            )
        key = (servable.name, servable.version, signature_name)
        queue = self._queues.get(key)
        if queue is None or queue.servable is not servable:
            queue = self._queues[key] = _Queue(servable, signature_name)
        capacity = options.max_batch_size * options.max_enqueued_batches
        if queue.rows + rows > capacity:
            raise ServingError(
                grpc.StatusCode.UNAVAILABLE,
                "The batch scheduling queue to which this task was submitted "
                f"is full ({queue.rows} rows waiting, max_enqueued_batches "
                f"{options.max_enqueued_batches} x max_batch_size "
                f"{options.max_batch_size}); retry later.",
            )
        shape_key = tuple(
            sorted((name, array.shape[1:], array.dtype.str) for name, array in inputs.items())
        )
        future = asyncio.get_running_loop().create_future()
        queue.tasks.append(_Task(inputs, rows, shape_key, future))
        queue.rows += rows
        queue.changed.set()
        if queue.consumers < options.num_batch_threads:
            queue.consumers += 1
            asyncio.ensure_future(self._consume(key, queue))
        return await future

    async def _consume(self, key, queue):
        try:
            while queue.tasks:
                await self._wait_to_fill(queue)
                batch = self._take(queue)
                if batch:
                    await self._run_batch(queue, batch)
        finally:
            queue.consumers -= 1
            if not queue.tasks and not queue.consumers and self._queues.get(key) is queue:
                del self._queues[key]

    async def _wait_to_fill(self, queue):
        timeout = self._options.batch_timeout_micros / 1e6
        if timeout <= 0:
            return
        deadline = queue.tasks[0].enqueued + timeout
        while queue.rows < self._options.max_batch_size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            queue.changed.clear()
            try:
                await asyncio.wait_for(queue.changed.wait(), remaining)
            except asyncio.TimeoutError:
                return

    def _take(self, queue):
        """Removes the oldest task and every queued task batchable with it."""
        while queue.tasks and queue.tasks[0].future.done():
            queue.rows -= queue.tasks.popleft().rows  # timed out meanwhile
        if not queue.tasks:
            return []
        key = queue.tasks[0].key
        batch, kept, rows = [], collections.deque(), 0
        for task in queue.tasks:
            if task.future.done():
                queue.rows -= task.rows
            elif task.key == key and rows + task.rows <= self._options.max_batch_size:
                batch.append(task)
                rows += task.rows
                queue.rows -= task.rows
            else:
                kept.append(task)
        queue.tasks = kept
        return batch

    async def _run_batch(self, queue, batch):
        names = list(batch[0].inputs)
        merged = {name: np.concatenate([t.inputs[name] for t in batch]) for name in names}
        if self._metrics is not None:
            now = time.monotonic()
            self._metrics.record_batch([now - t.enqueued for t in batch])
        try:
            outputs = await self._executors.run(
                queue.servable.name, queue.servable.run, queue.signature_name, merged
            )
            total = sum(t.rows for t in batch)
            for name, array in outputs.items():
                if array.ndim == 0 or array.shape[0] != total:
                    raise ServingError(
                        grpc.StatusCode.INTERNAL,
                        f"Batched output {name!r} has shape "
                        f"{list(array.shape)}, not {total} rows as the "
                        f"batch; signature {queue.signature_name!r} cannot "
                        "be batched, serve it without --enable-batching.",
                    )
        # Every request of the batch gets it.
        except Exception as error:  # noqa: BLE001
            for task in batch:
                if not task.future.done():
                    task.future.set_exception(error)
            return
        start = 0
        for task in batch:
            end = start + task.rows
            if not task.future.done():
                task.future.set_result({name: array[start:end] for name, array in outputs.items()})
            start = end


def _batch_rows(inputs):
    sizes = set()
    for name, array in inputs.items():
        if array.ndim == 0:
            raise invalid_argument(
                f"Batching input tensors must have at least one dimension; "
                f"input {name!r} is a scalar. Send it as a list of one value."
            )
        sizes.add(array.shape[0])
    if len(sizes) != 1:
        raise invalid_argument(
            f"Batching Run() input tensors must have equal 0th-dimension size; got {sorted(sizes)}."
        )
    return sizes.pop()
