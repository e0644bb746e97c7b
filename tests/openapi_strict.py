"""Validate real responses against the generated OpenAPI 3.1 schema, strictly.

The schema's component schemas are JSON Schema 2020-12, validated here with ``jsonschema``'s
Draft 2020-12 validator as a strict client would: ``null`` is accepted only where the schema
says so (``oneOf`` with ``{"type": "null"}`` or a type array), enums are closed, and, stricter
than a client needs, an object may carry no property the schema does not name (caller-defined
maps such as ``metadata`` say ``additionalProperties`` and stay open).
"""

from __future__ import annotations

import copy
import json
import re

from jsonschema import Draft202012Validator

PUBLIC_PREFIX = "/v3/public/{publishable_key}"
PRIVATE_PREFIX = "/v3/private"


def generated_schema() -> dict:
    """The schema ``/v3/schema`` serves, as plain JSON."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


def closed(node):
    """A copy of a schema where objects with named properties allow no others."""
    node = copy.deepcopy(node)

    def walk(item):
        if isinstance(item, dict):
            if "properties" in item and "additionalProperties" not in item:
                item["additionalProperties"] = False
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(node)
    return node


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


class ResponseValidator:
    """``errors(surface, method, path_template, status, body)`` -> list of messages.

    ``path_template`` is relative to the surface (``/products/{product}``), as the contract
    test's flow names endpoints.
    """

    def __init__(self, schema: dict):
        self.schema = schema
        self.components = closed(schema["components"])
        self.paths = {_shape(path): item for path, item in schema["paths"].items()}

    def operation(self, surface: str, method: str, template: str) -> dict:
        prefix = PUBLIC_PREFIX if surface == "public" else PRIVATE_PREFIX
        path = prefix + ("" if template == "/" else template)
        item = self.paths.get(_shape(path))
        if item is None or method.lower() not in item:
            raise LookupError(f"the schema has no {method} {path}")
        return item[method.lower()]

    def errors(self, surface, method, template, status, body) -> list[str]:
        operation = self.operation(surface, method, template)
        response = operation["responses"].get(str(status))
        where = f"{method} {template} ({surface}) {status}"
        if response is None:
            return [f"{where}: status not documented"]
        content = response.get("content") or {}
        if body is None:
            return [] if not content else [f"{where}: empty body, schema expects one"]
        media = content.get("application/json")
        if media is None:
            return [f"{where}: no application/json body documented"]
        root = closed(media["schema"])
        root["components"] = self.components
        validator = Draft202012Validator(
            root, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        return [
            f"{where}: {'/'.join(map(str, error.absolute_path)) or '.'}: "
            f"{error.message[:300]}"
            for error in validator.iter_errors(body)
        ]
