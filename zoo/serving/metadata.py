"""Model status and metadata as TF Serving's protos and JSON bodies."""

import json

import grpc
from google.protobuf import json_format
from tensorflow_serving.apis import get_model_metadata_pb2

from zoo.serving.errors import ServingError, invalid_argument

SIGNATURE_DEF_FIELD = "signature_def"


def model_metadata(servable, metadata_fields=(SIGNATURE_DEF_FIELD,)):
    """Builds a `GetModelMetadataResponse` with the version's signatures.

    Args:
        servable: the `Servable` to describe.
        metadata_fields: the requested fields; TF Serving knows only
            `signature_def`.

    Returns:
        A `get_model_metadata_pb2.GetModelMetadataResponse`.

    Raises:
        ServingError: INVALID_ARGUMENT for a missing or unknown field.
    """
    if not metadata_fields:
        raise invalid_argument("GetModelMetadataRequest must specify at least one metadata_field")
    for field in metadata_fields:
        if field != SIGNATURE_DEF_FIELD:
            raise invalid_argument(f"Metadata field {field} is not supported")
    response = get_model_metadata_pb2.GetModelMetadataResponse()
    response.model_spec.name = servable.name
    response.model_spec.version.value = servable.version
    signatures = get_model_metadata_pb2.SignatureDefMap()
    for name, signature in servable.signature_defs.items():
        signatures.signature_def[name].CopyFrom(signature)
    response.metadata[SIGNATURE_DEF_FIELD].Pack(signatures)
    return response


def _to_dict(message):
    return json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def metadata_json(response):
    """Writes a metadata response as TF Serving's REST API does.

    The signature map is nested twice (`metadata.signature_def.signature_def`)
    because TF Serving prints the `SignatureDefMap` message under its key.

    Args:
        response: a `GetModelMetadataResponse` from `model_metadata`.

    Returns:
        The response body text.
    """
    signatures = get_model_metadata_pb2.SignatureDefMap()
    if not response.metadata[SIGNATURE_DEF_FIELD].Unpack(signatures):
        raise ServingError(
            grpc.StatusCode.INTERNAL, "Failed to unpack 'Any' object to 'SignatureDefMap'."
        )
    return (
        '{\n"model_spec":'
        + json.dumps(_to_dict(response.model_spec), indent=1)
        + '\n,\n"metadata": {"signature_def": '
        + json.dumps(_to_dict(signatures), indent=1)
        + "\n}\n}\n"
    )


def status_json(response):
    """Writes a `GetModelStatusResponse` as TF Serving's REST API does.

    Args:
        response: a `get_model_status_pb2.GetModelStatusResponse`.

    Returns:
        The response body text (versions as strings, states by name).
    """
    return json.dumps(_to_dict(response), indent=1) + "\n"
