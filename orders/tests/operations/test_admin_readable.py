"""The order page reads like a shop's: addresses as labels, shipping as name and price, local
times of the store, statuses as badges."""

from datetime import UTC, datetime

import pytest

from orders.models import Order

pytestmark = pytest.mark.django_db


def test_order_page_is_readable(merchant, shop, paid_order):
    shop.store.timezone = "America/New_York"
    shop.store.save(update_fields=["timezone"])
    Order.objects.filter(pk=paid_order.pk).update(
        shipping_option={"id": "shp_x", "name": "Royal Mail Tracked 48", "price": 395},
        shipping_address={
            "first_name": "Ada",
            "last_name": "Lovelace",
            "line1": "1 Main St",
            "city": "Springfield",
            "state": "CA",
            "postcode": "94103",
            "country_code": "US",
        },
        placed_at=datetime(2026, 12, 3, 8, 7, 49, tzinfo=UTC),
    )
    body = merchant.get(f"/admin/orders/order/{paid_order.pk}/change/").content.decode()
    assert "Royal Mail Tracked 48 · £3.95" in body
    assert (
        "Ada Lovelace<br>1 Main St<br>Springfield California 94103<br>United States"
        in body
    )
    assert "first_name" not in body
    # 08:07 UTC is 03:07 in New York.
    assert "Dec. 3, 2026, 3:07 a.m." in body
    assert "+00:00" not in body
    assert 'class="status-badge status-paid"' in body

    listing = merchant.get("/admin/orders/order/").content.decode()
    assert 'class="status-badge status-paid"' in listing


@pytest.mark.parametrize(
    "term",
    ["#1001", "1001", "sam@example.com", "Sam Buyer", "buyer", "{sku}", "JD-TRACK-1"],
)
def test_orders_found_by_number_email_name_sku_and_tracking(
    merchant, shop, private, paid_order, make_paid_order, term
):
    other = make_paid_order(
        shop.store,
        email="someone@else.test",
        shipping_address={
            "first_name": "Kim",
            "last_name": "Other",
            "line1": "1 Road",
            "city": "Leeds",
            "postcode": "LS1 1AA",
            "country_code": "GB",
        },
    )
    private.post(f"/orders/{paid_order.pk}/fulfill", {"trackingNumber": "JD-TRACK-1"})
    sku = paid_order.items.first().sku
    response = merchant.get("/admin/orders/order/", {"q": term.format(sku=sku)})
    found = [o.pk for o in response.context["cl"].result_list]
    assert found == [paid_order.pk], (term, found, other.pk)
