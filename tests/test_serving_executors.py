"""The model threads: daemon threads that keep nothing of a call once it
has returned."""

import gc
import weakref

from serving_helpers import HANG_GUARD_SECONDS, wait_for

from zoo.serving.executors import DaemonThreadPool


class _Tensor:
    """Stands for a model call's input or output (weak-referenceable)."""


def test_a_finished_call_keeps_neither_its_inputs_nor_its_result():
    # A model's idle thread held its last call's inputs and outputs (tens of
    # MB after a large request) until the next call came.
    pool = DaemonThreadPool(1, "test")
    try:
        inputs = _Tensor()
        future = pool.submit(lambda value: _Tensor(), inputs)
        result = future.result(HANG_GUARD_SECONDS)
        held = [weakref.ref(inputs), weakref.ref(result)]
        del inputs, result, future

        def released():
            gc.collect()
            return all(ref() is None for ref in held)

        wait_for(released)
        assert all(thread.daemon for thread in pool._threads)
    finally:
        pool.shutdown(wait=False)
