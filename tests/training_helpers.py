"""Running `zoo train` in fresh processes: worker clusters on 127.0.0.1, weight dumps."""

import json
import os
import socket
import subprocess
import sys
import textwrap

import keras
import numpy as np

# Runs `zoo train TASK --batch-size N` for each `TASK=N` in argv[2]
# (comma-separated) with the options after it, inside tfds' mock data, and
# saves each model's final weights (after early stopping restored the best)
# to <argv[1]>-<task>.npz.
TRAIN_AND_DUMP = """
    import sys
    import keras
    import numpy as np
    import tensorflow_datasets as tfds
    from zoo.training import reference as training
    from zoo.cli import main

    prefix, options = sys.argv[1], sys.argv[3:]
    tasks = [item.split("=") for item in sys.argv[2].split(",")]


    class DumpFinalWeights(keras.callbacks.Callback):
        def __init__(self, path):
            super().__init__()
            self.path = path

        def on_train_end(self, logs=None):
            np.savez(self.path, *self.model.get_weights())


    solve, codes = training.solve, []
    with tfds.testing.mock_data(num_examples={examples}):
        for task, batch_size in tasks:
            dump = DumpFinalWeights(f"{{prefix}}-{{task}}.npz")
            training.solve = lambda *a, dump=dump, **k: solve(*a, more_callbacks=[dump], **k)
            codes.append(main(["train", task, "--batch-size", batch_size, *options]))
    sys.exit(max(codes))
"""


# Trains a task (tfds mocked) and kills its own process with SIGKILL, either
# after epoch `after_epoch` (a callback placed after the zoo's, so after that
# epoch's backup) or in the middle of writing backup number `die_in_backup`
# (its arrays cut in half, its state file never written); 0 means never.
KILLED_RUN = """
    import os
    import signal
    import keras
    import tensorflow_datasets as tfds
    from zoo.training import backup as run_backup
    from zoo.tasks import get_task
    from zoo.training.reference import solve


    def die():
        os.kill(os.getpid(), signal.SIGKILL)


    class KillAfterEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch + 1 == {after_epoch}:
                die()


    digest, saved = run_backup.sha256, []


    def sha256_then_die(path):
        # Called for each backup once its arrays are written, before its state
        # file: cut the arrays in half and die, as a crash mid-write would.
        saved.append(path)
        if len(saved) == {die_in_backup}:
            path.write_bytes(path.read_bytes()[:path.stat().st_size // 2])
            die()
        return digest(path)


    run_backup.sha256 = sha256_then_die
    with tfds.testing.mock_data(num_examples={examples}):
        solve(get_task("{task}"), epochs={epochs}, batch_size={batch}, verbose=0,
              more_callbacks=[KillAfterEpoch()])
"""


def kernel_settings():
    """The settings that choose TensorFlow's CPU kernels, as this process has them.

    A child process compared number for number with this one must run the same
    kernels: with `TF_ENABLE_ONEDNN_OPTS=0` here and oneDNN on in the child, a
    reloaded model's outputs differed by 9e-8 and a resumed run's weights by 2.6e-6.
    """
    return {name: os.environ[name] for name in ("TF_ENABLE_ONEDNN_OPTS",) if name in os.environ}


def environment(tmp_path, **extra):
    """A small, explicit environment for a child process writing under `tmp_path`."""
    temporary = tmp_path / "tmp"
    temporary.mkdir(exist_ok=True)
    return {
        "PATH": "/usr/bin:/bin",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "HOME": str(tmp_path),
        "TMPDIR": str(temporary),
        "ZOO_DATA_DIR": str(tmp_path / "cache"),
        **kernel_settings(),
        **extra,
    }


def run_for_json(code, *arguments, env, cwd=None, timeout=600):
    """Runs `code` in a fresh interpreter and returns the JSON its last line prints.

    The test fails with the end of the child's stderr when the child fails.
    """
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *map(str, arguments)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def free_ports(count):
    """Ports on 127.0.0.1 that nothing listens on now."""
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def tf_config(ports, index):
    """The `TF_CONFIG` of worker `index` in a cluster of workers on `ports`."""
    return json.dumps(
        {
            "cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
            "task": {"type": "worker", "index": index},
        }
    )


def train_and_dump_command(prefix, batch_sizes, options, examples):
    """The command line of a process that trains tasks and dumps their final weights.

    Args:
        prefix: path prefix of the weight files (`<prefix>-<task>.npz`).
        batch_sizes: dict of task name → global batch size.
        options: further `zoo train` options.
        examples: examples per split of tfds' mock data.
    """
    code = textwrap.dedent(TRAIN_AND_DUMP.format(examples=examples))
    tasks = ",".join(f"{task}={size}" for task, size in batch_sizes.items())
    return [sys.executable, "-c", code, str(prefix), tasks, *options]


def run_together(commands, cwd, environments, timeout=300):
    """Starts the commands at once and waits for all.

    Returns:
        A list of `(returncode, stdout, stderr)`, one per command.
    """
    processes = [
        subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for command, env in zip(commands, environments)
    ]
    results = []
    try:
        for process in processes:
            out, err = process.communicate(timeout=timeout)
            results.append((process.returncode, out, err))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    return results


def largest_difference(first, second):
    """The largest absolute difference between two lists of weight arrays."""
    assert len(first) == len(second)
    return max(
        float(np.abs(np.asarray(a, "float64") - np.asarray(b, "float64")).max())
        for a, b in zip(first, second)
    )


def load_weights(path):
    """The arrays of an `.npz` written by `np.savez(path, *weights)`, in order."""
    with np.load(path) as saved:
        return [saved[f"arr_{i}"] for i in range(len(saved.files))]


class WeightsAtStartAndEnd(keras.callbacks.Callback):
    """Keeps the model's weights when training begins and when it ends."""

    def on_train_begin(self, logs=None):
        self.start = self.model.get_weights()

    def on_train_end(self, logs=None):
        self.end = self.model.get_weights()


def killed_run_command(task, epochs, batch_size, examples, after_epoch=0, die_in_backup=0):
    """The command line of a process that trains `task` and kills itself (see KILLED_RUN)."""
    code = textwrap.dedent(
        KILLED_RUN.format(
            after_epoch=after_epoch,
            die_in_backup=die_in_backup,
            examples=examples,
            task=task,
            epochs=epochs,
            batch=batch_size,
        )
    )
    return [sys.executable, "-c", code]
