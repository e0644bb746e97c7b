import json

from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

from .casing import camelize_payload


def wire_data(data):
    """``data`` exactly as the API renders it (camelCase keys; Decimals, datetimes and UUIDs
    through DRF's encoder), as plain JSON values: what a webhook event stores and sends."""
    return json.loads(json.dumps(camelize_payload(data), cls=JSONEncoder))


class CamelCaseJSONRenderer(JSONRenderer):
    """JSON out, snake_case keys camelised (caller-defined maps such as metadata left alone)."""

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return super().render(
            camelize_payload(data), accepted_media_type, renderer_context
        )
