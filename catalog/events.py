"""What the catalog tells the rest of the platform: product, stock and review events.

Payloads are the objects in their private API shape, built here and nowhere else, and
published with ``core.events.event_publish`` in the transaction of the change. ``mode`` is
always the key mode of the change (the dashboard's is live): the catalogue is shared by
both modes, its events are not.
"""

from __future__ import annotations

from core.events import event_publish

from . import selectors
from .models import Product, Review
from .serializers import PrivateProductSerializer, PrivateReviewSerializer


def product_payload(*, product_id: str, store) -> dict:
    """The private API representation of a product (webhook event data)."""
    product = selectors.product_get(store=store, ref=product_id, published_only=False)
    return dict(
        PrivateProductSerializer(product, context={"store": store, "locale": "en"}).data
    )


def review_payload(*, review: Review, store) -> dict:
    return dict(
        PrivateReviewSerializer(review, context={"store": store, "locale": "en"}).data
    )


def product_event(*, product: Product, type: str, mode: str) -> None:
    """``product.created`` / ``product.updated`` / ``product.deleted`` / ``inventory.low``."""
    event_publish(
        store=product.store,
        mode=mode,
        type=type,
        data=product_payload(product_id=product.pk, store=product.store),
    )


def products_event(*, store, product_ids: list[str], type: str, mode: str) -> None:
    """One ``type`` event per product, as :func:`product_event` records it, with the
    payloads of all read in one prefetched query (the import publishes a batch so)."""
    products = selectors.products_for_output(store=store, ids=product_ids)
    # One list serializer: its child's fields are built once, not once a product.
    payloads = PrivateProductSerializer(
        products, many=True, context={"store": store, "locale": "en"}
    ).data
    for payload in payloads:
        event_publish(store=store, mode=mode, type=type, data=dict(payload))


def review_created(*, review: Review, mode: str) -> None:
    store = review.product.store
    event_publish(
        store=store,
        mode=mode,
        type="review.created",
        data=review_payload(review=review, store=store),
    )
