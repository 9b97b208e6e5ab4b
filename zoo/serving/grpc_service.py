"""TF Serving's gRPC services on grpcio's asyncio server.

Subclasses the servicer base classes shipped in the `tensorflow-serving-api`
wheel, so the official client stubs work unchanged. Message size limits are
lifted, as TF Serving does on the server side.
"""

import asyncio
import logging
import time

import grpc
from tensorflow_serving.apis import (
    classification_pb2,
    model_management_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
    regression_pb2,
)

from zoo.serving import examples
from zoo.serving.errors import ServingError, internal_error, invalid_argument
from zoo.serving.metadata import model_metadata
from zoo.serving.metrics import GRPC
from zoo.serving.servable import DEFAULT_SIGNATURE
from zoo.serving.tensor_proto import from_tensor_proto, to_tensor_proto

log = logging.getLogger("zoo.serving")
_UNLIMITED = [("grpc.max_send_message_length", -1),
              ("grpc.max_receive_message_length", -1)]
# Tensors of more values than this are converted off the event loop; below
# it (an image is 50 000), the thread hop costs more than it saves.
_OFF_LOOP_VALUES = 1 << 20
_BYTES_PER_VALUE = 4


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


def _request_arrays(request):
    return {name: from_tensor_proto(name, proto)
            for name, proto in request.inputs.items()}


def _predict_response(servable, signature, outputs):
    response = predict_pb2.PredictResponse()
    response.model_spec.name = servable.name
    response.model_spec.version.value = servable.version
    response.model_spec.signature_name = signature
    for name, array in outputs.items():
        response.outputs[name].CopyFrom(to_tensor_proto(array))
    return response


class PredictionServicer(prediction_service_pb2_grpc.PredictionServiceServicer):
    """`tensorflow.serving.PredictionService`: Predict, Classify, Regress,
    GetModelMetadata (MultiInference answers UNIMPLEMENTED).

    Args:
        registry: the `ModelRegistry`.
        predictor: the `Predictor`.
        metrics: the `ServingMetrics` counting each call.
        codec_executor: the `concurrent.futures.Executor` that converts
            large tensors, so the event loop keeps answering meanwhile.
    """

    def __init__(self, registry, predictor, metrics, codec_executor):
        self._registry = registry
        self._predictor = predictor
        self._metrics = metrics
        self._codec_executor = codec_executor

    async def _off_loop(self, values, function, *args):
        """Runs `function` in the codec executor when `values` make it slow."""
        if values < _OFF_LOOP_VALUES:
            return function(*args)
        return await asyncio.get_running_loop().run_in_executor(
            self._codec_executor, function, *args)

    async def _measured(self, api, request, context, answer):
        """Runs `answer()`, records the call, aborts with its error."""
        start = time.perf_counter()
        code = None
        try:
            return await answer()
        except ServingError as error:
            code = error.code
            await _abort(context, error)
        except Exception as error:  # a bug must not show the client its text
            log.exception("Unexpected error in %s", api)
            code = grpc.StatusCode.INTERNAL
            await _abort(context, internal_error(error))
        finally:
            self._metrics.record_request(
                self._registry.metric_label(request.model_spec.name), api,
                GRPC, code, time.perf_counter() - start)

    async def Predict(self, request, context):
        """Runs a `PredictRequest`; outputs use the typed value fields.

        Args:
            request: a `predict_pb2.PredictRequest`.
            context: the gRPC call context.

        Returns:
            A `predict_pb2.PredictResponse` whose `model_spec` names the
            version and signature used.
        """
        async def answer():
            servable = self._registry.servable(*_model_spec_target(request))
            inputs = await self._off_loop(
                request.ByteSize() // _BYTES_PER_VALUE, _request_arrays,
                request)
            signature, outputs = await self._predictor.predict(
                servable, request.model_spec.signature_name, inputs,
                tuple(request.output_filter))
            return await self._off_loop(
                sum(a.size for a in outputs.values()), _predict_response,
                servable, signature, outputs)

        return await self._measured("Predict", request, context, answer)

    async def Classify(self, request, context):
        """Runs tf.Examples through a classification signature.

        Args:
            request: a `classification_pb2.ClassificationRequest`.
            context: the gRPC call context.

        Returns:
            A `ClassificationResponse`.
        """
        return await self._measured("Classify", request, context, lambda: (
            self._examples(request, examples.CLASSIFY,
                           classification_pb2.ClassificationResponse())))

    async def Regress(self, request, context):
        """Runs tf.Examples through a regression signature.

        Args:
            request: a `regression_pb2.RegressionRequest`.
            context: the gRPC call context.

        Returns:
            A `RegressionResponse`.
        """
        return await self._measured("Regress", request, context, lambda: (
            self._examples(request, examples.REGRESS,
                           regression_pb2.RegressionResponse())))

    async def _examples(self, request, method, response):
        servable = self._registry.servable(*_model_spec_target(request))
        serialized = examples.serialized_examples_from_input(request.input)
        result = await examples.run(
            self._predictor, servable, request.model_spec.signature_name,
            serialized, method)
        response.model_spec.name = servable.name
        response.model_spec.version.value = servable.version
        response.model_spec.signature_name = (
            request.model_spec.signature_name or DEFAULT_SIGNATURE)
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
                configs = config_from_proto("ReloadConfigRequest",
                                            request.config)
                if self._model_roots is not None:
                    check_base_paths("ReloadConfigRequest", configs,
                                     self._model_roots)
                self._registry.reconfigure(configs)
                await self._registry.refresh()
                self._registry.apply_labels()
            except (ValueError, PermissionError) as error:
                code = (grpc.StatusCode.PERMISSION_DENIED
                        if isinstance(error, PermissionError)
                        else grpc.StatusCode.INVALID_ARGUMENT)
                response.status.error_code = code.value[0]
                response.status.error_message = str(error)
            except ServingError as error:
                response.status.error_code = error.code.value[0]
                response.status.error_message = error.message
            return response

        return await _answered(context, answer)


def make_grpc_server(registry, predictor, metrics, codec_executor,
                     model_roots=None):
    """Builds the asyncio gRPC server with both services (not yet bound).

    Args:
        registry: the `ModelRegistry`.
        predictor: the `Predictor`.
        metrics: the `ServingMetrics`.
        codec_executor: the `concurrent.futures.Executor` converting large
            tensors.
        model_roots: the folders reloaded base paths must lie in, or None
            to accept any path.

    Returns:
        A `grpc.aio.Server`.
    """
    server = grpc.aio.server(options=_UNLIMITED)
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        PredictionServicer(registry, predictor, metrics, codec_executor),
        server)
    model_service_pb2_grpc.add_ModelServiceServicer_to_server(
        ModelServicer(registry, model_roots), server)
    return server
