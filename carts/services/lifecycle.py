"""The cart row: created on first use (one per store, key mode and X-Cart-Token), its
currency, and locked for every change (:func:`cart_write_lock`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.countries import country_get
from core.exceptions import Conflict, NotFound
from orders.models import Order

from .. import selectors
from .corrections import personal_data_expire


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


def _locked(**lookup) -> Order | None:
    return (
        selectors.carts_with_customer(Order.objects.select_for_update(of=("self",)))
        .filter(type=Order.Type.CART, **lookup)
        .first()
    )


def cart_lock(*, store, mode: str, cart_token: str) -> Order:
    """Lock and return the visitor's open cart (a 404 when there is none).

    Call inside ``transaction.atomic()``; the row stays locked until the transaction ends.
    """
    cart = _locked(store=store, mode=mode, cart_token=cart_token)
    if cart is None:
        raise NotFound("Cart not found.")
    cart.store = store
    return cart


@dataclass(frozen=True)
class CartKey:
    """The visitor's cart as a request names it: created on first use by the write."""

    store: object
    mode: str
    cart_token: str
    visitor_country: str = ""
    #: The request's ``X-Currency`` (already known to be offered), or None.
    currency: str | None = None


def cart_write_lock(cart: Order | CartKey) -> Order:
    """Lock the cart for a change (inside ``transaction.atomic()``) and return it fresh.

    A :class:`CartKey` names the visitor's cart, created when new (as ``GET /cart``
    does) and switched to the request's currency; an ``Order`` is locked again (a 409
    ``cart_closed`` when it was checked out meanwhile). In memory, personal data of a
    cart idle over 2 hours is forgotten first, so the change (which makes the cart active
    again, ``updated_at``) cannot bring it back; :func:`.snapshot.cart_write_save` writes
    the row.
    """
    if isinstance(cart, CartKey):
        key = cart
        lookup = {"store": key.store, "mode": key.mode, "cart_token": key.cart_token}
        locked = _locked(**lookup)
        if locked is None:
            cart_get_or_create(
                store=key.store,
                mode=key.mode,
                cart_token=key.cart_token,
                visitor_country=key.visitor_country,
                currency=key.currency,
            )
            locked = _locked(**lookup)
        if key.currency and key.currency != locked.currency:
            locked.currency = key.currency
        locked.store = key.store
    else:
        locked = _locked(pk=cart.pk)
        if locked is None:
            raise Conflict(
                "This cart has already been checked out.", code="cart_closed"
            )
        locked.store = cart.store
    now = timezone.now()
    personal_data_expire(locked, now)
    locked.updated_at = now
    return locked
