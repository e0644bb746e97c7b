"""The resource base viewset's hooks are abstract: a resource that misses one fails when it
is built (a TypeError naming the hook), never half-way through a request."""

from __future__ import annotations

import pytest

from carts.api.private import DiscountViewSet
from core.api.viewsets import PrivateViewSet
from webhooks.api.private import WebhookViewSet


def test_a_resource_missing_a_hook_cannot_be_built():
    class Incomplete(PrivateViewSet):
        def get_queryset(self):
            return []

        def get_object(self):
            return None

    with pytest.raises(TypeError, match="perform_create"):
        Incomplete()


@pytest.mark.parametrize("viewset", [DiscountViewSet, WebhookViewSet])
def test_every_resource_fills_every_hook(viewset):
    assert viewset.__abstractmethods__ == frozenset()
    viewset()
