"""Keeping TensorFlow's and CUDA's native log lines off a command's output.

TensorFlow writes notices from C++ straight to file descriptor 2 through
absl logging (oneDNN, "Could not find cuda drivers", "failed call to
cuInit"), before `TF_CPP_MIN_LOG_LEVEL` takes effect, so no Python setting
silences them. `NativeLogFilter` reroutes descriptor 2 through a pipe and
passes on every line but those.

Example:
>>> with NativeLogFilter():
...     print("kept", file=sys.stderr)
"""

import os
import re
import sys
import threading

# absl's record prefix ("I0000 00:00:1795455523.558934    8663 port.cc:153] "),
# its pre-initialisation banner, and the second line of TensorFlow's CPU notice.
NATIVE_LOG_LINE = re.compile(
    rb"^([IWEF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [\w.]+:\d+\] "
    rb"|WARNING: All log messages before absl::InitializeLog\(\) is called"
    rb"|To enable the following instructions: .* rebuild TensorFlow with)"
)


class NativeLogFilter:
    """Context manager that drops native log lines from stderr (fd 2).

    Everything else written to stderr, by Python or by child processes
    started meanwhile, passes through unchanged and in order. On exit the
    original stderr is restored once the pipe is drained.
    """

    def __enter__(self):
        sys.stderr.flush()
        self._saved = os.dup(2)
        read_end, write_end = os.pipe()
        os.dup2(write_end, 2)
        os.close(write_end)
        self._pump = threading.Thread(
            target=self._copy,
            args=(read_end, os.dup(self._saved)),
            name="native-log-filter",
            daemon=True,
        )
        self._pump.start()
        return self

    def __exit__(self, *exc_info):
        sys.stderr.flush()
        # Closing the pipe's last write end lets the pump drain it and stop.
        os.dup2(self._saved, 2)
        os.close(self._saved)
        self._pump.join(timeout=5)
        return False

    @staticmethod
    def _copy(read_end, target):
        with os.fdopen(read_end, "rb") as source, os.fdopen(target, "wb", buffering=0) as sink:
            for line in source:
                if not NATIVE_LOG_LINE.match(line):
                    sink.write(line)
