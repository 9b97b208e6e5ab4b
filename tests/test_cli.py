import subprocess
import sys

import pytest

from zoo.cli import COMMANDS, build_parser


def test_every_command_has_a_parser_with_help():
    parser = build_parser()
    for name in COMMANDS:
        with pytest.raises(SystemExit) as exit_info:
            parser.parse_args([name, "--help"])
        assert exit_info.value.code == 0


def test_zoo_help_lists_every_command():
    result = subprocess.run([sys.executable, "-m", "zoo", "--help"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    for name in COMMANDS:
        assert name in result.stdout
    assert "keras-cert-zoo" in result.stdout


def test_unknown_command_exits_2_naming_the_choices():
    result = subprocess.run([sys.executable, "-m", "zoo", "evaluate"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "invalid choice: 'evaluate'" in result.stderr
