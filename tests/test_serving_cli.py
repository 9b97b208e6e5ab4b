"""`zoo serve` as a user runs it: flags, startup line, graceful SIGTERM."""

import argparse
import concurrent.futures
import json
import os
import re
import signal
import subprocess
import sys
import threading

import pytest
from serving_helpers import (
    HALF,
    READER,
    SLOW,
    Fifo,
    exported_models,
    http,
    wait_for,
)

from zoo.serving import cli


def _parse(argv):
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(argv)


def test_tf_serving_flag_spellings_are_accepted():
    root = exported_models()
    args = _parse(
        [
            "--model_name",
            HALF,
            "--model_base_path",
            str(root / HALF),
            "--rest_api_port",
            "0",
            "--port",
            "0",
            "--rest_api_timeout_in_ms",
            "1500",
        ]
    )
    options = cli.options_from_args(args)
    assert [m.name for m in options.models] == [HALF]
    assert (options.rest_port, options.grpc_port) == (0, 0)
    assert options.timeout_seconds == 1.5
    assert options.host == "127.0.0.1"
    assert options.batching is None


def test_size_and_time_limit_flags():
    base = ["--model_name", HALF, "--model_base_path", str(exported_models() / HALF)]
    defaults = cli.options_from_args(_parse(base))
    assert (
        defaults.max_body_bytes,
        defaults.grpc_max_request_bytes,
        defaults.load_timeout_seconds,
    ) == (64 << 20, 64 << 20, 300.0)
    options = cli.options_from_args(
        _parse(
            base
            + [
                "--grpc_max_request_bytes",
                "1024",
                "--rest-api-max-body-bytes",
                "2048",
                "--model_load_timeout_seconds",
                "7.5",
            ]
        )
    )
    assert (
        options.max_body_bytes,
        options.grpc_max_request_bytes,
        options.load_timeout_seconds,
    ) == (2048, 1024, 7.5)
    with pytest.raises(
        ValueError, match=re.escape("--model-load-timeout-seconds must be positive, got 0.")
    ):
        cli.options_from_args(_parse(base + ["--model-load-timeout-seconds", "0"]))


def test_warmup_monitoring_and_trust_flags(tmp_path):
    root = exported_models()
    monitoring = tmp_path / "monitoring.config"
    monitoring.write_text('prometheus_config { enable: true, path: "/m" }')
    base = ["--model_name", HALF, "--model_base_path", str(root / HALF)]
    defaults = cli.options_from_args(_parse(base))
    assert (
        defaults.enable_model_warmup,
        defaults.warmup_iterations,
        defaults.metrics_path,
        defaults.model_roots,
        defaults.allow_any_model_path,
    ) == (True, 1, None, (), False)
    options = cli.options_from_args(
        _parse(
            base
            + [
                "--enable_model_warmup=false",
                "--num_request_iterations_for_warmup",
                "3",
                "--monitoring_config_file",
                str(monitoring),
                "--model-path-root",
                str(tmp_path),
                "--model-path-root",
                "models",
                "--allow-any-model-path",
            ]
        )
    )
    assert (
        options.enable_model_warmup,
        options.warmup_iterations,
        options.metrics_path,
        options.allow_any_model_path,
    ) == (False, 3, "/m", True)
    assert options.model_roots == (str(tmp_path), os.path.abspath("models"))
    monitoring.write_text("prometheus_config { enable: true }")
    assert (
        cli.options_from_args(
            _parse(base + ["--monitoring-config-file", str(monitoring)])
        ).metrics_path
        == "/monitoring/prometheus/metrics"
    )


@pytest.mark.parametrize(
    "argv,message",
    [
        ([], "Nothing to serve: give --model-base-path saved_models"),
        (
            ["--model-base-path", "{root}/half"],
            "holds version folders itself; serve it with --model-name NAME",
        ),
        (["--model-base-path", "{root}/missing"], "is not a folder"),
        (
            ["--model-base-path", "{root}", "--model-config-file", "x.config"],
            "Give either --model-config-file or --model-base-path",
        ),
        (
            ["--model-base-path", "{root}", "--num-request-iterations-for-warmup", "0"],
            "--num-request-iterations-for-warmup must be at least 1, got 0.",
        ),
    ],
)
def test_flag_mistakes_are_explained(argv, message):
    root = str(exported_models())
    args = _parse([a.format(root=root) for a in argv])
    with pytest.raises(ValueError, match=re.escape(message)):
        cli.options_from_args(args)


@pytest.mark.slow
def test_sigterm_finishes_in_flight_requests_then_exits(tmp_path):
    root = exported_models()
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zoo",
            "serve",
            "--model-name",
            SLOW,
            "--model-base-path",
            str(root / SLOW),
            "--rest-api-port",
            "0",
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline()
        match = re.match(
            r"zoo serve: REST http://127\.0\.0\.1:(\d+) gRPC "
            r"127\.0\.0\.1:(\d+) models: slow",
            line,
        )
        assert match, line
        url = f"http://127.0.0.1:{match.group(1)}/v1/models/{SLOW}:predict"
        result = {}

        def in_flight():
            result["answer"] = http("POST", url, {"instances": [2.0]})

        client = threading.Thread(target=in_flight)
        client.start()
        ready = url.replace(f"/v1/models/{SLOW}:predict", "/readyz")
        wait_for(lambda: json.loads(http("GET", ready)[2])["in_flight_requests"] == 1)
        process.send_signal(signal.SIGTERM)
        client.join(30)
        status, _, text = result["answer"]
        assert status == 200
        assert json.loads(text)["predictions"] == [{"batch_size": 1, "waited": 2.0}]
        assert process.wait(30) == 0
        assert process.stdout.read().strip().endswith("zoo serve: stopped")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.slow
def test_sigterm_ends_the_server_after_the_grace_while_a_call_hangs(tmp_path):
    # The call blocks inside TensorFlow (ReadFile on a FIFO) and never
    # returns; the process must not wait for it past the grace.
    fifo = Fifo(tmp_path)
    root = exported_models()
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zoo",
            "serve",
            "--model-name",
            READER,
            "--model-base-path",
            str(root / READER),
            "--rest-api-port",
            "0",
            "--port",
            "0",
            "--shutdown-grace-seconds",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline()
        match = re.match(r"zoo serve: REST http://127\.0\.0\.1:(\d+) ", line)
        assert match, line
        base = f"http://127.0.0.1:{match.group(1)}"
        with concurrent.futures.ThreadPoolExecutor(1) as client:
            answer = client.submit(
                http, "POST", f"{base}/v1/models/{READER}:predict", {"instances": [str(fifo.path)]}
            )
            wait_for(
                lambda: (
                    json.loads(http("GET", f"{base}/readyz")[2])["models"][READER]["running_calls"]
                    == 1
                )
            )
            process.send_signal(signal.SIGTERM)
            # The limit only stops a hung test: the server stops after its
            # grace, closing the connection of the request still waiting.
            assert process.wait(120) == 0
            with pytest.raises(OSError):
                answer.result(120)
        assert process.stdout.read().strip().endswith("zoo serve: stopped")
        assert "Stopped with 1 model call still running and 0 loads" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        fifo.release()
