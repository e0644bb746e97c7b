"""camelCase <-> snake_case, the same rules the renderer and parser apply."""

from djangorestframework_camel_case.settings import api_settings
from djangorestframework_camel_case.util import camel_to_underscore, camelize_re
from djangorestframework_camel_case.util import underscore_to_camel, underscoreize

import re


def to_camel(name: str) -> str:
    return re.sub(camelize_re, underscore_to_camel, name) if "_" in name else name


def to_snake(name: str) -> str:
    return camel_to_underscore(name, **api_settings.JSON_UNDERSCOREIZE)


def query_to_snake(query_params) -> dict:
    """Query parameters as a plain dict with snake_case keys (last value wins)."""
    return underscoreize(
        {key: query_params.get(key) for key in query_params.keys()},
        **api_settings.JSON_UNDERSCOREIZE,
    )


def camelize_payload(data):
    """Camelise a serializer's output the way the renderer does (for stored payloads)."""
    from djangorestframework_camel_case.util import camelize

    return camelize(data, **api_settings.JSON_UNDERSCOREIZE)
