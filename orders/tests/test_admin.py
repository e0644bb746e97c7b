"""The orders dashboard: placed orders only, and the bank-transfer "mark paid" action."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from core import services as core_services
from orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant(shop):
    user, _ = core_services.merchant_add(
        store=shop.store, email="merchant@acme.example"
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def superuser_client():
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_placed_orders_of_my_stores_only(
    merchant, shop, other_shop, make_order
):
    mine = make_order(shop.store, reserve=False, email="buyer@example.com")
    cart = Order.objects.create(
        store=shop.store, cart_token="c", currency="GBP", email="cart@example.com"
    )
    theirs = make_order(other_shop.store, reserve=False, email="theirs@example.com")
    response = merchant.get("/admin/orders/order/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "buyer@example.com" in body
    assert "cart@example.com" not in body and "theirs@example.com" not in body
    assert merchant.get(f"/admin/orders/order/{theirs.pk}/change/").status_code == 404
    assert merchant.get(f"/admin/orders/order/{cart.pk}/change/").status_code == 404
    page = merchant.get(f"/admin/orders/order/{mine.pk}/change/")
    assert page.status_code == 200 and "£24.00" in page.content.decode()


def test_search_by_order_number_and_email(superuser_client, shop, make_order):
    a = make_order(
        shop.store, reserve=False, email="alice@example.com", order_number=1001
    )
    make_order(shop.store, reserve=False, email="bob@example.com", order_number=1002)
    body = superuser_client.get("/admin/orders/order/", {"q": "1001"}).content.decode()
    assert "alice@example.com" in body and "bob@example.com" not in body
    body = superuser_client.get("/admin/orders/order/", {"q": "bob@"}).content.decode()
    assert "bob@example.com" in body and "alice@example.com" not in body
    filtered = superuser_client.get(
        "/admin/orders/order/", {"payment_status__exact": "paid"}
    ).content.decode()
    assert "alice@example.com" not in filtered and a


def test_mark_paid_action_for_bank_transfers(merchant, shop, make_order):
    transfer = make_order(shop.store, payment_method="bank_transfer")
    card = make_order(shop.store, payment_method="pm_card_visa")
    response = merchant.post(
        "/admin/orders/order/",
        {"action": "mark_paid", "_selected_action": [transfer.pk, card.pk]},
        follow=True,
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert "Marked 1 order(s) paid." in messages
    assert any("was not placed by bank transfer" in m for m in messages)
    transfer.refresh_from_db()
    card.refresh_from_db()
    assert transfer.payment_status == "paid" and transfer.order_number == 1001
    assert card.payment_status == "pending"
    again = merchant.post(
        "/admin/orders/order/",
        {"action": "mark_paid", "_selected_action": [transfer.pk]},
        follow=True,
    )
    assert any("not awaiting payment" in str(m) for m in again.context["messages"])
