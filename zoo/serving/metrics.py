"""TF Serving's Prometheus metrics, under TF Serving's names.

TF Serving exports TensorFlow's monitoring metrics with every `/` of a name
turned into `:` (`/tensorflow/serving/request_count` becomes
`:tensorflow:serving:request_count`), latencies in microseconds, and
histograms with TensorFlow's exponential buckets. The same names, labels and
buckets are written here with `prometheus_client`, so dashboards and alerts
made for TF Serving work unchanged. Counters are written untyped:
`prometheus_client` would otherwise add `_total` to their names, which TF
Serving's do not have.
"""

import bisect
import threading

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import HistogramMetricFamily, Metric

DEFAULT_PATH = "/monitoring/prometheus/metrics"
# generate_latest writes names every Prometheus reads: the 0.0.4 format.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
REST, GRPC = "REST", "GRPC"
# TF Serving's session-based runtime label (TFRT servers write "TFRT").
RUNTIME = "TF1"
# BatchingSession's default thread pool name, its queuing-latency label.
BATCH_THREAD_POOL = "batch_threads"


def exponential_buckets(scale, growth_factor, count):
    """Bucket limits as TensorFlow's `Buckets::Exponential` makes them.

    Args:
        scale: float, the first limit.
        growth_factor: float, the ratio of consecutive limits.
        count: int, how many limits.

    Returns:
        A list of floats; values above the last fall in the `+Inf` bucket.

    Example:
    >>> exponential_buckets(10, 1.8, 3)
    [10.0, 18.0, 32.4]
    """
    limits, bound = [], float(scale)
    for _ in range(count):
        limits.append(bound)
        bound *= growth_factor
    return limits


# Scale 10, power 1.8, 33 buckets (~20 minutes), as TF Serving's latencies.
_LATENCY_BUCKETS = exponential_buckets(10, 1.8, 33)
# Scale 100, power 1.2, 52 buckets (~1 second), BatchingSession's queuing.
_QUEUING_BUCKETS = exponential_buckets(100, 1.2, 52)


class _Counter:
    def __init__(self, name, documentation, labels):
        self.name = name
        self.documentation = documentation
        self.labels = labels
        self.values = {}

    def add(self, label_values, amount=1):
        self.values[label_values] = self.values.get(label_values, 0) + amount

    def family(self):
        metric = Metric(self.name, self.documentation, "unknown")
        for label_values, value in sorted(self.values.items()):
            metric.add_sample(self.name, dict(zip(self.labels, label_values)), value)
        return metric


class _Histogram:
    def __init__(self, name, documentation, labels, limits):
        self.name = name
        self.documentation = documentation
        self.labels = labels
        self.limits = limits
        self.cells = {}  # label values -> [bucket counts..., sum]

    def add(self, label_values, value):
        cell = self.cells.setdefault(label_values, [0] * (len(self.limits) + 2))
        # TensorFlow counts a value in the first bucket whose limit exceeds it.
        cell[bisect.bisect_right(self.limits, value)] += 1
        cell[-1] += value

    def family(self):
        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labels)
        for label_values, cell in sorted(self.cells.items()):
            buckets, total = [], 0
            for limit, count in zip(self.limits + [None], cell[:-1]):
                total += count
                buckets.append(("+Inf" if limit is None else f"{limit:.6g}", total))
            family.add_metric(list(label_values), buckets, cell[-1])
        return family


def _status_name(code):
    return "OK" if code is None else code.name


class ServingMetrics:
    """The server's metrics: requests, model calls, batching, loads, warm-ups.

    Every `record_*` method is safe to call from any thread.

    Example:
    >>> metrics = ServingMetrics()
    >>> metrics.record_request("half", "predict", REST, None, 0.002)
    >>> b':tensorflow:serving:request_count{model_name="half",status="OK"} 1.0' in metrics.page()
    True
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._request_count = _Counter(
            ":tensorflow:serving:request_count",
            "The total number of requests.",
            ("model_name", "status"),
        )
        self._request_latency = _Histogram(
            ":tensorflow:serving:request_latency",
            "Distribution of wall time (in microseconds) for Tensorflow Serving request.",
            ("model_name", "API", "entrypoint"),
            _LATENCY_BUCKETS,
        )
        self._runtime_latency = _Histogram(
            ":tensorflow:serving:runtime_latency",
            "Distribution of wall time (in microseconds) for Tensorflow runtime.",
            ("model_name", "API", "runtime"),
            _LATENCY_BUCKETS,
        )
        self._queuing_latency = _Histogram(
            ":tensorflow:serving:batching_session:queuing_latency",
            "Distribution of wall time spent (in microseconds) in queuing",
            ("thread_pool_name",),
            _QUEUING_BUCKETS,
        )
        self._wrapped_run_count = _Counter(
            ":tensorflow:serving:batching_session:wrapped_run_count",
            "Total count of run calls on the wrapped session",
            (),
        )
        self._load_attempt_count = _Counter(
            ":tensorflow:cc:saved_model:load_attempt_count",
            "The number of times a SavedModel was successfully loaded.",
            ("model_path", "status"),
        )
        self._load_latency = _Counter(
            ":tensorflow:cc:saved_model:load_latency",
            "Latency in microseconds for SavedModels that were successfully loaded.",
            ("model_path",),
        )
        self._warmup_latency = _Histogram(
            ":tensorflow:serving:model_warmup_latency",
            "Distribution of wall time (in microseconds) for warming up the model.",
            ("model_path", "status"),
            _LATENCY_BUCKETS,
        )
        self._warmup_records = _Counter(
            ":tensorflow:serving:model_warmup_records_read",
            "Total number of warmup records read during model warmup.",
            ("model_path", "status"),
        )
        self._all = (
            self._request_count,
            self._request_latency,
            self._runtime_latency,
            self._queuing_latency,
            self._wrapped_run_count,
            self._load_attempt_count,
            self._load_latency,
            self._warmup_latency,
            self._warmup_records,
        )
        self._registry = CollectorRegistry(auto_describe=False)
        self._registry.register(self)

    def record_request(self, model_name, api, entrypoint, code, seconds):
        """Counts one request; its latency is kept when it succeeded.

        Args:
            model_name: the served model named by the request; `""` when it
                names none, so that made-up names add no series.
            api: `"predict"`, `"classify"`, `"regress"` or `""` (REST), or
                `"Predict"`, `"Classify"`, `"Regress"` (gRPC), as TF Serving.
            entrypoint: `REST` or `GRPC`.
            code: the `grpc.StatusCode` of a failure, None for success.
            seconds: float, wall time of the request.
        """
        with self._lock:
            self._request_count.add((model_name, _status_name(code)))
            if code is None:
                self._request_latency.add((model_name, api, entrypoint), seconds * 1e6)

    def record_runtime(self, model_name, api, seconds):
        """Adds the wall time of one model call (TF Serving's session run).

        Args:
            model_name: the model name.
            api: `"Predict"`, `"Classify"` or `"Regress"`.
            seconds: float.
        """
        with self._lock:
            self._runtime_latency.add((model_name, api, RUNTIME), seconds * 1e6)

    def record_batch(self, queued_seconds):
        """Adds one batched model call and how long its tasks queued.

        Args:
            queued_seconds: list of floats, one per request in the batch.
        """
        with self._lock:
            self._wrapped_run_count.add(())
            for seconds in queued_seconds:
                self._queuing_latency.add((BATCH_THREAD_POOL,), seconds * 1e6)

    def record_load(self, model_path, succeeded, seconds):
        """Counts one attempt to load a SavedModel.

        Args:
            model_path: the version directory, a string.
            succeeded: bool.
            seconds: float, the load's wall time.
        """
        with self._lock:
            self._load_attempt_count.add((model_path, "success" if succeeded else "fail"))
            if succeeded:
                self._load_latency.add((model_path,), int(seconds * 1e6))

    def record_warmup(self, model_path, status, seconds, records):
        """Adds one warm-up of a version.

        Args:
            model_path: the version directory, a string.
            status: `"OK"` or the error, as TF Serving's status string.
            seconds: float, the warm-up's wall time.
            records: int, how many warm-up records were run.
        """
        with self._lock:
            self._warmup_latency.add((model_path, status), seconds * 1e6)
            self._warmup_records.add((model_path, status), records)

    def collect(self):
        """Yields the metric families (the `prometheus_client` collector
        protocol)."""
        with self._lock:
            families = [metric.family() for metric in self._all]
        yield from families

    def page(self):
        """Writes every metric in Prometheus' text format.

        Returns:
            The page, bytes.
        """
        return generate_latest(self._registry)
