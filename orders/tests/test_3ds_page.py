"""The offline gateway's 3-D Secure test page, through the Django test client."""

import pytest
from django.core import mail
from django.db import connection
from django.test import Client, TestCase

from catalog.models import InventoryAdjustment, Variant
from orders import services
from orders.gateways import OfflineGateway, payment_idempotency_key
from orders.models import OfflinePaymentIntent
from webhooks.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def awaiting(shop, make_order):
    """An order whose offline payment requires 3-D Secure, as checkout leaves it."""
    shop.store.notification_email = "orders@acme.example"
    shop.store.save()
    order = make_order(
        shop.store, return_url="https://shop.example/thanks?from=checkout"
    )
    result = OfflineGateway().payment_create(
        order=order,
        amount=order.total_amount,
        currency=order.currency,
        payment_method="pm_card_authenticationRequired",
        idempotency_key=payment_idempotency_key(order=order),
        return_url=order.return_url,
    )
    return services.order_payment_record(order=order, result=result)


def page(order) -> str:
    return f"/payments/test-3ds/{order.payment_intent_id}"


def submit(order, action):
    with TestCase.captureOnCommitCallbacks(using=connection.alias, execute=True):
        return Client().post(page(order), {"action": action})


def test_the_page_shows_the_payment_and_both_choices(awaiting):
    response = Client().get(page(awaiting))
    assert response.status_code == 200
    body = response.content.decode()
    assert "£48.00" in body and "Acme Candles" in body and "TEST MODE" in body
    assert 'value="approve"' in body and 'value="fail"' in body
    assert awaiting.next_action_url.endswith(page(awaiting))


def test_approving_pays_the_order_and_returns_to_the_shop(awaiting, public):
    response = submit(awaiting, "approve")
    assert response.status_code == 302
    assert (
        response["Location"]
        == f"https://shop.example/thanks?from=checkout&order={awaiting.id}"
    )
    awaiting.refresh_from_db()
    assert (
        awaiting.payment_status == "paid"
        and awaiting.payment_intent_status == "succeeded"
    )
    assert awaiting.order_number == 1001 and awaiting.paid_at is not None
    assert Event.objects.filter(type="order.paid").count() == 1
    assert len(mail.outbox) == 2
    status = public.get(f"/orders/{awaiting.id}/status", cart="visitor-token").json()[
        "data"
    ]
    assert status["paymentStatus"] == "succeeded"
    # A second click changes nothing and still returns to the shop.
    again = submit(awaiting, "approve")
    assert again.status_code == 302
    assert (
        Event.objects.filter(type="order.paid").count() == 1 and len(mail.outbox) == 2
    )
    assert (
        "nothing left to authenticate" in Client().get(page(awaiting)).content.decode()
    )


def test_failing_fails_the_order_and_releases_its_stock(awaiting, public):
    variant = awaiting.items.get().variant
    assert Variant.objects.get(pk=variant.pk).available_stock("test") == 8
    response = submit(awaiting, "fail")
    assert response.status_code == 302
    assert response["Location"].endswith(f"order={awaiting.id}")
    awaiting.refresh_from_db()
    assert awaiting.payment_status == "failed" and not awaiting.stock_reserved
    assert Variant.objects.get(pk=variant.pk).available_stock("test") == 10
    assert (
        InventoryAdjustment.objects.filter(
            source="release", reference=awaiting.id
        ).count()
        == 1
    )
    assert (
        OfflinePaymentIntent.objects.get(pk=awaiting.payment_intent_id).status
        == "requires_payment_method"
    )
    status = public.get(f"/orders/{awaiting.id}/status", cart="visitor-token").json()[
        "data"
    ]
    assert status["paymentStatus"] == "failed"
    assert mail.outbox == []
    # Approving after failing is refused by the intent's state: still failed.
    submit(awaiting, "approve")
    awaiting.refresh_from_db()
    assert awaiting.payment_status == "failed"


def test_without_a_return_url_the_shopper_lands_on_the_complete_page(shop, make_order):
    order = make_order(shop.store)
    result = OfflineGateway().payment_create(
        order=order,
        amount=order.total_amount,
        currency="GBP",
        payment_method="pm_card_authenticationRequired",
        idempotency_key="k1",
    )
    services.order_payment_record(order=order, result=result)
    response = submit(order, "approve")
    assert (
        response["Location"]
        == f"http://127.0.0.1:8000/payments/complete?order={order.id}"
    )
    landing = Client().get(f"/payments/complete?order={order.id}")
    assert landing.status_code == 200 and order.id in landing.content.decode()


def test_unknown_intents_and_actions(awaiting):
    assert Client().get("/payments/test-3ds/pi_test_nope").status_code == 404
    response = Client().post(page(awaiting), {"action": "maybe"})
    assert response.status_code == 400
    awaiting.refresh_from_db()
    assert awaiting.payment_status == "pending"


def test_a_second_approval_does_not_touch_the_paid_order(awaiting):
    submit(awaiting, "approve")
    awaiting.refresh_from_db()
    updated_at = awaiting.updated_at
    submit(awaiting, "approve")
    awaiting.refresh_from_db()
    assert awaiting.updated_at == updated_at
