"""One thread pool per model, so that a slow model holds up only itself.

TensorFlow cannot stop a model call once it runs: a request that times out
answers 504 at once, but its call keeps a thread until it returns. With one
pool for every model, a few such calls would leave no thread for the others.
Here each model has its own threads, and each pool knows which calls it is
running, so readiness can report the calls that outlived their request. The
threads are daemon threads: a call that never returns does not keep the
process from exiting after a shutdown.
"""

import asyncio
import concurrent.futures
import queue
import threading
import time


class DaemonThreadPool(concurrent.futures.Executor):
    """A fixed number of daemon threads running submitted calls in order.

    `concurrent.futures.ThreadPoolExecutor` joins its threads when the
    interpreter exits, so one call blocked for good inside TensorFlow would
    keep a stopped server alive; these threads are not waited for.

    Args:
        threads: how many calls may run at once.
        name: prefix of the threads' names.

    Example:
    >>> pool = DaemonThreadPool(2, "demo")
    >>> pool.submit(sum, [1, 2]).result()
    3
    >>> pool.shutdown()
    """

    def __init__(self, threads, name):
        self._queue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, daemon=True, name=f"{name}_{index}")
            for index in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, fn, /, *args, **kwargs):
        """Queues `fn(*args, **kwargs)`; returns its `Future`."""
        future = concurrent.futures.Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new calls after shutdown")
            self._queue.put((future, fn, args, kwargs))
        return future

    def _work(self):
        while True:
            item = self._queue.get()
            if item is None:
                return
            self._call(*item)
            # The call's inputs and result are not kept until the next call.
            del item

    @staticmethod
    def _call(future, fn, args, kwargs):
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(fn(*args, **kwargs))
            # The caller gets it.
            except BaseException as error:  # noqa: BLE001
                future.set_exception(error)

    def shutdown(self, wait=True, *, cancel_futures=False):
        """Refuses new calls and lets the threads end once idle.

        Args:
            wait: whether to wait for the calls running now.
            cancel_futures: whether to cancel the queued calls.
        """
        with self._lock:
            self._closed = True
        if cancel_futures:
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
        for _ in self._threads:
            self._queue.put(None)
        if wait:
            for thread in self._threads:
                thread.join()


class _Call:
    """One model call: when it started, and whether its request gave up."""

    def __init__(self):
        self.start = None
        self.abandoned = False


class ModelExecutors:
    """Runs blocking model calls, each model in its own thread pool.

    Args:
        threads: how many calls of one model may run at once.
        stuck_after_seconds: float, the request time limit. A call is stuck
            when its request gave up on it, or (for a batch, which serves
            several requests) when it has run longer than this.

    Example (in a coroutine):

        outputs = await executors.run("sarcasm", servable.run, name, inputs)
    """

    def __init__(self, threads, stuck_after_seconds):
        self.threads = threads
        self._stuck_after = stuck_after_seconds
        self._lock = threading.Lock()
        self._pools = {}
        self._running = {}  # model name -> set of running _Calls

    def _pool(self, name):
        with self._lock:
            pool = self._pools.get(name)
            if pool is None:
                pool = self._pools[name] = DaemonThreadPool(self.threads, f"zoo-model-{name}")
            return pool

    def run(self, name, function, *args):
        """Calls `function(*args)` in the thread pool of model `name`.

        Cancelling the call (a request timing out) drops it if it has not
        started; one that has started runs to its end, and counts as stuck
        until then.

        Args:
            name: the model name.
            function: a blocking callable.
            *args: its arguments.

        Returns:
            An `asyncio.Future` of what `function` returns.
        """
        call = _Call()
        future = asyncio.get_running_loop().run_in_executor(
            self._pool(name), self._tracked, name, call, function, args
        )
        future.add_done_callback(lambda done: self._abandon(call) if done.cancelled() else None)
        return future

    def _abandon(self, call):
        with self._lock:
            call.abandoned = True

    def _tracked(self, name, call, function, args):
        with self._lock:
            call.start = time.monotonic()
            self._running.setdefault(name, set()).add(call)
        try:
            return function(*args)
        finally:
            with self._lock:
                self._running[name].discard(call)

    def activity(self, name):
        """Says what a model's threads are doing now.

        Args:
            name: the model name.

        Returns:
            A tuple `(running, stuck)`: how many calls run now, and how many
            of them are stuck.
        """
        now = time.monotonic()
        with self._lock:
            calls = list(self._running.get(name, ()))
        stuck = sum(c.abandoned or now - c.start > self._stuck_after for c in calls)
        return len(calls), stuck

    def running_calls(self):
        """How many calls run now, over every model.

        Returns:
            An int.
        """
        with self._lock:
            return sum(len(calls) for calls in self._running.values())

    def shutdown(self):
        """Stops the pools without waiting for calls that still run."""
        with self._lock:
            pools = list(self._pools.values())
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)
