"""TF Serving's gRPC services on grpcio's asyncio server.

The servicers implement the servicer base classes shipped in the
`tensorflow-serving-api` wheel, so the official client stubs work unchanged.
Their methods are registered with raw-bytes handlers: a large request is
parsed, and a large answer serialized, in the codec threads rather than on
the event loop (grpcio would do both on the loop). Requests are limited in
size like REST bodies (`RESOURCE_EXHAUSTED` beyond it); answers are not.
"""

import asyncio
import logging
import time

import grpc
from google.protobuf.message import DecodeError
from tensorflow_serving.apis import (
    classification_pb2,
    get_model_metadata_pb2,
    get_model_status_pb2,
    model_management_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
    regression_pb2,
)

from zoo.serving import examples, memory
from zoo.serving.deadline import Deadline
from zoo.serving.errors import ServingError, internal_error, invalid_argument
from zoo.serving.metadata import model_metadata
from zoo.serving.metrics import GRPC
from zoo.serving.servable import DEFAULT_SIGNATURE
from zoo.serving.tensor_proto import from_tensor_proto, to_tensor_proto

log = logging.getLogger("zoo.serving")
# Messages and tensors at least this large are parsed, converted and
# serialized off the event loop; below it, the thread hop costs more.
_OFF_LOOP_BYTES = 64 * 1024
_OFF_LOOP_VALUES = 16 * 1024
_OFF_LOOP_EXAMPLES = 256


def _model_spec_target(request):
    """(name, version, label) from a request's `ModelSpec`."""
    if not request.HasField("model_spec"):
        raise invalid_argument("Missing ModelSpec")
    spec = request.model_spec
    which = spec.WhichOneof("version_choice")
    version = spec.version.value if which == "version" else None
    label = spec.version_label if which == "version_label" else None
    return spec.name, version, label


async def _abort(context, error):
    await context.abort(error.code, error.message)


async def _answered(context, answer):
    """Awaits `answer()`; aborts the call with its error's code and message,
    or with INTERNAL, naming only the kind, for an unexpected error."""
    try:
        return await answer()
    except ServingError as error:
        await _abort(context, error)
    except Exception as error:  # a bug must not show the client its text
        log.exception("Unexpected error answering a gRPC call")
        await _abort(context, internal_error(error))


def _parsed(message_class, raw):
    try:
        return message_class.FromString(raw)
    except DecodeError as error:  # not the message, or text not UTF-8
        raise invalid_argument(
            f"Failed to parse the request as a {message_class.__name__}: "
            f"{error}. Send a serialized {message_class.DESCRIPTOR.full_name}."
        ) from None


def _request_arrays(request):
    return {name: from_tensor_proto(name, proto) for name, proto in request.inputs.items()}


def _predict_response(servable, signature, outputs):
    response = predict_pb2.PredictResponse()
    response.model_spec.name = servable.name
    response.model_spec.version.value = servable.version
    response.model_spec.signature_name = signature
    for name, array in outputs.items():
        response.outputs[name].CopyFrom(to_tensor_proto(array))
    return response


class _Codec:
    """Runs work in the codec threads when it is large, else on the loop.

    Args:
        executor: the `concurrent.futures.Executor` of the codec threads.
    """

    def __init__(self, executor):
        self._executor = executor

    async def run(self, large, function, *args):
        """Returns `function(*args)`, computed off the loop when `large`."""
        if not large:
            return function(*args)
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def handler(self, method, request_class):
        """A raw-bytes method handler around `method(request, context)`:
        parses the request and serializes the answer, off the loop when
        they are large."""

        async def handle(raw, context):
            try:
                request = await self.run(len(raw) >= _OFF_LOOP_BYTES, _parsed, request_class, raw)
            except ServingError as error:
                await _abort(context, error)
            response = await method(request, context)
            large = max(len(raw), response.ByteSize()) >= _OFF_LOOP_BYTES
            del raw, request  # freed before the memory is given back
            answer = await self.run(large, response.SerializeToString)
            if large:
                del response
                await self.run(True, memory.give_back)
            return answer

        return grpc.unary_unary_rpc_method_handler(handle)


class PredictionServicer(prediction_service_pb2_grpc.PredictionServiceServicer):
    """`tensorflow.serving.PredictionService`: Predict, Classify, Regress,
    GetModelMetadata (MultiInference answers UNIMPLEMENTED).

    Args:
        registry: the `ModelRegistry`.
        runner: the `RequestRunner`.
        metrics: the `ServingMetrics` counting each call.
        codec: the `_Codec` that converts large tensors and examples off the
            event loop.
        timeout_seconds: float, how long a call may take, from its arrival
            to its answer.
    """

    def __init__(self, registry, runner, metrics, codec, timeout_seconds):
        self._registry = registry
        self._requests = runner
        self._metrics = metrics
        self._codec = codec
        self._timeout = timeout_seconds

    async def _measured(self, api, request, context, answer):
        """Runs `answer(deadline)` within the time limit, records the call,
        and aborts it with its error."""
        start = time.perf_counter()
        code = None
        try:
            deadline = Deadline(self._timeout)
            return await deadline.run(answer(deadline))
        except ServingError as error:
            code = error.code
            await _abort(context, error)
        except Exception as error:  # a bug must not show the client its text
            log.exception("Unexpected error in %s", api)
            code = grpc.StatusCode.INTERNAL
            await _abort(context, internal_error(error))
        finally:
            self._metrics.record_request(
                self._registry.metric_label(request.model_spec.name),
                api,
                GRPC,
                code,
                time.perf_counter() - start,
            )

    async def Predict(self, request, context):
        """Runs a `PredictRequest`; outputs use the typed value fields.

        Args:
            request: a `predict_pb2.PredictRequest`.
            context: the gRPC call context.

        Returns:
            A `predict_pb2.PredictResponse` whose `model_spec` names the
            version and signature used.
        """

        async def answer(deadline):
            servable = self._registry.servable(*_model_spec_target(request))
            inputs = await self._codec.run(
                request.ByteSize() >= _OFF_LOOP_BYTES, _request_arrays, request
            )
            signature, outputs = await self._requests.predict(
                servable,
                request.model_spec.signature_name,
                inputs,
                tuple(request.output_filter),
                deadline=deadline,
            )
            return await self._codec.run(
                sum(a.size for a in outputs.values()) >= _OFF_LOOP_VALUES,
                _predict_response,
                servable,
                signature,
                outputs,
            )

        return await self._measured("Predict", request, context, answer)

    async def Classify(self, request, context):
        """Runs tf.Examples through a classification signature.

        Args:
            request: a `classification_pb2.ClassificationRequest`.
            context: the gRPC call context.

        Returns:
            A `ClassificationResponse`.
        """
        return await self._measured(
            "Classify",
            request,
            context,
            lambda d: self._examples(
                request, examples.CLASSIFY, classification_pb2.ClassificationResponse(), d
            ),
        )

    async def Regress(self, request, context):
        """Runs tf.Examples through a regression signature.

        Args:
            request: a `regression_pb2.RegressionRequest`.
            context: the gRPC call context.

        Returns:
            A `RegressionResponse`.
        """
        return await self._measured(
            "Regress",
            request,
            context,
            lambda d: self._examples(
                request, examples.REGRESS, regression_pb2.RegressionResponse(), d
            ),
        )

    async def _examples(self, request, method, response, deadline):
        servable = self._registry.servable(*_model_spec_target(request))
        signature_name = request.model_spec.signature_name
        examples.check_method(servable, signature_name, method)
        large = request.ByteSize() >= _OFF_LOOP_BYTES
        serialized = await self._codec.run(
            large, examples.serialized_examples_from_input, request.input, deadline
        )
        rows = len(serialized)
        outputs = await examples.predict(
            self._requests, servable, signature_name, serialized, method, deadline
        )
        del serialized
        result = await self._codec.run(
            rows >= _OFF_LOOP_EXAMPLES, examples.result, outputs, rows, method
        )
        response.model_spec.name = servable.name
        response.model_spec.version.value = servable.version
        response.model_spec.signature_name = signature_name or DEFAULT_SIGNATURE
        response.result.CopyFrom(result)
        return response

    async def GetModelMetadata(self, request, context):
        """Answers with the version's signature definitions.

        Args:
            request: a `GetModelMetadataRequest` (`metadata_field` must hold
                `signature_def`).
            context: the gRPC call context.

        Returns:
            A `GetModelMetadataResponse`.
        """

        async def answer():
            servable = self._registry.servable(*_model_spec_target(request))
            return model_metadata(servable, tuple(request.metadata_field))

        return await _answered(context, answer)


class ModelServicer(model_service_pb2_grpc.ModelServiceServicer):
    """`tensorflow.serving.ModelService`: status and config reload.

    Args:
        registry: the `ModelRegistry`.
        model_roots: the folders a reloaded configuration's base paths must
            lie in, or None to accept any path.
    """

    def __init__(self, registry, model_roots):
        self._registry = registry
        self._model_roots = model_roots

    async def GetModelStatus(self, request, context):
        """Reports the state of a model's versions.

        Args:
            request: a `GetModelStatusRequest`.
            context: the gRPC call context.

        Returns:
            A `GetModelStatusResponse`, newest version first.
        """

        async def answer():
            return self._registry.status(*_model_spec_target(request))

        return await _answered(context, answer)

    async def HandleReloadConfigRequest(self, request, context):
        """Replaces the served models with a new `ModelServerConfig`.

        Returns once the new configuration's versions are loaded, as TF
        Serving does. Base paths outside the server's model roots are
        refused, since loading a SavedModel runs its graph.

        Args:
            request: a `ReloadConfigRequest`.
            context: the gRPC call context.

        Returns:
            A `ReloadConfigResponse` whose status is OK, INVALID_ARGUMENT
            for a configuration that does not parse, PERMISSION_DENIED for a
            base path outside the model roots, or FAILED_PRECONDITION for a
            version label naming a version that is not available.
        """
        from zoo.serving.config import check_base_paths, config_from_proto

        async def answer():
            response = model_management_pb2.ReloadConfigResponse()
            try:
                configs = config_from_proto("ReloadConfigRequest", request.config)
                if self._model_roots is not None:
                    check_base_paths("ReloadConfigRequest", configs, self._model_roots)
                self._registry.reconfigure(configs)
                await self._registry.refresh()
                self._registry.apply_labels()
            except (ValueError, PermissionError) as error:
                code = (
                    grpc.StatusCode.PERMISSION_DENIED
                    if isinstance(error, PermissionError)
                    else grpc.StatusCode.INVALID_ARGUMENT
                )
                response.status.error_code = code.value[0]
                response.status.error_message = str(error)
            except ServingError as error:
                response.status.error_code = error.code.value[0]
                response.status.error_message = error.message
            return response

        return await _answered(context, answer)


def make_grpc_server(
    registry, runner, metrics, codec_executor, timeout_seconds, max_request_bytes, model_roots=None
):
    """Builds the asyncio gRPC server with both services (not yet bound).

    Args:
        registry: the `ModelRegistry`.
        runner: the `RequestRunner`.
        metrics: the `ServingMetrics`.
        codec_executor: the `concurrent.futures.Executor` that parses,
            converts and serializes large messages.
        timeout_seconds: float, how long a predict, classify or regress call
            may take, from its arrival to its answer.
        max_request_bytes: int, the largest request message; a larger one
            gets RESOURCE_EXHAUSTED from grpcio before it is read.
        model_roots: the folders reloaded base paths must lie in, or None
            to accept any path.

    Returns:
        A `grpc.aio.Server`.
    """
    server = grpc.aio.server(
        options=[
            ("grpc.max_send_message_length", -1),
            ("grpc.max_receive_message_length", max_request_bytes),
        ]
    )
    codec = _Codec(codec_executor)
    prediction = PredictionServicer(registry, runner, metrics, codec, timeout_seconds)
    model = ModelServicer(registry, model_roots)
    server.add_generic_rpc_handlers(
        [
            grpc.method_handlers_generic_handler(
                "tensorflow.serving.PredictionService",
                {
                    "Predict": codec.handler(prediction.Predict, predict_pb2.PredictRequest),
                    "Classify": codec.handler(
                        prediction.Classify, classification_pb2.ClassificationRequest
                    ),
                    "Regress": codec.handler(prediction.Regress, regression_pb2.RegressionRequest),
                    "GetModelMetadata": codec.handler(
                        prediction.GetModelMetadata, get_model_metadata_pb2.GetModelMetadataRequest
                    ),
                },
            ),
            grpc.method_handlers_generic_handler(
                "tensorflow.serving.ModelService",
                {
                    "GetModelStatus": codec.handler(
                        model.GetModelStatus, get_model_status_pb2.GetModelStatusRequest
                    ),
                    "HandleReloadConfigRequest": codec.handler(
                        model.HandleReloadConfigRequest, model_management_pb2.ReloadConfigRequest
                    ),
                },
            ),
        ]
    )
    return server
