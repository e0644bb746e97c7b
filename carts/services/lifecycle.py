"""The cart row: created on first use (one per store, key mode and X-Cart-Token), its
currency, locked for every change, touched, and its personal data forgotten after 2 idle
hours."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.countries import country_get
from core.exceptions import Conflict, NotFound
from orders.models import Order

from .. import selectors


def cart_touch(cart: Order, *fields: str) -> None:
    cart.updated_at = timezone.now()
    Order.objects.filter(pk=cart.pk).update(
        updated_at=cart.updated_at, **{name: getattr(cart, name) for name in fields}
    )


def cart_currency_switch(cart: Order, currency: str | None) -> Order:
    """Re-price an open cart in ``currency`` (an ``X-Currency`` the store offers): the
    cart's amounts are computed from the catalogue on every read, so the switch is its
    currency alone. None or the same currency: nothing changes."""
    if currency and currency != cart.currency and cart.is_cart:
        Order.objects.filter(pk=cart.pk, type=Order.Type.CART).update(currency=currency)
        cart.currency = currency
    return cart


def cart_currency_set(
    *, store, mode: str, cart_token: str, currency: str | None
) -> None:
    """Re-price the visitor's open cart (if any) in ``currency`` (checkout with
    ``X-Currency``)."""
    if not currency:
        return
    cart = selectors.cart_find(store=store, mode=mode, cart_token=cart_token)
    if cart is not None:
        cart_currency_switch(cart, currency)


def cart_get_or_create(
    *,
    store,
    mode: str,
    cart_token: str,
    visitor_country: str = "",
    currency: str | None = None,
) -> Order:
    """The open cart of this visitor token, created empty when there is none.

    ``currency`` (the request's ``X-Currency``, already known to be offered) is a new
    cart's currency and re-prices an existing one in it; without it a new cart is in the
    store currency.

    Two concurrent first requests create one cart: the loser of the insert race (the partial
    unique constraint ``one_open_cart_per_token``) reads the winner's row.
    """
    cart = selectors.cart_find(store=store, mode=mode, cart_token=cart_token)
    if cart is not None:
        return cart_currency_switch(cart, currency)
    country = visitor_country if country_get(visitor_country or "") else store.country
    try:
        with transaction.atomic():
            cart = Order.objects.create(
                store=store,
                mode=mode,
                type=Order.Type.CART,
                cart_token=cart_token,
                currency=currency or store.currency,
                visitor_country=country,
                tax_inclusive=store.tax_inclusive,
            )
    except IntegrityError:
        cart = selectors.cart_find(store=store, mode=mode, cart_token=cart_token)
        if cart is None:
            raise
        cart_currency_switch(cart, currency)
    cart.store = store
    return cart


def cart_lock(*, store, mode: str, cart_token: str) -> Order:
    """Lock and return the visitor's open cart (a 404 when there is none).

    Call inside ``transaction.atomic()``; the row stays locked until the transaction ends.
    """
    cart = (
        Order.objects.select_for_update(of=("self",))
        .select_related("discount", "shipping_method")
        .filter(store=store, mode=mode, cart_token=cart_token, type=Order.Type.CART)
        .first()
    )
    if cart is None:
        raise NotFound("Cart not found.")
    cart.store = store
    return cart


def cart_relock(cart: Order) -> Order:
    """Lock ``cart`` for a mutation and return a fresh copy of it.

    Personal data of an idle cart is cleared first, so the mutation (which makes the cart
    active again) cannot bring it back.
    """
    locked = (
        Order.objects.select_for_update(of=("self",))
        .select_related("discount", "shipping_method")
        .filter(pk=cart.pk, type=Order.Type.CART)
        .first()
    )
    if locked is None:
        raise Conflict("This cart has already been checked out.", code="cart_closed")
    locked.store = cart.store
    expire_personal_data(locked, now=timezone.now(), persist=True)
    return locked


#: Email, addresses, notes and the shipping choice are dropped after this much inactivity.
PERSONAL_DATA_TTL = timedelta(hours=2)


def expire_personal_data(cart: Order, *, now: datetime, persist: bool) -> None:
    """Forget email, addresses, notes and the shipping choice of a cart idle over 2 hours.

    ``updated_at`` is left alone: the cart stays as idle as it was.
    """
    if cart.updated_at is None or now - cart.updated_at <= PERSONAL_DATA_TTL:
        return
    if not (
        cart.email
        or cart.shipping_address
        or cart.billing_address
        or cart.notes
        or cart.shipping_method_id
    ):
        return
    cleared = {
        "email": "",
        "shipping_address": None,
        "billing_address": None,
        "same_as_shipping": True,
        "notes": "",
        "shipping_method": None,
        "shipping_option": None,
    }
    idle_since = cart.updated_at
    for name, value in cleared.items():
        setattr(cart, name, value)
    if persist:
        # Conditional: a mutation that slipped in meanwhile makes the cart active again.
        Order.objects.filter(pk=cart.pk, updated_at=idle_since).update(**cleared)
