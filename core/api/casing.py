"""camelCase <-> snake_case, by the rules of djangorestframework-camel-case.

Key conversions are cached: an API speaks a few hundred distinct keys, and a page of 100
products renders tens of thousands of them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.utils.encoding import force_str
from django.utils.functional import Promise
from djangorestframework_camel_case.settings import api_settings
from djangorestframework_camel_case.util import (
    camel_to_underscore,
    camelize_re,
    underscore_to_camel,
    underscoreize,
)


def _options() -> dict:
    return api_settings.JSON_UNDERSCOREIZE


@lru_cache(maxsize=4096)
def to_camel(name: str) -> str:
    return re.sub(camelize_re, underscore_to_camel, name) if "_" in name else name


@lru_cache(maxsize=4096)
def to_snake(name: str) -> str:
    return camel_to_underscore(name, **_options())


def camelize_payload(data):
    """Camelise keys recursively, leaving caller-defined maps (``metadata``...) as they are.

    Same result as the library's ``camelize`` with our settings, with cached key conversion.
    """
    ignore = _options().get("ignore_fields") or ()
    return _camelize(data, frozenset(ignore))


def _camelize(data, ignore: frozenset):
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if isinstance(key, Promise):
                key = force_str(key)
            new_key = to_camel(key) if isinstance(key, str) else key
            if key in ignore or new_key in ignore:
                out[new_key] = value
            else:
                out[new_key] = _camelize(value, ignore)
        return out
    if isinstance(data, (list, tuple)):
        return [_camelize(item, ignore) for item in data]
    if isinstance(data, Promise):
        return force_str(data)
    return data


def query_to_snake(query_params) -> dict:
    """Query parameters as a plain dict with snake_case keys (last value wins)."""
    return underscoreize(
        {key: query_params.get(key) for key in query_params},
        **_options(),
    )
