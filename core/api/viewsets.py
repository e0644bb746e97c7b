"""Resource endpoints as viewsets on a router, with the ``PrivateApi`` conventions.

:class:`PrivateViewSet` is ``PrivateApi`` (secret key, store scoping, mode, per-method rate
limits, idempotency, the error envelope, camelCase) as a DRF viewset: ``list`` (paginated,
filtered by the view's ``filterset_class``), ``create``, ``retrieve``, ``partial_update`` and
``destroy``. A resource names its serializers and fills in the hooks, each one selector or
service call; ``@extend_schema`` on the actions keeps the operationIds and summaries.

A resource that answers only some of the five (reviews are listed, read and moderated, never
created) builds its viewset as DRF's ``GenericViewSet`` does, from
:class:`PrivateGenericViewSet` and the mixins of the actions it has; the router routes only
those, and only their hooks are required. Other operations on a resource are ``@action``s.
:class:`ApiRouter` routes ``prefix`` and ``prefix/<converter:kwarg>`` without trailing slashes
(a prefix may hold a parent's converter: ``webhooks/<whk_id:webhook>/deliveries``).
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status as http
from rest_framework.routers import SimpleRouter
from rest_framework.viewsets import ViewSetMixin

from .schema import envelope, page_envelope, page_params
from .views import PrivateApi


class ApiRouter(SimpleRouter):
    def __init__(self):
        super().__init__(trailing_slash=False, use_regex_path=False)


# The hooks are abstract: a resource missing a hook that one of its actions calls cannot
# be instantiated (a TypeError naming it on the first request and in the tests), never a 500
# half-way. Each mixin is an ABC, so that the hooks it declares count in the viewset. The
# mixins have no docstrings: drf-spectacular would describe the operations with them.


class ListMixin(metaclass=ABCMeta):
    # ``GET prefix``: a page of the filtered rows.

    @abstractmethod
    def get_queryset(self):
        """The store's rows, ordered (a selector)."""

    def list(self, request, **kwargs):
        return self.respond_page(
            self.filter_queryset(self.get_queryset()),
            self.output_serializer,
            prepare=self.prepare_page,
        )


class RetrieveMixin(metaclass=ABCMeta):
    # ``GET prefix/<lookup>``.

    @abstractmethod
    def get_object(self):
        """The row named by the path, in the store, or NotFound (a selector)."""

    def retrieve(self, request, **kwargs):
        return self.respond(self.serialize(self.output_serializer, self.get_object()))


class CreateMixin(metaclass=ABCMeta):
    # ``POST prefix``: 201 with the created row.

    @abstractmethod
    def perform_create(self, data):
        """Create the row from the validated body (a service); returns it."""

    def create(self, request, **kwargs):
        data = self.validate(self.input_serializer)
        created = self.present(self.perform_create(data))
        return self.respond(
            self.serialize(self.output_serializer, created),
            status=http.HTTP_201_CREATED,
        )


class UpdateMixin(metaclass=ABCMeta):
    # ``PATCH prefix/<lookup>``: the body validated partially (``partial_body``).

    #: Validate a PATCH body partially (only the fields sent); False: as a whole.
    partial_body = True

    @abstractmethod
    def get_object(self):
        """The row named by the path, in the store, or NotFound (a selector)."""

    @abstractmethod
    def perform_update(self, instance, data):
        """Change the row with the validated body (a service); returns it."""

    def update_context(self, instance) -> dict:
        """Extra serializer context when validating a PATCH body."""
        return {}

    def partial_update(self, request, **kwargs):
        found = self.get_object_for_write()
        data = self.validate(
            self.input_serializer,
            partial=self.partial_body,
            **self.update_context(found),
        )
        updated = self.present(self.perform_update(found, data))
        return self.respond(self.serialize(self.output_serializer, updated))


class DestroyMixin(metaclass=ABCMeta):
    # ``DELETE prefix/<lookup>``: 204.

    @abstractmethod
    def get_object(self):
        """The row named by the path, in the store, or NotFound (a selector)."""

    @abstractmethod
    def perform_destroy(self, instance) -> None:
        """Delete (or archive) the row (a service)."""

    def destroy(self, request, **kwargs):
        self.perform_destroy(self.get_object_for_write())
        return self.no_content()


class PrivateGenericViewSet(ViewSetMixin, PrivateApi, metaclass=ABCMeta):
    # The conventions of a resource viewset, without actions (DRF's ``GenericViewSet``).
    # drf-spectacular describes an operation by the first docstring up the view's classes:
    # PrivateApi's, as for every private view. A resource documents itself in comments (or
    # in ``resource_schema(list_description=..., detail_description=...)``).
    __doc__ = PrivateApi.__doc__

    #: Limits per method of the list route and of the detail route (``rate_limits`` is the
    #: route's own, as a separate view's would be; each route and method counts apart).
    #: A detail ``@action``'s methods count on the detail route's limits.
    list_rate_limits: dict[str, str] = {"GET": "240/m", "POST": "120/m"}
    detail_rate_limits: dict[str, str] = {
        "GET": "240/m",
        "PATCH": "120/m",
        "DELETE": "60/m",
    }
    #: ``Model.objects.none()``: the model for the FilterSet and the schema (never queried).
    queryset = None
    #: The answer's serializer and the body's (validated partially on PATCH).
    output_serializer = None
    input_serializer = None
    #: The path parameter of the detail route and its converter (``core/converters.py``).
    lookup_url_kwarg = "pk"
    lookup_value_converter = "str"
    #: Extra error statuses to document, by action (``{"retrieve": (409,)}``).
    action_error_statuses: dict[str, tuple[int, ...]] = {}

    @property
    def rate_limits(self) -> dict[str, str]:
        return self.detail_rate_limits if self.detail else self.list_rate_limits

    @property
    def error_statuses(self) -> tuple[int, ...]:
        return self.action_error_statuses.get(getattr(self, "action", None), ())

    @property
    def lookup(self) -> str:
        return self.kwargs[self.lookup_url_kwarg]

    def get_object_for_write(self):
        """The row an update or delete changes (a lighter read than ``get_object``)."""
        return self.get_object()

    def present(self, instance):
        """The object the answer serializes after a write."""
        return instance

    def prepare_page(self, items) -> None:
        """Attach per-page data (aggregates) to a page's objects."""


class PrivateViewSet(
    ListMixin,
    CreateMixin,
    RetrieveMixin,
    UpdateMixin,
    DestroyMixin,
    PrivateGenericViewSet,
):
    __doc__ = PrivateApi.__doc__


#: The actions ``resource_schema`` documents (those of them the viewset has).
ACTIONS = ("list", "create", "retrieve", "partial_update", "destroy")


def resource_schema(
    singular: str,
    plural: str,
    noun: str,
    *,
    plural_noun: str | None = None,
    list_description: str | None = None,
    detail_description: str | None = None,
    **overrides: dict,
):
    """Document a resource viewset's operations: ids (``discounts_list``,
    ``discount_get``...), summaries ("List discounts", "Get a discount"...), descriptions of
    the list and detail routes, and bodies from its serializers (list filters come from
    its FilterSet). Only the actions the viewset has are documented; ``overrides`` change an
    action's arguments (``destroy={"operation_id": "product_archive", "summary": ...}``)."""
    article = "an" if noun[0] in "aeiou" else "a"
    on_list = {"description": list_description}
    on_detail = {"description": detail_description}

    def decorate(viewset):
        output, body = viewset.output_serializer, viewset.input_serializer

        def documented(action: str) -> dict:
            if action == "list":
                return {
                    **on_list,
                    "operation_id": f"{plural}_list",
                    "summary": f"List {plural_noun or noun + 's'}",
                    "parameters": page_params(),
                    "responses": page_envelope(output),
                }
            if action == "create":
                return {
                    **on_list,
                    "operation_id": f"{singular}_create",
                    "summary": f"Create {article} {noun}",
                    "request": body,
                    "responses": {201: envelope(output)},
                }
            if action == "retrieve":
                return {
                    **on_detail,
                    "operation_id": f"{singular}_get",
                    "summary": f"Get {article} {noun}",
                    "responses": envelope(output),
                }
            if action == "partial_update":
                return {
                    **on_detail,
                    "operation_id": f"{singular}_update",
                    "summary": f"Update {article} {noun}",
                    "request": body(partial=True) if viewset.partial_body else body,
                    "responses": envelope(output),
                }
            return {
                **on_detail,
                "operation_id": f"{singular}_delete",
                "summary": f"Delete {article} {noun}",
                "request": None,
                "responses": {204: None},
            }

        unknown = set(overrides) - set(ACTIONS)
        if unknown:
            raise TypeError(f"resource_schema: no action named {sorted(unknown)}")
        return extend_schema_view(
            **{
                action: extend_schema(
                    **{**documented(action), **overrides.get(action, {})}
                )
                for action in ACTIONS
                if hasattr(viewset, action)
            }
        )(viewset)

    return decorate
