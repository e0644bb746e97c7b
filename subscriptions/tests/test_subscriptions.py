"""Subscriptions through the API: checkout starts them, the renewal task (run with a frozen
clock moved forward) charges each period as an order, declines retry then cancel, and the
shopper and the merchant manage them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from carts.tests.factories import log_in
from catalog.models import Variant
from orders.models import OfflinePaymentIntent, Order
from subscriptions import services
from subscriptions.models import Subscription, SubscriptionRenewal
from subscriptions.periods import period_add
from webhooks.models import Event

from .conftest import START, renew

pytestmark = pytest.mark.django_db


def data(response) -> dict:
    return response.json()["data"]


def events(store, *types) -> list[str]:
    return list(
        Event.objects.filter(store=store, type__in=types)
        .order_by("created_at", "id")
        .values_list("type", flat=True)
    )


def subscribe(shopper, shop, product, card="pm_card_visa", quantity=1):
    method = shop.method if product.requires_shipping else None
    shopper.ready(product, quantity, method=method)
    response = shopper.checkout(card)
    assert response.status_code == 200, response.json()
    return data(response)


def stock(product) -> int:
    return Variant.objects.get(product=product).available_stock("test")


# -- the product ---------------------------------------------------------------------------


def test_a_subscription_product_is_written_and_read_with_its_interval(
    private, public, shop
):
    response = private.post(
        "/products",
        {
            "name": "Coffee box",
            "price": 900,
            "status": "published",
            "productType": "subscription",
            "subscription": {"interval": "month", "intervalCount": 1, "trialDays": 7},
        },
    )
    assert response.status_code == 201, response.json()
    product_id = data(response)["id"]
    assert data(response)["subscription"] == {
        "interval": "month",
        "intervalCount": 1,
        "trialDays": 7,
    }

    response = private.patch(
        f"/products/{product_id}", {"subscription": {"interval": "year"}}
    )
    assert response.status_code == 200, response.json()
    assert data(response)["subscription"] == {
        "interval": "year",
        "intervalCount": 1,
        "trialDays": 7,
    }

    shown = data(public.get(f"/products/{product_id}"))
    assert shown["productType"] == "subscription"
    assert shown["subscription"] == {
        "interval": "year",
        "intervalCount": 1,
        "trialDays": 7,
    }


def test_a_physical_product_has_no_subscription(private):
    response = private.post("/products", {"name": "Mug", "price": 900})
    assert response.status_code == 201
    assert data(response)["subscription"] is None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"productType": "subscription"}, "subscription.interval"),
        (
            {"productType": "subscription", "subscription": {"interval": "hour"}},
            "subscription.interval",
        ),
        (
            {
                "productType": "subscription",
                "subscription": {"interval": "month", "intervalCount": 0},
            },
            "subscription.intervalCount",
        ),
        (
            {
                "productType": "subscription",
                "subscription": {"interval": "month", "trialDays": -1},
            },
            "subscription.trialDays",
        ),
    ],
)
def test_bad_subscription_terms_are_a_422_naming_the_field(private, body, field):
    from catalog.models import Product

    response = private.post("/products", {"name": "Box", "price": 900, **body})

    assert response.status_code == 422, response.json()
    assert field in response.json()["error"]["fields"], response.json()
    assert not Product.objects.filter(name="Box").exists()


# -- checkout and the first period ---------------------------------------------------------


def test_checkout_charges_the_first_period_and_starts_the_subscription(
    sub_shop, shopper, clock
):
    result = subscribe(shopper, sub_shop, sub_shop.monthly, quantity=2)

    order = Order.objects.get(pk=result["orderId"])
    assert order.payment_status == Order.PaymentStatus.PAID
    # 2 x £9.00 + £3.95 shipping, plus 20% VAT.
    assert order.total_amount == (1800 + 395) * 12 // 10
    subscription = Subscription.objects.get()
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.origin_order_id == order.pk
    assert subscription.customer_id == order.customer_id
    assert subscription.quantity == 2
    assert subscription.price_amount == 900
    assert subscription.payment_method == "pm_card_visa"
    assert subscription.current_period_start == START
    # 31 January + 1 month is the last day of February.
    assert subscription.current_period_end == datetime(2026, 2, 28, 9, tzinfo=UTC)
    assert subscription.next_charge_at == subscription.current_period_end


def test_the_renewal_task_charges_each_period_as_an_order_with_its_webhook_event(
    sub_shop, shopper, clock
):
    subscribe(shopper, sub_shop, sub_shop.monthly)
    assert stock(sub_shop.monthly) == 49
    mail.outbox.clear()

    clock.travel(days=27)
    assert renew() == 0  # not due yet
    assert Order.objects.filter(type="order").count() == 1

    clock.to(datetime(2026, 2, 28, 9, 5, tzinfo=UTC))
    assert renew() == 1

    renewal = SubscriptionRenewal.objects.get()
    order = renewal.order
    assert renewal.status == SubscriptionRenewal.Status.SUCCEEDED
    assert order.payment_status == Order.PaymentStatus.PAID
    assert order.order_number == 1002
    assert order.metadata["subscription_id"] == renewal.subscription_id
    assert order.total_amount == (900 + 395) * 12 // 10  # full price, shipping, VAT
    assert order.email == "sam@example.com"
    assert order.shipping_address["city"] == "London"
    assert stock(sub_shop.monthly) == 48
    subscription = Subscription.objects.get()
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.current_period_start == datetime(2026, 2, 28, 9, tzinfo=UTC)
    assert subscription.current_period_end == datetime(2026, 3, 28, 9, tzinfo=UTC)
    assert Subscription.objects.count() == 1  # the renewal's order starts no other
    assert events(sub_shop.store, "subscription.renewed") == ["subscription.renewed"]
    payload = Event.objects.get(type="subscription.renewed").data
    assert payload["orderId"] == order.pk
    assert payload["id"] == subscription.pk
    assert payload["price"]["amount"] == 900
    # The renewal's order confirmation went out like any order's.
    assert any("sam@example.com" in m.to for m in mail.outbox)

    # The task run again for the same moment charges nothing more.
    assert renew() == 0
    assert Order.objects.filter(type="order").count() == 2
    assert OfflinePaymentIntent.objects.filter(status="succeeded").count() == 2


def test_a_trial_charges_nothing_at_checkout_then_the_price_at_its_end(
    sub_shop, shopper, clock
):
    result = subscribe(shopper, sub_shop, sub_shop.trial)

    order = Order.objects.get(pk=result["orderId"])
    assert result["status"] == "paid"
    assert order.total_amount == 0  # the trial is free (and this box is not shipped)
    assert order.payment_method == "pm_card_visa"
    assert not OfflinePaymentIntent.objects.exists()
    subscription = Subscription.objects.get()
    assert subscription.status == Subscription.Status.TRIALING
    assert subscription.trial_ends_at == START + timedelta(days=14)
    assert subscription.next_charge_at == START + timedelta(days=14)
    assert subscription.price_amount == 1200

    clock.travel(days=13)
    assert renew() == 0
    clock.travel(days=1)
    assert renew() == 1

    subscription.refresh_from_db()
    renewal_order = SubscriptionRenewal.objects.get().order
    assert renewal_order.total_amount == 1200 * 12 // 10
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.current_period_start == START + timedelta(days=14)
    # Every 2 weeks.
    assert subscription.current_period_end == START + timedelta(days=28)
    assert OfflinePaymentIntent.objects.get().status == "succeeded"


def test_a_declined_renewal_retries_after_1_3_5_days_then_cancels_with_emails(
    sub_shop, shopper, clock
):
    # The trial takes the declining test card without charging it: the first charge fails.
    subscribe(shopper, sub_shop, sub_shop.trial, card="pm_card_chargeDeclined")
    subscription = Subscription.objects.get()
    mail.outbox.clear()

    expected_next = []
    clock.travel(days=14)
    for wait in (1, 3, 5):
        assert renew() == 1
        subscription.refresh_from_db()
        assert subscription.status == Subscription.Status.PAST_DUE
        assert subscription.next_charge_at == clock.at + timedelta(days=wait)
        expected_next.append(subscription.next_charge_at)
        assert renew() == 0  # not before the retry date
        clock.travel(days=wait)
    assert renew() == 1

    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CANCELLED
    assert subscription.cancel_reason == "payment_failed"
    assert subscription.next_charge_at is None
    assert list(
        SubscriptionRenewal.objects.order_by("attempt").values_list("attempt", "status")
    ) == [(1, "failed"), (2, "failed"), (3, "failed"), (4, "failed")]
    assert (
        not Order.objects.filter(type="order", payment_status="paid")
        .exclude(pk=subscription.origin_order_id)
        .exists()
    )
    assert stock(sub_shop.trial) == 49  # declines gave the stock back
    assert events(
        sub_shop.store, "subscription.payment_failed", "subscription.cancelled"
    ) == ["subscription.payment_failed"] * 4 + ["subscription.cancelled"]
    subjects = [m.subject for m in mail.outbox if m.to == ["sam@example.com"]]
    assert subjects.count("Your Acme Candles subscription payment failed") == 3
    assert subjects.count("Your Acme Candles subscription has been cancelled") == 1

    clock.travel(days=60)
    assert renew() == 0  # cancelled: never charged again


def test_a_renewal_paid_after_declines_resets_the_retries(sub_shop, shopper, clock):
    subscribe(shopper, sub_shop, sub_shop.trial, card="pm_card_chargeDeclined")
    subscription = Subscription.objects.get()
    clock.travel(days=14)
    assert renew() == 1
    # The shopper's card works again (the saved method is what renewals charge).
    Subscription.objects.filter(pk=subscription.pk).update(
        payment_method="pm_card_visa"
    )
    clock.travel(days=1)
    assert renew() == 1

    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.failed_attempts == 0
    # The period paid is the one the trial's end began.
    assert subscription.current_period_start == START + timedelta(days=14)


def test_a_renewal_out_of_stock_fails_like_a_decline(sub_shop, shopper, clock):
    subscribe(shopper, sub_shop, sub_shop.monthly)
    Variant.objects.filter(product=sub_shop.monthly).update(stock=0)
    clock.travel(days=40)

    assert renew() == 1

    subscription = Subscription.objects.get()
    assert subscription.status == Subscription.Status.PAST_DUE
    assert "out of stock" in SubscriptionRenewal.objects.get().message


# -- the shopper ---------------------------------------------------------------------------


def test_the_shopper_lists_and_cancels_their_subscriptions(
    sub_shop, shopper, public, clock
):
    subscribe(shopper, sub_shop, sub_shop.monthly)
    subscription = Subscription.objects.get()
    log_in(sub_shop.store, subscription.customer, cart_token="account-token")

    response = public.get("/account/subscriptions", cart="account-token")
    assert response.status_code == 200, response.json()
    listed = response.json()["data"]
    assert [s["id"] for s in listed] == [subscription.pk]
    assert listed[0]["status"] == "active"
    assert listed[0]["interval"] == "month"
    assert listed[0]["price"]["formatted"] == "£9.00"
    assert response.json()["meta"]["total"] == 1

    response = public.post(
        f"/account/subscriptions/{subscription.pk}/cancel", cart="account-token"
    )
    assert response.status_code == 200, response.json()
    assert data(response)["status"] == "cancelled"
    subscription.refresh_from_db()
    assert subscription.cancel_reason == "customer"
    assert events(sub_shop.store, "subscription.cancelled") == [
        "subscription.cancelled"
    ]
    assert any(
        m.subject == "Your Acme Candles subscription has been cancelled"
        for m in mail.outbox
    )
    clock.travel(days=40)
    assert renew() == 0


def test_another_shopper_neither_sees_nor_cancels_a_subscription(
    sub_shop, shopper, public
):
    from carts.tests.factories import make_customer

    subscribe(shopper, sub_shop, sub_shop.monthly)
    subscription = Subscription.objects.get()
    other = make_customer(sub_shop.store, email="other@example.com")
    log_in(sub_shop.store, other, cart_token="other-token")

    assert public.get("/account/subscriptions", cart="other-token").json()["data"] == []
    response = public.post(
        f"/account/subscriptions/{subscription.pk}/cancel", cart="other-token"
    )
    assert response.status_code == 404
    response = public.post(
        f"/account/subscriptions/{subscription.pk}/cancel", cart="nobody-token"
    )
    assert response.status_code == 401
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE


# -- the merchant --------------------------------------------------------------------------


def test_the_merchant_lists_pauses_resumes_and_cancels(
    sub_shop, shopper, private, clock
):
    subscribe(shopper, sub_shop, sub_shop.monthly)
    subscription = Subscription.objects.get()

    response = private.get("/subscriptions", query={"status": "active"})
    assert response.status_code == 200
    assert [s["id"] for s in response.json()["data"]] == [subscription.pk]
    assert response.json()["data"][0]["paymentMethod"] == "pm_card_visa"
    assert (
        private.get("/subscriptions", query={"status": "paused"}).json()["data"] == []
    )

    response = private.post(f"/subscriptions/{subscription.pk}/pause")
    assert response.status_code == 200, response.json()
    assert data(response)["status"] == "paused"
    assert data(response)["nextChargeAt"] is None

    # Paused through the period's end: nothing is charged.
    clock.travel(days=45)
    assert renew() == 0

    response = private.post(f"/subscriptions/{subscription.pk}/resume")
    assert response.status_code == 200, response.json()
    assert data(response)["status"] == "active"
    # The lapsed period is not billed: the next one starts, and is charged, now.
    assert renew() == 1
    subscription.refresh_from_db()
    assert subscription.current_period_start == clock.at
    assert subscription.current_period_end == period_add(clock.at, interval="month")

    response = private.post(f"/subscriptions/{subscription.pk}/resume")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "subscription_not_paused"

    response = private.post(f"/subscriptions/{subscription.pk}/cancel")
    assert response.status_code == 200
    assert data(response)["status"] == "cancelled"
    assert data(response)["cancelReason"] == "merchant"
    response = private.post(f"/subscriptions/{subscription.pk}/pause")
    assert response.status_code == 409
    # Cancelling again answers it as it is, with one event.
    assert private.post(f"/subscriptions/{subscription.pk}/cancel").status_code == 200
    assert events(sub_shop.store, "subscription.cancelled") == [
        "subscription.cancelled"
    ]


def test_another_store_and_the_live_key_see_no_subscription(
    sub_shop, shopper, other_shop, api_client_for
):
    subscribe(shopper, sub_shop, sub_shop.monthly)
    subscription = Subscription.objects.get()

    other = api_client_for("private", other_shop.sk)
    assert other.get(f"/subscriptions/{subscription.pk}").status_code == 404
    assert other.post(f"/subscriptions/{subscription.pk}/cancel").status_code == 404
    assert other.get("/subscriptions").json()["data"] == []
    live = api_client_for("private", sub_shop.keys.live_sk)
    assert live.get(f"/subscriptions/{subscription.pk}").status_code == 404
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE


def test_the_renewal_is_claimed_once_per_period_and_attempt(sub_shop, shopper, clock):
    """A second run finding the renewal being worked on leaves it alone; once stale (its
    worker died), it resumes it and finds the order it placed instead of charging again."""
    subscribe(shopper, sub_shop, sub_shop.monthly)
    subscription = Subscription.objects.get()
    clock.travel(days=40)

    first = services._claim(subscription.pk)
    assert first is not None
    assert services._claim(subscription.pk) is None  # being worked on

    clock.travel(minutes=11)
    resumed = services._claim(subscription.pk)
    assert resumed is not None and resumed.pk == first.pk
    assert services.subscription_renew(subscription_id=subscription.pk) is None
    assert SubscriptionRenewal.objects.count() == 1


# -- the calendar --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, interval, count, end",
    [
        (
            datetime(2026, 1, 31, tzinfo=UTC),
            "month",
            1,
            datetime(2026, 2, 28, tzinfo=UTC),
        ),
        (
            datetime(2028, 1, 31, tzinfo=UTC),
            "month",
            1,
            datetime(2028, 2, 29, tzinfo=UTC),
        ),
        (
            datetime(2026, 11, 30, tzinfo=UTC),
            "month",
            3,
            datetime(2027, 2, 28, tzinfo=UTC),
        ),
        (
            datetime(2028, 2, 29, tzinfo=UTC),
            "year",
            1,
            datetime(2029, 2, 28, tzinfo=UTC),
        ),
        (
            datetime(2026, 1, 1, tzinfo=UTC),
            "week",
            2,
            datetime(2026, 1, 15, tzinfo=UTC),
        ),
        (
            datetime(2026, 1, 1, tzinfo=UTC),
            "day",
            30,
            datetime(2026, 1, 31, tzinfo=UTC),
        ),
    ],
)
def test_periods_follow_the_calendar(start, interval, count, end):
    assert period_add(start, interval=interval, count=count) == end


def test_a_renewal_is_charged_in_the_currency_subscribed_in(
    sub_shop, shopper, clock, private, public
):
    response = private.patch(
        "/store",
        {
            "features": {"multiCurrency": True},
            "supportedCurrencies": ["GBP", "EUR"],
            "exchangeRates": {"EUR": "1.17"},
        },
    )
    assert response.status_code == 200, response.json()
    euro = public.get("/cart", cart="subscriber-token", headers={"X-Currency": "EUR"})
    assert euro.status_code == 200, euro.json()
    first = Order.objects.get(
        pk=subscribe(shopper, sub_shop, sub_shop.monthly)["orderId"]
    )
    assert first.currency == "EUR"
    assert Subscription.objects.get().currency == "EUR"

    clock.to(datetime(2026, 2, 28, 9, 5, tzinfo=UTC))
    assert renew() == 1
    renewal = SubscriptionRenewal.objects.get().order
    assert renewal.currency == "EUR"
    assert renewal.total_amount == first.total_amount  # same line, rate and shipping
