"""Base classes for every API view: key auth, store scoping, rate limits, idempotency, envelope.

A view subclasses :class:`PublicApi` or :class:`PrivateApi`, declares ``rate_limits``, and in
each handler validates input, calls one service or selector, and returns ``self.respond(...)``.
"""

from __future__ import annotations

from functools import cached_property

from rest_framework import status as http
from rest_framework.response import Response
from rest_framework.views import APIView

from core.currencies import CURRENCY_HEADER
from core.exceptions import NotFound, ValidationFailed
from core.locales import content_language, content_locale
from core.money import locale_from_accept_language

from . import caching, idempotency
from .authentication import PublishableKeyAuthentication, SecretKeyAuthentication
from .casing import query_to_snake
from .filters import QueryFilterBackend
from .pagination import PageParamsSerializer, paginate
from .throttling import EndpointRateThrottle, ratelimit_headers
from .visitor import CART_TOKEN_HEADER, Visitor


class ApiView(APIView):
    surface = ""
    authentication_classes = ()
    permission_classes = ()
    throttle_classes = (EndpointRateThrottle,)
    #: ``{"GET": "120/m", ...}`` as listed in ENDPOINTS.md.
    rate_limits: dict[str, str] = {}
    #: Methods on which an ``Idempotency-Key`` header is honoured.
    idempotent_methods: frozenset[str] = frozenset()
    #: Extra error statuses to document for this view (e.g. ``(409,)``).
    error_statuses: tuple[int, ...] = ()
    #: GET answers depend only on the catalogue: ETag, 304 and the shared page cache
    #: (see :mod:`core.api.caching`; the catalogue's writes bump its version).
    cached_read = False
    #: A list's django-filter ``FilterSet`` (``<app>/filters.py``): ``filter_queryset``
    #: applies it to the query string, and the schema documents it on the list's GET. Set
    #: ``queryset = Model.objects.none()`` with it (the FilterSet's model; never queried).
    filterset_class = None
    filter_backends = (QueryFilterBackend,)

    _idempotency_record = None
    _page_key = None

    # -- request lifecycle ---------------------------------------------------------------
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.check_headers(request)
        if request.method in self.idempotent_methods and hasattr(
            self, request.method.lower()
        ):
            self._idempotency_record = idempotency.begin(
                request, store=request.store, mode=request.mode
            )
        if self.cached_read and request.method == "GET":
            self._page_key = caching.cached_answer(request)

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.IdempotentReplay):
            return exc.response()
        if isinstance(exc, caching.CachedPage):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self._page_key is not None and response.status_code == http.HTTP_200_OK:
            response = caching.cache_store(self._page_key, response)
        self._page_key = None
        for name, value in ratelimit_headers(request).items():
            response[name] = value
        if self._idempotency_record is not None:
            idempotency.complete(self._idempotency_record, response)
            self._idempotency_record = None
        return response

    def check_headers(self, request) -> None:
        """Validate request headers every endpoint of the surface honours (before any
        cached answer or idempotent replay)."""

    # -- helpers for handlers ------------------------------------------------------------
    @property
    def store(self):
        return self.request.store

    @property
    def mode(self) -> str:
        return self.request.mode

    @property
    def locale(self) -> str:
        store = getattr(self.request, "store", None)
        default = store.locale if store is not None else "en"
        return locale_from_accept_language(
            self.request.headers.get("Accept-Language"), default
        )

    @property
    def content_locale(self) -> str | None:
        """The store's supported locale the answer's text is in (``core.locales``); None
        before the store is known."""
        store = getattr(self.request, "store", None)
        if store is None:
            return None
        return content_locale(store, self.request.headers.get("Accept-Language"))

    def get_serializer_context(self) -> dict:
        return {
            "request": self.request,
            "view": self,
            "store": getattr(self.request, "store", None),
            "mode": getattr(self.request, "mode", None),
            "locale": self.locale,
            "content_locale": self.content_locale if self.surface == "public" else None,
        }

    def validate(
        self, serializer_class, data=None, *, partial: bool = False, **kwargs
    ) -> dict:
        """Validate the request body (or ``data``); a failure is a 422 with field messages."""
        if data is None:
            data = self.request.data
        if not isinstance(data, dict):
            raise ValidationFailed("The request body must be a JSON object.")
        serializer = serializer_class(
            data=data,
            partial=partial,
            context={**self.get_serializer_context(), **kwargs},
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def validate_query(self, serializer_class) -> dict:
        """Validate camelCase query parameters with a (snake_case) serializer."""
        return self.validate(
            serializer_class, query_to_snake(self.request.query_params)
        )

    def filter_queryset(self, queryset):
        """``queryset`` filtered by ``filterset_class`` from the query string; a bad value
        is a 422 naming its parameter."""
        for backend in self.filter_backends:
            queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    def serialize(self, serializer_class, instance, *, many: bool = False, **context):
        return serializer_class(
            instance, many=many, context={**self.get_serializer_context(), **context}
        ).data

    def respond(
        self, data, *, status: int = http.HTTP_200_OK, headers=None
    ) -> Response:
        """Wrap a payload (or a serializer) in the ``{"data": ...}`` envelope."""
        if hasattr(data, "data") and hasattr(data, "is_valid"):
            data = data.data
        return Response({"data": data}, status=status, headers=headers)

    def respond_page(
        self,
        queryset,
        serializer_class,
        *,
        extra_meta: dict | None = None,
        prepare=None,
        output=None,
        total_inline: bool = False,
        count=None,
        **context,
    ) -> Response:
        """Paginate ``queryset`` by ``page``/``perPage`` and answer ``{"data", "meta"}``.

        ``prepare(items)`` may attach per-page data (aggregates) to the page's objects.
        ``output(items, context)``, when given, builds the page's payloads instead of
        ``serializer_class`` (which still documents them): a flat read path.
        ``total_inline`` counts in the page's query, ``count(queryset)`` answers the total
        (:func:`~.pagination.paginate`).
        """
        params = self.validate_query(PageParamsSerializer)
        page = paginate(
            queryset,
            page=params["page"],
            per_page=params["per_page"],
            total_inline=total_inline,
            count=count,
        )
        if prepare is not None:
            prepare(page.items)
        if output is not None:
            data = output(page.items, {**self.get_serializer_context(), **context})
        else:
            data = self.serialize(serializer_class, page.items, many=True, **context)
        meta = page.meta()
        if extra_meta:
            meta.update(extra_meta)
        return Response({"data": data, "meta": meta})

    def no_content(self) -> Response:
        return Response(status=http.HTTP_204_NO_CONTENT)


class PublicApi(ApiView):
    """``/v3/public/{publishable_key}/...``: a publishable key in the path and the header."""

    surface = "public"
    authentication_classes = (PublishableKeyAuthentication,)
    #: Document the X-Cart-Token header for this view.
    uses_cart_token = False
    cart_token_required = True

    def initial(self, request, *args, **kwargs):
        # Before the page cache looks: the negotiated locale is part of a page's key.
        self.perform_authentication(request)
        request.content_locale = self.content_locale
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        locale = getattr(request, "content_locale", None)
        if locale:
            response["Content-Language"] = content_language(locale)
        return response

    @cached_property
    def visitor(self) -> Visitor:
        """Who is calling: store, key mode, locale, currency, cart token and the customer
        signed in on it (looked up once, when first asked for)."""
        return Visitor(
            store=self.store,
            mode=self.mode,
            locale=self.locale,
            content_locale=self.content_locale or "",
            cart_token_header=self.request.headers.get(CART_TOKEN_HEADER, ""),
            currency_header=self.request.headers.get(CURRENCY_HEADER, ""),
        )

    def check_headers(self, request) -> None:
        # Every public endpoint answers a currency the store does not offer with a 422.
        self.visitor.currency  # noqa: B018 (validates X-Currency)

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if getattr(self.request, "store", None) is not None:
            context["currency"] = self.visitor.currency
        return context

    @property
    def cart_token(self) -> str:
        """The visitor's ``X-Cart-Token``; missing or malformed is a 422 naming the header."""
        return self.visitor.cart_token

    @property
    def optional_cart_token(self) -> str | None:
        return self.visitor.optional_cart_token


class PrivateApi(ApiView):
    """``/v3/private/...`` or ``/v3/private/stores/{store_id}/...`` with a secret key."""

    surface = "private"
    authentication_classes = (SecretKeyAuthentication,)
    idempotent_methods = frozenset({"POST", "PATCH"})

    def initial(self, request, *args, **kwargs):
        self.perform_authentication(request)
        store_id = kwargs.get("store_id")
        if store_id is not None and store_id != request.store.id:
            raise NotFound("Store not found.")
        super().initial(request, *args, **kwargs)
