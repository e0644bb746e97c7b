"""Service entry points used by checkout and by the periodic tasks."""

from __future__ import annotations

import importlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from carts import demo, services
from carts.models import Discount, DiscountRedemption, ShippingMethod, TaxRate
from core.exceptions import NotFound, ValidationFailed
from orders.models import Order, OrderItem

from .conftest import GB_ADDRESS, TOKEN
from .factories import make_customer, make_discount, make_shipping_method


def make_order(store, n=0, mode="live"):
    return Order.objects.create(
        store=store, type="order", cart_token=f"placed-{n}", currency="GBP", mode=mode
    )


# -- discount redemption ----------------------------------------------------------------------


def test_redeem_counts_and_release_gives_back(shop):
    discount = make_discount(shop.store, usage_limit=2)
    order = make_order(shop.store)
    redemption = services.discount_redeem(
        discount=discount, order=order, email="a@example.com"
    )
    assert redemption.discount_id == discount.pk and discount.usage_count == 1
    # Redeeming the same order again changes nothing.
    assert services.discount_redeem(discount=discount, order=order).pk == redemption.pk
    assert Discount.objects.get(pk=discount.pk).usage_count == 1
    assert services.discount_release(order=order) is True
    assert Discount.objects.get(pk=discount.pk).usage_count == 0
    assert not DiscountRedemption.objects.exists()
    assert services.discount_release(order=order) is False


def test_redeem_refuses_an_exhausted_code_naming_it(shop):
    discount = make_discount(shop.store, code="ONCE", usage_limit=1)
    services.discount_redeem(discount=discount, order=make_order(shop.store, 1))
    with pytest.raises(ValidationFailed) as caught:
        services.discount_redeem(discount=discount, order=make_order(shop.store, 2))
    assert caught.value.code == "discount_exhausted"
    assert "ONCE" in caught.value.message
    assert Discount.objects.get(pk=discount.pk).usage_count == 1


def test_redeem_checks_the_per_customer_limit_by_customer_or_email(shop):
    discount = make_discount(shop.store, usage_limit_per_customer=1)
    customer = make_customer(shop.store, email="sam@example.com")
    services.discount_redeem(
        discount=discount,
        order=make_order(shop.store, 1),
        customer=customer,
        email="sam@example.com",
    )
    with pytest.raises(ValidationFailed) as caught:
        services.discount_redeem(
            discount=discount, order=make_order(shop.store, 2), email="SAM@example.com"
        )
    assert caught.value.code == "discount_already_used"
    with pytest.raises(ValidationFailed):
        services.discount_redeem(
            discount=discount, order=make_order(shop.store, 3), customer=customer
        )
    # The refused attempts did not count.
    assert Discount.objects.get(pk=discount.pk).usage_count == 1
    services.discount_redeem(
        discount=discount, order=make_order(shop.store, 4), email="other@example.com"
    )
    assert Discount.objects.get(pk=discount.pk).usage_count == 2


@pytest.mark.parametrize(
    "fields,code",
    [
        ({"active": False}, "discount_inactive"),
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, "discount_expired"),
        ({"starts_at": timezone.now() + timedelta(days=1)}, "discount_not_started"),
    ],
)
def test_redeem_refuses_codes_outside_their_window(shop, fields, code):
    discount = make_discount(shop.store, **fields)
    with pytest.raises(ValidationFailed) as caught:
        services.discount_redeem(discount=discount, order=make_order(shop.store))
    assert caught.value.code == code
    assert Discount.objects.get(pk=discount.pk).usage_count == 0


# -- checkout helpers -------------------------------------------------------------------------


def test_cart_lock_price_and_snapshot_for_checkout(public, shop, vat, candle):
    from django.db import transaction

    from .conftest import Cart

    method = make_shipping_method(shop.store, price=395)
    make_discount(shop.store)
    cart = Cart(public)
    cart.add(candle, 3)
    cart.discount("SPRING20")
    cart.checkout_data({"email": "sam@example.com", "shippingAddress": GB_ADDRESS})
    public.post("/cart/shipping-option", {"shippingOptionId": method.pk}, cart=TOKEN)
    with transaction.atomic():
        locked = services.cart_lock(store=shop.store, mode="test", cart_token=TOKEN)
        priced = services.cart_price(cart=locked)
        services.cart_snapshot(priced=priced)
    result = priced.result
    assert (result.subtotal.amount, result.discount.amount, result.shipping.amount) == (
        7200,
        1440,
        395,
    )
    assert (
        result.tax.amount == 1152 + 79
        and result.total.amount == 7200 - 1440 + 395 + 1231
    )
    row = Order.objects.get(pk=locked.pk)
    assert (
        row.subtotal_amount,
        row.discount_amount,
        row.shipping_amount,
        row.tax_amount,
        row.total_amount,
    ) == (7200, 1440, 395, 1231, 7386)
    assert row.tax_breakdown == [
        {"name": "VAT", "rate": "0.2", "amount": 1231, "jurisdiction": "GB"}
    ]
    assert row.shipping_option == {"id": method.pk, "name": method.name, "price": 395}
    assert row.discount_code == "SPRING20"
    item = OrderItem.objects.get(order=row)
    assert (
        item.unit_price_amount,
        item.subtotal_amount,
        item.discount_amount,
        item.tax_amount,
        item.product_name,
        item.sku,
    ) == (2400, 7200, 1440, 1152, "Hand-poured candle", item.variant.sku)
    with pytest.raises(NotFound):
        services.cart_lock(store=shop.store, mode="live", cart_token=TOKEN)


def test_cart_get_or_create_reuses_the_open_cart_and_makes_a_new_one_after_checkout(
    shop,
):
    first = services.cart_get_or_create(store=shop.store, mode="test", cart_token="t")
    assert (
        services.cart_get_or_create(store=shop.store, mode="test", cart_token="t").pk
        == first.pk
    )
    Order.objects.filter(pk=first.pk).update(type="order")
    second = services.cart_get_or_create(store=shop.store, mode="test", cart_token="t")
    assert second.pk != first.pk


# -- idle carts --------------------------------------------------------------------------------


def _aged_cart(store, token, days, **fields):
    cart = Order.objects.create(store=store, cart_token=token, currency="GBP", **fields)
    Order.objects.filter(pk=cart.pk).update(
        updated_at=timezone.now() - timedelta(days=days)
    )
    return cart


def test_purge_deletes_carts_idle_30_days_only(shop, candle):
    old = _aged_cart(shop.store, "old", 31)
    OrderItem.objects.create(
        order=old, product=candle, variant=candle.variants.get(), quantity=1
    )
    recent = _aged_cart(shop.store, "recent", 29)
    reserved = _aged_cart(shop.store, "reserved", 40, stock_reserved=True)
    placed = _aged_cart(shop.store, "placed", 90, type="order")
    assert services.carts_purge_idle() == 1
    assert set(Order.objects.values_list("pk", flat=True)) == {
        recent.pk,
        reserved.pk,
        placed.pk,
    }
    assert not OrderItem.objects.exists()


def test_purge_management_command_and_task(shop):
    _aged_cart(shop.store, "a", 31)
    _aged_cart(shop.store, "b", 8)
    out = StringIO()
    call_command("purge_carts", stdout=out)
    assert "Deleted 1 idle cart(s)." in out.getvalue()
    call_command("purge_carts", "--days", "7", stdout=out)
    assert not Order.objects.exists()
    _aged_cart(shop.store, "c", 45)
    from carts.tasks import purge_idle_carts

    assert purge_idle_carts.delay().get() == 1


def test_purge_is_scheduled_with_celery_beat():
    schedule = importlib.import_module("carts.schedule").BEAT_SCHEDULE
    assert schedule["carts-purge-idle-carts"]["task"] == "carts.tasks.purge_idle_carts"
    from shoprocket_site.celery import collect_beat_schedule

    assert "carts-purge-idle-carts" in collect_beat_schedule()


# -- demo -------------------------------------------------------------------------------------


def test_demo_seed_is_idempotent_and_reproduces_the_reference(shop, public, candle):
    demo.seed(store=shop.store)
    demo.seed(store=shop.store)
    assert ShippingMethod.objects.filter(store=shop.store).count() == 3
    assert TaxRate.objects.filter(store=shop.store).count() == 3
    assert Discount.objects.filter(store=shop.store, code="SPRING20").count() == 1
    from .conftest import Cart

    cart = Cart(public)
    cart.add(candle, 3)
    totals = cart.discount("SPRING20").json()["data"]["totals"]
    assert totals["total"]["amount"] == 6912
