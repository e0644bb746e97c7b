"""The resource base viewset's hooks are abstract: a resource that misses one fails when it
is built (a TypeError naming the hook), never half-way through a request. A resource built
from some of the action mixins needs only their hooks, and the router routes only them."""

from __future__ import annotations

import pytest
from django.urls import resolve

from carts.api.private import DiscountViewSet
from catalog.api.private import CategoryViewSet, ProductViewSet, ReviewViewSet
from core.api.viewsets import (
    ListMixin,
    PrivateGenericViewSet,
    PrivateViewSet,
    RetrieveMixin,
    resource_schema,
)
from webhooks.api.private import WebhookDeliveryViewSet, WebhookViewSet


def test_a_resource_missing_a_hook_cannot_be_built():
    class Incomplete(PrivateViewSet):
        def get_queryset(self):
            return []

        def get_object(self):
            return None

    with pytest.raises(TypeError, match="perform_create"):
        Incomplete()


def test_a_resource_needs_only_the_hooks_of_its_actions():
    class ListOnly(ListMixin, PrivateGenericViewSet):
        def get_queryset(self):
            return []

    ListOnly()

    class ReadOnly(ListMixin, RetrieveMixin, PrivateGenericViewSet):
        def get_queryset(self):
            return []

    with pytest.raises(TypeError, match="get_object"):
        ReadOnly()


@pytest.mark.parametrize("viewset", [DiscountViewSet, WebhookViewSet])
def test_every_resource_fills_every_hook(viewset):
    assert viewset.__abstractmethods__ == frozenset()
    viewset()


@pytest.mark.parametrize(
    "viewset",
    [CategoryViewSet, ProductViewSet, ReviewViewSet, WebhookDeliveryViewSet],
)
def test_every_resource_fills_the_hooks_of_its_actions(viewset):
    assert viewset.__abstractmethods__ == frozenset()
    viewset()


@pytest.mark.parametrize(
    "path, routed",
    [
        ("/reviews", {"get"}),
        ("/reviews/prev_01J9Z3K8Q4T6V0W2X5Y7A9BCDE", {"get", "patch"}),
        ("/webhooks/whk_01J9Z3K8Q4T6V0W2X5Y7A9BCDE/deliveries", {"get"}),
        (
            "/webhooks/whk_01J9Z3K8Q4T6V0W2X5Y7A9BCDE/deliveries/"
            "dlv_01J9Z3K8Q4T6V0W2X5Y7A9BCDE/retry",
            {"post"},
        ),
        ("/products", {"get", "post"}),
        ("/products/candle", {"get", "patch", "delete"}),
    ],
)
def test_the_router_routes_only_the_actions_a_resource_has(path, routed):
    actions = resolve("/v3/private" + path).func.actions
    assert set(actions) - {"head"} == routed


def test_resource_schema_refuses_an_override_of_no_action():
    with pytest.raises(TypeError, match="destory"):
        resource_schema("product", "products", "product", destory={})(ProductViewSet)
