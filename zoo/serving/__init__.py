"""A TensorFlow-Serving-compatible model server: REST and gRPC in one process.

`zoo serve --model-base-path saved_models` serves every exported model folder
with TF Serving's REST API (`/v1/models/<name>...`) and gRPC services
(`tensorflow.serving.PredictionService`, `ModelService`), so clients written
for TensorFlow Serving work unchanged, and so do TF Serving's warm-up files
and Prometheus metric names. Beyond TF Serving it loads and warms up each
version within a time limit before serving it, reloads new versions without
dropping a request, runs each model in its own threads and TensorFlow
session, answers health and readiness probes, reads large bodies without a
Python object per number, limits request sizes and times without stalling
other clients, and shuts down gracefully.

The submodules import TensorFlow; this package itself does not, so that the
`zoo` command line starts fast.
"""
