"""OpenAPI generation: envelopes, the error responses every operation can give, headers.

Views document their success payload with ``@extend_schema(responses=envelope(X))`` (or
``page_envelope(X)``); everything else (errors, auth, cart and idempotency headers) is added
here from the view's class attributes, so the schema stays true to what the server returns.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from core.links import request_base_url

from .fields import MoneySerializer  # noqa: F401  (registers the Money component)
from .pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )

    class Meta:
        ref_name = "ErrorDetail"


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()

    class Meta:
        ref_name = "Error"


class PageMetaSerializer(serializers.Serializer):
    current_page = serializers.IntegerField()
    per_page = serializers.IntegerField()
    total = serializers.IntegerField()
    last_page = serializers.IntegerField()

    class Meta:
        ref_name = "PageMeta"


_envelopes: dict[tuple, type] = {}


def _name(serializer_class) -> str:
    meta = getattr(serializer_class, "Meta", None)
    ref = getattr(meta, "ref_name", None)
    name = ref or serializer_class.__name__
    return name[:-10] if name.endswith("Serializer") else name


def envelope(serializer_class, *, many: bool = False, name: str | None = None):
    """``{"data": X}`` (or ``{"data": [X]}``) as a serializer class for the schema."""
    key = ("data", serializer_class, many, name)
    if key not in _envelopes:
        ref = name or f"{_name(serializer_class)}{'List' if many else ''}Response"
        _envelopes[key] = type(
            ref,
            (serializers.Serializer,),
            {
                "data": serializer_class(many=many),
                "Meta": type("Meta", (), {"ref_name": ref}),
            },
        )
    return _envelopes[key]


def page_envelope(
    serializer_class, *, meta_serializer=PageMetaSerializer, name: str | None = None
):
    """``{"data": [X], "meta": {...}}`` as a serializer class for the schema."""
    key = ("page", serializer_class, meta_serializer, name)
    if key not in _envelopes:
        ref = name or f"{_name(serializer_class)}Page"
        _envelopes[key] = type(
            ref,
            (serializers.Serializer,),
            {
                "data": serializer_class(many=True),
                "meta": meta_serializer(),
                "Meta": type("Meta", (), {"ref_name": ref}),
            },
        )
    return _envelopes[key]


def page_params() -> list[OpenApiParameter]:
    return [
        OpenApiParameter(
            "page",
            {"type": "integer", "minimum": 1, "maximum": 1_000_000},
            description="Page number (from 1).",
        ),
        OpenApiParameter(
            "perPage",
            {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            description=f"Items per page (1-{MAX_PER_PAGE}, default {DEFAULT_PER_PAGE}).",
        ),
    ]


#: Every operation can answer these (406: an Accept header no renderer satisfies).
STANDARD_ERRORS = ("400", "401", "404", "406", "422", "429")


class ApiAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = list(STANDARD_ERRORS) + [
            str(c) for c in getattr(self.view, "error_statuses", ())
        ]
        if self.method in {"POST", "PUT", "PATCH"}:
            codes.extend(("413", "415"))
        if self.method in getattr(self.view, "idempotent_methods", ()):
            codes.append("409")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ErrorSerializer, code, direction=direction
                )
        return responses

    def _is_list_view(self, serializer=None) -> bool:
        # A viewset's list answers one page envelope (an object), not an array.
        if hasattr(self.view, "action"):
            return False
        return super()._is_list_view(serializer)

    def get_filter_backends(self):
        # A list's FilterSet documents its query parameters: a viewset's list action, or
        # the GET of a view that names one.
        view = self.view
        if getattr(view, "filterset_class", None) is None:
            return []
        action = getattr(view, "action", None)
        if action == "list" or (action is None and self.method == "GET"):
            return list(view.filter_backends)
        return []

    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        view = self.view
        if getattr(view, "uses_cart_token", False):
            params.append(
                OpenApiParameter(
                    "X-Cart-Token",
                    {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 128,
                        "pattern": r"^[ -~]*\S[ -~]*$",
                    },
                    OpenApiParameter.HEADER,
                    required=getattr(view, "cart_token_required", True),
                    description="Visitor cart identifier (any string up to 128 characters).",
                )
            )
        if getattr(view, "surface", "") == "public":
            params.append(
                OpenApiParameter(
                    "X-Currency",
                    {"type": "string", "pattern": "^[A-Za-z]{3}$"},
                    OpenApiParameter.HEADER,
                    required=False,
                    description="The currency to answer in (one of GET /'s currencies; "
                    "422 unsupported_currency otherwise). A cart takes it and is re-priced "
                    "in it.",
                )
            )
        if self.method in getattr(view, "idempotent_methods", ()):
            params.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 255,
                        "pattern": r"^[ -~]*\S[ -~]*$",
                    },
                    OpenApiParameter.HEADER,
                    description="Replays the first response for 24 hours.",
                )
            )
        return params

    def get_auth(self):
        surface = getattr(self.view, "surface", None)
        if surface == "public":
            return [{"publishableKey": []}]
        if surface == "private":
            return [{"secretKey": []}]
        return []

    def get_tags(self):
        module = self.view.__class__.__module__.split(".")[0]
        surface = getattr(self.view, "surface", "")
        return [f"{module} ({surface})" if surface else module]


def preprocess_exclude_aliases(endpoints, **kwargs):
    """Document ``/v3/private/...`` once; ``/v3/private/stores/{store_id}/...`` is an alias."""
    return [
        (path, regex, method, callback)
        for path, regex, method, callback in endpoints
        if path.startswith(("/v3/public/", "/v3/private/"))
        and not path.startswith("/v3/private/stores/")
        and path != "/v3/public/{publishable_key}/"
    ]


def postprocess_servers(result, generator, request, public, **kwargs):
    """``servers``: this server, as the schema's reader reached it (``PUBLIC_BASE_URL`` when
    set; the started address when generated outside a request, e.g. ``make schema``)."""
    result["servers"] = [
        {"url": request_base_url(request), "description": "This installation"}
    ]
    return result
