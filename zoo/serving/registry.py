"""Which versions exist, which are served, and loading them safely.

The registry polls each model's base path, loads the versions its policy
asks for, validates each one (load, then its warm-up requests) before it
becomes AVAILABLE, keeps the previous version serving until the new one is
ready, and keeps a version that failed listed as END with its error. All of
its state changes on the event loop's thread. Each model is refreshed on its
own, and each load runs in a thread of its own within a time limit, so a
load or warm-up that hangs fails its version and holds up no other model.
"""

import asyncio
import concurrent.futures
import logging
import os
import threading
import time
from pathlib import Path

import grpc
from tensorflow_serving.apis import get_model_status_pb2

from zoo.serving import warmup
from zoo.serving.errors import ServingError, client_text, invalid_argument
from zoo.serving.servable import Servable

log = logging.getLogger("zoo.serving")

# Names the daemon thread each load and warm-up runs in.
LOAD_THREAD_PREFIX = "zoo-load-"
_ERROR_CODES = (
    get_model_status_pb2.ModelVersionStatus.DESCRIPTOR.fields_by_name["status"]
    .message_type.fields_by_name["error_code"]
    .enum_type
)


def version_dirs(base_path):
    """Finds a model's version directories, as TF Serving does.

    A directory is a version when its whole name is a decimal integer;
    `00000123` is version 123 (TF Serving's own test models use that
    layout), while `7-tmp` or `.staging` are ignored. When two names give
    the same number, the last in sorted order is used.

    Args:
        base_path: the model's folder.

    Returns:
        A dict mapping version numbers to their directory `Path`s; empty
        when the folder is missing.

    Example:
    >>> version_dirs("saved_models/no_such_model")
    {}
    """
    base = Path(base_path)
    if not base.is_dir():
        return {}
    return {
        int(p.name): p
        for p in sorted(base.iterdir())
        if p.is_dir() and p.name.isascii() and p.name.isdigit()
    }


def _fingerprint(path):
    """What a version directory holds now, to notice when it changes."""
    entries = []
    for root, _, files in os.walk(path):
        for file in files:
            try:
                stat = os.stat(os.path.join(root, file))
            except OSError:
                continue
            entries.append(
                (os.path.relpath(os.path.join(root, file), path), stat.st_size, stat.st_mtime_ns)
            )
    return tuple(sorted(entries))


class _VersionStatus:
    """The state of one version, as GetModelStatus reports it.

    Args:
        version: the version number.
    """

    def __init__(self, version):
        self.version = version
        self.state = "START"
        self.error_code = "OK"
        self.error_message = ""
        self.servable = None
        self.fingerprint = None

    @property
    def failed(self):
        """Whether the version ended with an error (it is not retried until
        its directory changes)."""
        return self.state == "END" and self.error_code != "OK"


class _Model:
    def __init__(self, config, discovered=False):
        self.config = config
        self.versions = {}
        self.labels = {}  # applied only once their versions are available
        self.discovered = discovered
        self.refresh_lock = asyncio.Lock()
        self.polling = None  # the poll's refresh task of this model

    def available(self):
        return {v: s for v, s in self.versions.items() if s.state == "AVAILABLE"}


class ModelRegistry:
    """Tracks every served model's versions and loads them as they appear.

    Args:
        configs: list of `ModelConfig` to serve.
        discover_root: optional folder whose every sub-folder is a model; new
            sub-folders are picked up while serving.
        warmup_iterations: how many times each warm-up request runs; 0 turns
            warm-up off.
        metrics: optional `ServingMetrics` recording loads and warm-ups.
        executors: the `ModelExecutors` that run the models' calls: how many
            calls of a model may run at once sizes each version's TensorFlow
            thread pool, and calls stuck in all of a model's threads make
            it not ready.
        load_timeout_seconds: float, how long loading and warming up one
            version may take before the version is marked failed.
    """

    def __init__(
        self,
        configs,
        discover_root=None,
        warmup_iterations=1,
        metrics=None,
        executors=None,
        load_timeout_seconds=300.0,
    ):
        self._models = {c.name: _Model(c) for c in configs}
        self._executors = executors
        self._load_timeout = load_timeout_seconds
        self._discover_root = discover_root
        self._warmup_iterations = warmup_iterations
        self._metrics = metrics
        # Replaced by a fresh event each time a version starts LOADING,
        # becomes AVAILABLE or END, or is forgotten, so that waiters wake on
        # every change.
        self._changed = asyncio.Event()
        self.loaded_once = False

    @property
    def model_names(self):
        """Names of the models being served, sorted."""
        return sorted(self._models)

    def metric_label(self, name):
        """The `model_name` label a request naming `name` is counted under.

        Names the server does not serve all share the label `""`, so that
        clients cannot grow the metrics by making names up.

        Args:
            name: the model name a request gave.

        Returns:
            `name` when it is a served model, else `""`.

        Example:
        >>> ModelRegistry([]).metric_label("made-up")
        ''
        """
        return name if name in self._models else ""

    def reconfigure(self, configs):
        """Replaces the list of models; call `refresh` to apply it.

        Models no longer listed are dropped at once; kept ones keep their
        loaded versions and labels until `apply_labels`. New sub-folders of
        a `discover_root` are no longer picked up: the configuration now
        names every model.

        Args:
            configs: list of `ModelConfig`.
        """
        models = {}
        for config in configs:
            model = self._models.get(config.name) or _Model(config)
            model.config = config
            model.discovered = False
            models[config.name] = model
        self._discover_root = None
        self._models = models

    async def refresh(self):
        """Polls the disk once and loads or unloads versions to match it.

        The models are refreshed side by side; this returns when each is
        done, which each load's time limit bounds.
        """
        self._discover_models()
        await asyncio.gather(*(self._refresh_model(model) for model in list(self._models.values())))
        self.loaded_once = True

    async def poll(self, interval_seconds, stop):
        """Refreshes every model every `interval_seconds` until `stop` is set.

        Each model is refreshed by a task of its own, started again only
        once its last refresh is done, so a model busy loading (or stuck
        in a load until its time limit) never delays the others.

        Args:
            interval_seconds: float, the file-system poll period.
            stop: an `asyncio.Event`.
        """
        while not stop.is_set():
            try:
                self._discover_models()
                for model in list(self._models.values()):
                    if model.polling is None or model.polling.done():
                        model.polling = asyncio.ensure_future(self._poll_model(model))
            except Exception:  # a poll must never end the server
                log.exception("Polling the model folders failed")
            try:
                await asyncio.wait_for(stop.wait(), interval_seconds)
            except asyncio.TimeoutError:
                pass
        polling = [m.polling for m in self._models.values() if m.polling]
        for task in polling:
            task.cancel()
        await asyncio.gather(*polling, return_exceptions=True)

    async def _poll_model(self, model):
        try:
            await self._refresh_model(model)
        except Exception:  # a poll must never end the server
            log.exception("Polling the folder of model %s failed", model.config.name)

    def _discover_models(self):
        from zoo.serving.config import ModelConfig

        if self._discover_root is None:
            return
        root = Path(self._discover_root)
        if not root.is_dir():
            return
        for folder in sorted(root.iterdir()):
            if (
                folder.is_dir()
                and not folder.name.startswith(".")
                and not folder.name.isdigit()
                and folder.name not in self._models
            ):
                self._models[folder.name] = _Model(
                    ModelConfig(name=folder.name, base_path=str(folder)), discovered=True
                )

    async def _refresh_model(self, model):
        async with model.refresh_lock:
            await self._refresh_versions(model)

    async def _refresh_versions(self, model):
        on_disk = version_dirs(model.config.base_path)
        gone = [v for v, s in model.versions.items() if s.failed and v not in on_disk]
        for version in gone:  # nothing left to retry or to report
            del model.versions[version]
            log.info("Forgot failed %s version %d: its folder is gone", model.config.name, version)
        if gone:
            self._announce()
        for version, status in model.versions.items():
            if (
                status.failed
                and version in on_disk
                and _fingerprint(on_disk[version]) != status.fingerprint
            ):
                status.state = "START"  # its files changed: try it again
        while True:
            candidates = [
                v for v in on_disk if not (v in model.versions and model.versions[v].failed)
            ]
            wanted = model.config.select(candidates)
            pending = [
                v
                for v in wanted
                if model.versions.get(v) is None or model.versions[v].state != "AVAILABLE"
            ]
            if not pending:
                break
            await self._load(model, pending[0], on_disk[pending[0]])
        for version, status in model.available().items():
            if version not in wanted:
                status.servable = None
                status.state = "END"
                log.info("Unloaded %s version %d", model.config.name, version)
                self._announce()

    def _announce(self):
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _state(self, name, version):
        model = self._models.get(name)
        status = model.versions.get(version) if model else None
        return status.state if status else None

    async def wait_for_version(self, name, version, state="AVAILABLE"):
        """Waits until a version of a model is in `state`.

        The registry announces every version that starts LOADING, becomes
        AVAILABLE or END, or is forgotten (a failed version whose folder is
        gone), so a caller (a deployment script, a test) learns that a new
        export is served without polling the status endpoint.

        Args:
            name: the model name.
            version: the version number.
            state: the state to wait for, `"LOADING"`, `"AVAILABLE"` or
                `"END"`, or None for a version the registry no longer knows.

        Example (in a coroutine on the server's event loop, after exporting
        version 2 of `sarcasm`):

            await server.registry.wait_for_version("sarcasm", 2)
        """
        while self._state(name, version) != state:
            await self._changed.wait()

    async def _load(self, model, version, path):
        name = model.config.name
        status = model.versions.setdefault(version, _VersionStatus(version))
        status.state = "LOADING"
        status.fingerprint = _fingerprint(path)
        self._announce()
        loading = _in_own_thread(
            f"{LOAD_THREAD_PREFIX}{name}-{version}", self._load_and_warm_up, name, version, path
        )
        try:
            servable = await asyncio.wait_for(asyncio.shield(loading), self._load_timeout)
        except asyncio.TimeoutError:
            # TensorFlow cannot stop the call; its thread runs on and what
            # it loads is dropped.
            loading.add_done_callback(
                lambda _: log.warning(
                    "Version %d of model %s finished loading after its time "
                    "limit; it stays out until its files change",
                    version,
                    name,
                )
            )
            self._fail(
                model,
                status,
                "DEADLINE_EXCEEDED",
                (
                    f"Version {version} of model {name} did not finish loading "
                    f"and warming up within {self._load_timeout:g} s, so it is "
                    "not served (raise --model-load-timeout-seconds if it needs "
                    "longer). It is tried again when its files change."
                ),
            )
            return
        # Any failure keeps this version out.
        except Exception as error:  # noqa: BLE001
            self._fail(
                model,
                status,
                "UNKNOWN",
                (
                    f"Version {version} of model {name} failed to load or to "
                    f"answer a warm-up request, so it is not served: "
                    f"{type(error).__name__}: {error}".strip()
                ),
            )
            return
        status.servable = servable
        status.error_code = "OK"
        status.error_message = ""
        status.state = "AVAILABLE"
        log.info("Serving %s version %d from %s", name, version, path)
        self._announce()

    def _fail(self, model, status, code, message):
        status.state = "END"
        status.error_code = code
        status.error_message = client_text(_without_paths(message, model.config.base_path))
        log.error("%s", message)
        self._announce()

    def _load_and_warm_up(self, name, version, path):
        """Loads a version and runs its warm-up; blocking, off the loop."""
        start = time.perf_counter()
        try:
            servable = Servable.load(name, version, path, self._threads)
        except Exception:
            self._record_load(path, False, start)
            raise
        self._record_load(path, True, start)
        if not self._warmup_iterations:
            return servable
        start = time.perf_counter()
        records, outcome = 0, "OK"
        try:
            records = warmup.run(servable, self._warmup_iterations)
        except Exception as error:
            outcome = f"{type(error).__name__}: {error}"
            raise
        finally:
            if self._metrics is not None:
                self._metrics.record_warmup(
                    str(path), outcome, time.perf_counter() - start, records
                )
        return servable

    @property
    def _threads(self):
        return self._executors.threads if self._executors else 1

    def _stuck_reason(self, name):
        """Why a model answers no request now, or None when it can."""
        if self._executors is None:
            return None
        _, stuck = self._executors.activity(name)
        if stuck < self._threads:
            return None
        return (
            f"All {self._threads} threads of model {name} run calls that "
            "outlived their request's time limit; its requests time out "
            "until one returns."
        )

    def _record_load(self, path, succeeded, start):
        if self._metrics is not None:
            self._metrics.record_load(str(path), succeeded, time.perf_counter() - start)

    def apply_labels(self):
        """Applies the configuration's version labels, as TF Serving does.

        Every label must name a version that is available; otherwise no
        label changes and the error says which one is not.

        Raises:
            ServingError: FAILED_PRECONDITION, with TF Serving's message.
        """
        for model in self._models.values():
            for _, version in sorted(model.config.labels.items()):
                status = model.versions.get(version)
                if status is None or status.state != "AVAILABLE":
                    raise ServingError(
                        grpc.StatusCode.FAILED_PRECONDITION,
                        f"Request to assign label to version {version} of "
                        f"model {model.config.name}, which is not currently "
                        "available for inference",
                    )
        for model in self._models.values():
            model.labels = dict(model.config.labels)

    def resolve_label(self, name, label):
        """Maps a version label to its version number.

        Args:
            name: the model name.
            label: the label, e.g. `"stable"`.

        Returns:
            The version number, an int.

        Raises:
            ServingError: INVALID_ARGUMENT when the label is unknown.
        """
        model = self._models.get(name)
        if model is None or label not in model.labels:
            raise invalid_argument(f"Unrecognized servable version label: {label}")
        return model.labels[label]

    def servable(self, name, version=None, label=None):
        """Finds the version a request should run on.

        Args:
            name: the model name.
            version: optional version number; the latest available if None.
            label: optional version label, used when `version` is None.

        Returns:
            A `Servable`.

        Raises:
            ServingError: NOT_FOUND (TF Serving's `Servable not found for
                request: ...`), or INVALID_ARGUMENT for an unknown label.
        """
        if label is not None:
            version = self.resolve_label(name, label)
        model = self._models.get(name)
        available = model.available() if model else {}
        if version is None:
            if available:
                return available[max(available)].servable
            raise ServingError(
                grpc.StatusCode.NOT_FOUND, f"Servable not found for request: Latest({name})"
            )
        if version in available:
            return available[version].servable
        raise ServingError(
            grpc.StatusCode.NOT_FOUND,
            f"Servable not found for request: Specific({name}, {version})",
        )

    def status(self, name, version=None, label=None):
        """Builds a `GetModelStatusResponse`, newest version first.

        Args:
            name: the model name.
            version: optional version number to report alone.
            label: optional version label, used when `version` is None.

        Returns:
            A `get_model_status_pb2.GetModelStatusResponse`.

        Raises:
            ServingError: NOT_FOUND with TF Serving's messages.
        """
        if label is not None:
            version = self.resolve_label(name, label)
        model = self._models.get(name)
        known = model.versions if model else {}
        if version is not None:
            if version not in known:
                raise ServingError(
                    grpc.StatusCode.NOT_FOUND, f"Could not find version {version} of model {name}"
                )
            statuses = [known[version]]
        else:
            if not known:
                raise ServingError(
                    grpc.StatusCode.NOT_FOUND, f"Could not find any versions of model {name}"
                )
            statuses = [known[v] for v in sorted(known, reverse=True)]
        stuck = self._stuck_reason(name)
        response = get_model_status_pb2.GetModelStatusResponse()
        for status in statuses:
            entry = response.model_version_status.add()
            entry.version = status.version
            entry.state = get_model_status_pb2.ModelVersionStatus.State.Value(status.state)
            code, message = status.error_code, status.error_message
            if stuck and status.state == "AVAILABLE":
                code, message = "UNAVAILABLE", stuck
            entry.status.error_code = _ERROR_CODES.values_by_name[code].number
            entry.status.error_message = message
        return response

    def readiness(self):
        """Says whether every model serves a version and can answer.

        A model is ready when a version of it is available and not all of
        its threads are stuck in calls that outlived their request. The only
        other ready model is a folder found under the discovery root that
        has never held a version: it is not a model yet. A model whose
        versions were all removed or failed is not ready.

        Returns:
            A tuple `(ready, report)`: bool, and a dict per model with the
            served versions, the errors of failed ones, the calls running
            and the stuck ones, and the reason when stuck calls make it not
            ready.
        """
        report = {}
        ready = self.loaded_once
        for name in self.model_names:
            model = self._models[name]
            available = sorted(model.available())
            failed = {
                str(v): s.error_message for v, s in sorted(model.versions.items()) if s.failed
            }
            empty_folder = (
                model.discovered and not model.versions and not version_dirs(model.config.base_path)
            )
            running, stuck = self._executors.activity(name) if self._executors else (0, 0)
            reason = self._stuck_reason(name)
            model_ready = (bool(available) or empty_folder) and not reason
            ready = ready and model_ready
            report[name] = {
                "ready": model_ready,
                "available_versions": [str(v) for v in available],
                "failed_versions": failed,
                "running_calls": running,
                "stuck_calls": stuck,
            }
            if reason:
                report[name]["reason"] = reason
        return ready, report


def _in_own_thread(name, function, *args):
    """Runs `function(*args)` in a new daemon thread.

    A load that never returns then holds only its own thread, and does not
    keep the interpreter from exiting.

    Returns:
        An `asyncio.Future` of its result.
    """
    loop = asyncio.get_running_loop()
    done = concurrent.futures.Future()

    def target():
        try:
            done.set_result(function(*args))
        # Handed to the awaiting coroutine.
        except BaseException as error:  # noqa: BLE001
            done.set_exception(error)

    result = loop.create_future()

    def settle(_):
        if not result.done():
            if done.exception() is not None:
                result.set_exception(done.exception())
            else:
                result.set_result(done.result())

    def hand_over(_):
        try:
            loop.call_soon_threadsafe(settle, None)
        except RuntimeError:  # the server stopped meanwhile
            pass

    done.add_done_callback(hand_over)
    threading.Thread(target=target, name=name, daemon=True).start()
    return result


def _without_paths(text, base_path):
    """Replaces the server's folders in a message sent to clients."""
    for folder in sorted({str(base_path), os.path.realpath(base_path)}, key=len, reverse=True):
        text = text.replace(folder, "<base_path>")
    return text
