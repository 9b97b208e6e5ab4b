"""The server stands apart from the rest of the zoo.

`zoo.serving` imports nothing of the zoo outside itself, and starting
`zoo serve` on a models folder and answering a request imports none of the
zoo's models, layers, tasks or training code.
"""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from serving_helpers import HALF, exported_models

import zoo.serving

SERVING_DIR = Path(zoo.serving.__file__).parent
FORBIDDEN = ("zoo.models", "zoo.layers", "zoo.tasks", "zoo.training", "tasks")


def _imported_modules(path):
    """Every module a source file imports, at any depth of its code."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def test_serving_imports_only_itself_from_the_zoo():
    outside = {
        f"{path.name}: {name}"
        for path in sorted(SERVING_DIR.glob("*.py"))
        for name in _imported_modules(path)
        if name.split(".")[0] in ("zoo", "tasks")
        and name != "zoo.serving"
        and not name.startswith("zoo.serving.")
    }
    assert outside == set()


START_AND_ANSWER = """
import asyncio, json, sys, urllib.request
from zoo.cli import build_parser
from zoo.serving.cli import options_from_args
from zoo.serving.server import ModelServer

args = build_parser("serve").parse_args(["serve", "--model-name", sys.argv[1],
    "--model-base-path", sys.argv[2], "--rest-api-port", "0", "--port", "0"])


def predict(port):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/models/{sys.argv[1]}:predict",
        data=json.dumps({"instances": [[1.0, 2.0, 5.0]]}).encode())
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


async def main():
    server = ModelServer(options_from_args(args))
    await server.start()
    answer = await asyncio.get_running_loop().run_in_executor(
        None, predict, server.rest_port)
    server.request_stop()
    await server.wait_stopped()
    return answer


answer = asyncio.run(main())
print(json.dumps({"answer": answer, "modules": sorted(
    m for m in sys.modules if m.split(".")[0] in ("zoo", "tasks"))}))
"""


@pytest.mark.slow
def test_zoo_serve_starts_and_answers_without_the_zoo_models():
    # A fresh process: the test process itself has imported the models.
    done = subprocess.run(
        [sys.executable, "-c", START_AND_ANSWER, HALF, str(exported_models() / HALF)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["answer"] == {"predictions": [[2.5, 3.0, 4.5]]}
    assert "zoo.serving.server" in report["modules"]
    loaded = [
        m for m in report["modules"] if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)
    ]
    assert loaded == []
