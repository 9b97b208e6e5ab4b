import importlib.util
import os
import subprocess
import sys

import pytest

from zoo.cli import COMMANDS, build_parser, main


def test_every_command_has_a_parser_with_help():
    for name in COMMANDS:
        with pytest.raises(SystemExit) as exit_info:
            build_parser(name).parse_args([name, "--help"])
        assert exit_info.value.code == 0


def test_zoo_help_lists_every_command():
    result = subprocess.run(
        [sys.executable, "-m", "zoo", "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    for name in COMMANDS:
        assert name in result.stdout
    assert "keras-cert-zoo" in result.stdout


def test_unknown_command_exits_2_naming_the_choices():
    result = subprocess.run(
        [sys.executable, "-m", "zoo", "evaluate"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert "invalid choice: 'evaluate'" in result.stderr


@pytest.mark.parametrize("argv", [["--help"], ["tasks"], ["practice", "linear", "--out", "{tmp}"]])
def test_light_commands_start_neither_keras_nor_tensorflow(argv, tmp_path):
    code = f"""
import sys
from zoo.cli import main
try:
    main({[a.format(tmp=tmp_path) for a in argv]!r})
except SystemExit:
    pass
print("heavy:", sorted({{"keras", "tensorflow", "jax"}} & set(sys.modules)), file=sys.stderr)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.stderr.strip().splitlines()[-1] == "heavy: []", result.stderr[-2000:]


NATIVE_LINES = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1795455523.558934    8663 port.cc:153] oneDNN custom operations are on.",
    "E0000 00:00:1795455363.851454    6568 cuda_platform.cc:52] failed call to cuInit: "
    "INTERNAL: CUDA error",
    "W0000 00:00:1795455363.851454    6568 gpu_device.cc:2341] Cannot dlopen some GPU libraries.",
    "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow "
    "with the appropriate compiler flags.",
]


def test_native_log_filter_drops_tensorflows_lines_and_keeps_the_rest_in_order():
    # Native code writes to file descriptor 2 directly, as os.write does here;
    # a child process inherits the filtered descriptor too.
    code = f"""
import os, subprocess, sys
from zoo.native_logs import NativeLogFilter
lines = {NATIVE_LINES!r}
with NativeLogFilter():
    print("first", file=sys.stderr)
    for line in lines:
        os.write(2, (line + "\\n").encode())
    print("second", file=sys.stderr)
    child = "import os; os.write(2, b'I0000 00:00:1.5 7 x.cc:1] y\\\\nchild\\\\n')"
    subprocess.run([sys.executable, "-c", child])
    print("I0000 is not a log line without its prefix", file=sys.stderr)
print("after", file=sys.stderr)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "first",
        "second",
        "child",
        "I0000 is not a log line without its prefix",
        "after",
    ]


def test_verbose_is_a_global_option():
    args = build_parser().parse_args(["--verbose", "tasks"])
    assert args.verbose and args.command == "tasks"
    assert not build_parser().parse_args(["tasks"]).verbose


def test_a_closed_pipe_ends_quietly_with_exit_code_0():
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written, as after `| head`
    try:
        result = subprocess.run(
            [sys.executable, "-m", "zoo", "tasks"],
            stdout=write,
            stderr=subprocess.PIPE,
            check=False,
        )
    finally:
        os.close(write)
    assert (result.returncode, result.stderr) == (0, b"")


@pytest.mark.parametrize(
    "command, extra", [("train", "exam"), ("tasks", "exam"), ("serve", "serve")]
)
def test_a_command_whose_extra_is_missing_names_it_and_exits_2(command, extra, monkeypatch, capsys):
    # CI runs `zoo train` in a core-only install, where TensorFlow really is missing.
    find_spec = importlib.util.find_spec
    hidden = {"exam": "tensorflow_datasets", "serve": "aiohttp"}[extra]
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == hidden else find_spec(name, *a),
    )
    assert main([command, "--help", "any", "--arguments"]) == 2
    assert capsys.readouterr().err == (
        f"zoo {command} needs the {extra} extra: pip install 'keras-cert-zoo[{extra}]'\n"
    )
