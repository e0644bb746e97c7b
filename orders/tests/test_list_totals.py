"""The private order list's total comes from the cache while no placed order was written
(``orders.totals``), and is always the exact count: a new order, a status change, an order
turned back into a cart and a new orders version each show at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order
from orders.totals import orders_version_bump

pytestmark = pytest.mark.django_db


def _total(private, **query) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = private.get("/orders", query={"perPage": 1, **query})
    assert response.status_code == 200, response.json()
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    return response.json()["meta"]["total"], len(counts)


def _place(store, django_capture_on_commit_callbacks, **fields) -> Order:
    with django_capture_on_commit_callbacks(execute=True):
        return Order.objects.create(
            store=store,
            mode="test",
            type=Order.Type.ORDER,
            cart_token=f"t{Order.objects.count()}",
            currency=store.currency,
            email="sam@example.com",
            **fields,
        )


def test_totals_are_cached_until_a_placed_order_is_written(
    private, shop, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    first = _place(shop.store, capture)
    _place(shop.store, capture, payment_status=Order.PaymentStatus.PAID)
    assert _total(private) == (2, 1)
    assert _total(private) == (2, 0)  # from the cache
    assert _total(private, status="paid") == (1, 1)
    assert _total(private, status="paid") == (1, 0)

    third = _place(shop.store, capture)  # a new order
    assert _total(private) == (3, 1)
    assert _total(private, status="paid") == (1, 1)

    with capture(execute=True):  # paid: a status change by save()
        third.payment_status = Order.PaymentStatus.PAID
        third.save(update_fields=["payment_status", "updated_at"])
    assert _total(private, status="paid") == (2, 1)
    assert _total(private) == (3, 1)

    with capture(execute=True):  # a cart written: placed orders unchanged
        Order.objects.create(store=shop.store, cart_token="cart", currency="GBP")
    assert _total(private) == (3, 0)

    with capture(execute=True):  # by hand, as checkout's cart restore does
        Order.objects.filter(pk=first.pk).update(type=Order.Type.CART)
        orders_version_bump(shop.store.pk, "test")
    assert _total(private) == (2, 1)


def test_search_and_customer_filters_always_count(
    private, shop, django_capture_on_commit_callbacks
):
    _place(shop.store, django_capture_on_commit_callbacks, order_number=1001)
    for _ in range(2):
        assert _total(private, q="1001") == (1, 1)
        assert _total(private, customerId="cust_none") == (0, 1)


def test_a_write_rolled_back_keeps_the_cached_total(
    private, shop, django_capture_on_commit_callbacks
):
    from django.db import transaction

    _place(shop.store, django_capture_on_commit_callbacks)
    assert _total(private) == (1, 1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            Order.objects.create(
                store=shop.store, mode="test", type=Order.Type.ORDER, currency="GBP"
            )
            raise RuntimeError
    assert callbacks == []
    assert _total(private) == (1, 0)


def test_without_the_cache_the_list_counts(private, shop, monkeypatch):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", down)
    assert _total(private) == (0, 1)
    assert _total(private) == (0, 1)


def test_the_flat_rows_are_what_the_serializer_gives(private, shop, make_order):
    from core.api.renderers import CamelCaseJSONRenderer
    from orders.serializers import (
        ORDER_LIST_ITEM_FIELDS,
        PrivateOrderListItemSerializer,
        order_list_items,
    )

    make_order(shop.store, email="", order_number=1001)
    make_order(shop.store, payment_status=Order.PaymentStatus.PAID, reserve=False)
    euro = make_order(shop.store, reserve=False)
    Order.objects.filter(pk=euro.pk).update(currency="EUR", total_amount=123456)
    orders = list(Order.objects.filter(type=Order.Type.ORDER).order_by("created_at"))
    slim = list(
        Order.objects.filter(type=Order.Type.ORDER)
        .order_by("created_at")
        .only(*ORDER_LIST_ITEM_FIELDS)
    )
    for locale in ("en", "fr_FR"):
        context = {"locale": locale, "store": shop.store}
        expected = PrivateOrderListItemSerializer(
            orders, many=True, context=context
        ).data
        with CaptureQueriesContext(connection) as ctx:
            actual = order_list_items(slim, context)
        assert len(ctx.captured_queries) == 0  # no deferred field read
        render = CamelCaseJSONRenderer().render
        assert render(actual) == render(expected)
    assert _total(private) == (3, 1)
