"""Start-up time of the `zoo` command, beside Python's and Keras' own.

Runs each command as a whole new process, interleaved round by round so
that every command sees the same machine state, and prints the median wall
time of each and its ratio to `python -c pass`.

Usage:
    python benchmarks/cli.py [--repeats 5]
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time

PYTHON = sys.executable


def commands(scratch):
    """The commands to time, by label.

    Args:
        scratch: a folder `zoo practice` may write its starter into.

    Returns:
        A dict `{label: argv}`.
    """
    zoo = [PYTHON, "-m", "zoo"]
    return {
        "python -c pass": [PYTHON, "-c", "pass"],
        'python -c "import keras"': [PYTHON, "-c", "import keras"],
        "zoo --help": [*zoo, "--help"],
        "zoo tasks": [*zoo, "tasks"],
        "zoo practice linear": [*zoo, "practice", "linear", "--out", scratch, "--force"],
    }


def wall_time(argv):
    """Runs a command to its end and returns the seconds it took."""
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main():
    """Times every command and prints the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs of each command")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        timed = commands(scratch)
        times = {label: [] for label in timed}
        for _ in range(args.repeats):
            for label, argv in timed.items():
                times[label].append(wall_time(argv))
    base = statistics.median(times["python -c pass"])
    print(f"{'command':<28} {'median s':>9} {'× python':>9}   (median of {args.repeats})")
    for label, samples in times.items():
        median = statistics.median(samples)
        print(f"{label:<28} {median:>9.3f} {median / base:>9.1f}")


if __name__ == "__main__":
    main()
