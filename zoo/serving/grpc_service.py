"""TF Serving's gRPC services on grpcio's asyncio server.

Subclasses the servicer base classes shipped in the `tensorflow-serving-api`
wheel, so the official client stubs work unchanged. Message size limits are
lifted, as TF Serving does on the server side.
"""

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
from zoo.serving.errors import ServingError
from zoo.serving.metadata import model_metadata
from zoo.serving.servable import DEFAULT_SIGNATURE
from zoo.serving.tensor_proto import from_tensor_proto, to_tensor_proto

_UNLIMITED = [("grpc.max_send_message_length", -1),
              ("grpc.max_receive_message_length", -1)]


def _model_spec_target(spec):
    """(name, version, label) from a request's `ModelSpec`."""
    which = spec.WhichOneof("version_choice")
    version = spec.version.value if which == "version" else None
    label = spec.version_label if which == "version_label" else None
    return spec.name, version, label


async def _abort(context, error):
    await context.abort(error.code, error.message)


class PredictionServicer(prediction_service_pb2_grpc.PredictionServiceServicer):
    """`tensorflow.serving.PredictionService`: Predict, Classify, Regress,
    GetModelMetadata (MultiInference answers UNIMPLEMENTED).

    Args:
        registry: the `ModelRegistry`.
        predictor: the `Predictor`.
    """

    def __init__(self, registry, predictor):
        self._registry = registry
        self._predictor = predictor

    async def Predict(self, request, context):
        """Runs a `PredictRequest`; outputs use the typed value fields.

        Args:
            request: a `predict_pb2.PredictRequest`.
            context: the gRPC call context.

        Returns:
            A `predict_pb2.PredictResponse` whose `model_spec` names the
            version and signature used.
        """
        try:
            servable = self._registry.servable(
                *_model_spec_target(request.model_spec))
            inputs = {name: from_tensor_proto(name, proto)
                      for name, proto in request.inputs.items()}
            signature, outputs = await self._predictor.predict(
                servable, request.model_spec.signature_name, inputs,
                tuple(request.output_filter))
        except ServingError as error:
            await _abort(context, error)
        response = predict_pb2.PredictResponse()
        response.model_spec.name = servable.name
        response.model_spec.version.value = servable.version
        response.model_spec.signature_name = signature
        for name, array in outputs.items():
            response.outputs[name].CopyFrom(to_tensor_proto(array))
        return response

    async def Classify(self, request, context):
        """Runs tf.Examples through a classification signature.

        Args:
            request: a `classification_pb2.ClassificationRequest`.
            context: the gRPC call context.

        Returns:
            A `ClassificationResponse`.
        """
        response = classification_pb2.ClassificationResponse()
        await self._examples(request, context, examples.CLASSIFY, response)
        return response

    async def Regress(self, request, context):
        """Runs tf.Examples through a regression signature.

        Args:
            request: a `regression_pb2.RegressionRequest`.
            context: the gRPC call context.

        Returns:
            A `RegressionResponse`.
        """
        response = regression_pb2.RegressionResponse()
        await self._examples(request, context, examples.REGRESS, response)
        return response

    async def _examples(self, request, context, method, response):
        try:
            servable = self._registry.servable(
                *_model_spec_target(request.model_spec))
            serialized = examples.serialized_examples_from_input(request.input)
            result = await examples.run(
                self._predictor, servable, request.model_spec.signature_name,
                serialized, method)
        except ServingError as error:
            await _abort(context, error)
        response.model_spec.name = servable.name
        response.model_spec.version.value = servable.version
        response.model_spec.signature_name = (
            request.model_spec.signature_name or DEFAULT_SIGNATURE)
        response.result.CopyFrom(result)

    async def GetModelMetadata(self, request, context):
        """Answers with the version's signature definitions.

        Args:
            request: a `GetModelMetadataRequest` (`metadata_field` must hold
                `signature_def`).
            context: the gRPC call context.

        Returns:
            A `GetModelMetadataResponse`.
        """
        try:
            servable = self._registry.servable(
                *_model_spec_target(request.model_spec))
            return model_metadata(servable, tuple(request.metadata_field))
        except ServingError as error:
            await _abort(context, error)


class ModelServicer(model_service_pb2_grpc.ModelServiceServicer):
    """`tensorflow.serving.ModelService`: status and config reload.

    Args:
        registry: the `ModelRegistry`.
    """

    def __init__(self, registry):
        self._registry = registry

    async def GetModelStatus(self, request, context):
        """Reports the state of a model's versions.

        Args:
            request: a `GetModelStatusRequest`.
            context: the gRPC call context.

        Returns:
            A `GetModelStatusResponse`, newest version first.
        """
        if not request.HasField("model_spec"):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                                "Missing ModelSpec")
        try:
            return self._registry.status(
                *_model_spec_target(request.model_spec))
        except ServingError as error:
            await _abort(context, error)

    async def HandleReloadConfigRequest(self, request, context):
        """Replaces the served models with a new `ModelServerConfig`.

        Returns once the new configuration's versions are loaded, as TF
        Serving does.

        Args:
            request: a `ReloadConfigRequest`.
            context: the gRPC call context.

        Returns:
            A `ReloadConfigResponse` whose status is OK, or
            INVALID_ARGUMENT with the reason.
        """
        from zoo.serving.config import config_from_proto

        response = model_management_pb2.ReloadConfigResponse()
        try:
            configs = config_from_proto("ReloadConfigRequest", request.config)
        except ValueError as error:
            response.status.error_code = grpc.StatusCode.INVALID_ARGUMENT.value[0]
            response.status.error_message = str(error)
            return response
        self._registry.reconfigure(configs)
        await self._registry.refresh()
        return response


def make_grpc_server(registry, predictor):
    """Builds the asyncio gRPC server with both services (not yet bound).

    Args:
        registry: the `ModelRegistry`.
        predictor: the `Predictor`.

    Returns:
        A `grpc.aio.Server`.
    """
    server = grpc.aio.server(options=_UNLIMITED)
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        PredictionServicer(registry, predictor), server)
    model_service_pb2_grpc.add_ModelServiceServicer_to_server(
        ModelServicer(registry), server)
    return server
