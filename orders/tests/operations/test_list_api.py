"""GET /orders: the key's store and mode, newest first, filters, search, pages, query budget."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import Order

pytestmark = pytest.mark.django_db


def make(
    store, *, mode="test", email="sam@example.com", created=None, **fields
) -> Order:
    order = Order.objects.create(
        store=store,
        mode=mode,
        type=Order.Type.ORDER,
        cart_token="t",
        currency=store.currency,
        email=email,
        total_amount=fields.pop("total_amount", 1000),
        **fields,
    )
    if created is not None:
        Order.objects.filter(pk=order.pk).update(created_at=created)
        order.created_at = created
    return order


def ids(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["data"]]


def test_lists_placed_orders_of_the_keys_store_and_mode_newest_first(
    private, shop, other_shop, api_client_for
):
    now = timezone.now()
    old = make(shop.store, created=now - timedelta(days=2), order_number=1001)
    new = make(shop.store, created=now - timedelta(days=1), order_number=1002)
    Order.objects.create(store=shop.store, cart_token="cart", currency="GBP")  # a cart
    live = make(shop.store, mode="live", email="live@example.com")
    theirs = make(other_shop.store)
    response = private.get("/orders")
    assert ids(response) == [new.pk, old.pk]
    row = response.json()["data"][0]
    assert row == {
        "id": new.pk,
        "orderNumber": "1002",
        "paymentStatus": "pending",
        "fulfillmentStatus": "unfulfilled",
        "currency": "GBP",
        "totals": {"total": {"amount": 1000, "currency": "GBP", "formatted": "£10.00"}},
        "customerEmail": "sam@example.com",
        "createdAt": row["createdAt"],
    }
    assert response.json()["meta"] == {
        "currentPage": 1,
        "perPage": 20,
        "total": 2,
        "lastPage": 1,
    }
    live_client = api_client_for("private", shop.live_sk)
    assert ids(live_client.get("/orders")) == [live.pk]
    assert ids(api_client_for("private", other_shop.sk).get("/orders")) == [theirs.pk]
    # The store-scoped path works too; another store's id in it is a 404.
    assert ids(private.get(f"/stores/{shop.store.pk}/orders")) == [new.pk, old.pk]
    assert private.get(f"/stores/{other_shop.store.pk}/orders").status_code == 404


def test_status_buckets_partition_every_order(private, shop):
    P, F = Order.PaymentStatus, Order.FulfillmentStatus
    orders = {
        "pending": make(shop.store, payment_status=P.PENDING),
        "paid": make(shop.store, payment_status=P.PAID),
        "paid_partial_ship": make(
            shop.store, payment_status=P.PAID, fulfillment_status=F.PARTIAL
        ),
        "part_refunded": make(shop.store, payment_status=P.PARTIALLY_REFUNDED),
        "fulfilled": make(
            shop.store, payment_status=P.PAID, fulfillment_status=F.FULFILLED
        ),
        "fulfilled_part_refunded": make(
            shop.store,
            payment_status=P.PARTIALLY_REFUNDED,
            fulfillment_status=F.FULFILLED,
        ),
        "refunded": make(shop.store, payment_status=P.REFUNDED),
        "refunded_after_shipping": make(
            shop.store, payment_status=P.REFUNDED, fulfillment_status=F.FULFILLED
        ),
        "cancelled": make(shop.store, payment_status=P.CANCELLED),
        "failed": make(shop.store, payment_status=P.FAILED),
    }
    expected = {
        "pending": {"pending"},
        "paid": {"paid", "paid_partial_ship", "part_refunded"},
        "fulfilled": {"fulfilled", "fulfilled_part_refunded"},
        "refunded": {"refunded", "refunded_after_shipping"},
        "cancelled": {"cancelled"},
        "failed": {"failed"},
    }
    seen = []
    for status, names in expected.items():
        found = set(ids(private.get("/orders", query={"status": status})))
        assert found == {orders[name].pk for name in names}, status
        seen.extend(found)
    assert sorted(seen) == sorted(o.pk for o in orders.values())


def test_customer_dates_and_search_filters(private, shop, make_customer):
    now = timezone.now()
    customer = make_customer(shop.store, email="alice@example.com")
    a = make(
        shop.store,
        customer=customer,
        email="alice@example.com",
        order_number=1024,
        created=now - timedelta(days=10),
    )
    b = make(
        shop.store,
        email="bob@shop.example",
        order_number=1025,
        created=now - timedelta(days=5),
    )
    c = make(
        shop.store,
        email="carol@example.com",
        order_number=1026,
        created=now - timedelta(days=1),
    )
    assert ids(private.get("/orders", query={"customerId": customer.pk})) == [a.pk]
    assert ids(private.get("/orders", query={"customerId": "cust_nope"})) == []
    after = (now - timedelta(days=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    before = (now - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(private.get("/orders", query={"createdAfter": after})) == [c.pk, b.pk]
    assert ids(private.get("/orders", query={"createdBefore": before})) == [b.pk, a.pk]
    assert ids(
        private.get("/orders", query={"createdAfter": after, "createdBefore": before})
    ) == [b.pk]
    assert ids(private.get("/orders", query={"q": "1025"})) == [b.pk]
    assert ids(private.get("/orders", query={"q": "#1026"})) == [c.pk]
    assert ids(private.get("/orders", query={"q": "SHOP.EXAMPLE"})) == [b.pk]
    assert ids(private.get("/orders", query={"q": a.pk})) == [a.pk]
    assert ids(
        private.get("/orders", query={"q": "example.com", "status": "pending"})
    ) == [
        c.pk,
        a.pk,
    ]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"status": "shipped"}, "status"),
        ({"createdAfter": "yesterday"}, "createdAfter"),
        ({"createdBefore": "2026-13-01"}, "createdBefore"),
        ({"perPage": 101}, "perPage"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_filters_are_422_naming_the_parameter(private, query, field):
    response = private.get("/orders", query=query)
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]


def test_pagination(private, shop):
    now = timezone.now()
    made = [make(shop.store, created=now - timedelta(minutes=i)) for i in range(5)]
    response = private.get("/orders", query={"perPage": 2, "page": 2})
    assert ids(response) == [made[2].pk, made[3].pk]
    assert response.json()["meta"] == {
        "currentPage": 2,
        "perPage": 2,
        "total": 5,
        "lastPage": 3,
    }


def _list_queries(private) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = private.get(
            "/orders", query={"perPage": 100, "status": "paid", "q": "example"}
        )
    assert response.status_code == 200
    return len(queries), len(response.json()["data"])


def test_a_page_costs_the_same_queries_for_1_or_100_orders(
    private, shop, make_customer
):
    customer = make_customer(shop.store)
    make(shop.store, payment_status="paid", customer=customer)
    one, count = _list_queries(private)
    assert count == 1
    Order.objects.bulk_create(
        [
            Order(
                store=shop.store,
                mode="test",
                type="order",
                cart_token=f"t{i}",
                currency="GBP",
                email=f"b{i}@example.com",
                payment_status="paid",
                customer=customer,
                total_amount=100 + i,
                order_number=2000 + i,
            )
            for i in range(99)
        ]
    )
    hundred, count = _list_queries(private)
    assert count == 100
    assert hundred == one
    assert one <= 8
