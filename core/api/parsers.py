"""JSON in, camelCase keys turned into snake_case for the serializers, nesting bounded."""

from __future__ import annotations

import json

from django.conf import settings
from djangorestframework_camel_case.parser import CamelCaseJSONParser as _Base
from djangorestframework_camel_case.util import underscoreize
from rest_framework.exceptions import ParseError

#: Deeper JSON than this is refused (400) before anything walks it recursively.
MAX_JSON_DEPTH = 32


def json_depth_exceeds(value, limit: int) -> bool:
    """Whether ``value`` nests objects/arrays more than ``limit`` deep (iteratively)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class CamelCaseJSONParser(_Base):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        too_deep = f"JSON nested more than {MAX_JSON_DEPTH} levels deep."
        try:
            data = json.loads(stream.read().decode(encoding))
        except RecursionError:
            raise ParseError(too_deep) from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(too_deep)
        return underscoreize(data, **self.json_underscoreize)
