from rest_framework.renderers import JSONRenderer

from .casing import camelize_payload


class CamelCaseJSONRenderer(JSONRenderer):
    """JSON out, snake_case keys camelised (caller-defined maps such as metadata left alone)."""

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return super().render(
            camelize_payload(data), accepted_media_type, renderer_context
        )
