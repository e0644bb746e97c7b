"""Order emails: what they say, built from the order; sent by the tasks in ``orders/tasks.py``."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from core.addresses import address_dict
from core.emails import email_locale, email_send, money_text
from core.locales import django_language
from core.models import StoreMembership
from core.money import normalize_locale

from .gateways.base import absolute_url
from .models import Fulfillment, Order, OrderEvent, Refund


def _country_name(code: str, locale: str) -> str:
    try:
        return Locale.parse(locale).territories.get(code, code)
    except (ValueError, TypeError, UnknownLocaleError):
        return code


def address_lines(value, *, locale: str = "en") -> list[str]:
    """An address snapshot as the lines of a postal address."""
    address = address_dict(value)
    if not address:
        return []
    name = " ".join(filter(None, [address["first_name"], address["last_name"]]))
    city_line = " ".join(
        filter(None, [address["city"], address["state"], address["postcode"]])
    )
    country = (
        _country_name(address["country_code"], locale)
        if address["country_code"]
        else ""
    )
    lines = [
        name,
        address["company"],
        address["line1"],
        address["line2"],
        city_line,
        country,
        address["phone"],
    ]
    return [line for line in lines if line]


def order_email_context(order: Order, *, locale: str | None = None) -> dict:
    """Lines, totals and addresses, in ``locale`` (the order's, for the customer's emails)
    when the store supports it, else the store's default locale."""
    language = email_locale(order.store, locale)
    with translation.override(django_language(language)):
        return _order_email_context(order, language)


def _order_email_context(order: Order, language: str) -> dict:
    store = order.store
    babel_locale = normalize_locale(language) or store.locale

    def money(amount: int) -> str:
        return money_text(amount, order.currency, store, babel_locale)

    lines = [
        {
            "name": item.product_name,
            "variant": item.variant_name,
            "sku": item.sku,
            "quantity": item.quantity,
            "price": money(item.unit_price_amount),
            "subtotal": money(item.subtotal_amount),
            # A bundle line: what one bundle contains, "2 x Candle, 1 x Holder".
            "includes": ", ".join(
                f"{c['quantity']} x {c['product_name']}"
                + (f" ({c['variant_name']})" if c.get("variant_name") else "")
                for c in item.bundle_components or ()
            ),
        }
        for item in order.items.all()
    ]
    totals = [(_("Subtotal"), money(order.subtotal_amount))]
    if order.discount_amount:
        label = (
            _("Discount (%(code)s)") % {"code": order.discount_code}
            if order.discount_code
            else _("Discount")
        )
        totals.append((label, f"-{money(order.discount_amount)}"))
    totals.append((_("Shipping"), money(order.shipping_amount)))
    totals.append(
        (
            _("Tax (included)") if order.tax_inclusive else _("Tax"),
            money(order.tax_amount),
        )
    )
    shipping = address_lines(order.shipping_address, locale=babel_locale)
    billing = address_lines(order.billing_address, locale=babel_locale)
    return {
        "order": order,
        "order_number": order.order_number or order.id,
        "lines": lines,
        "totals": totals,
        "total": money(order.total_amount),
        "shipping_address": shipping,
        "billing_address": billing if billing != shipping else [],
        "billing_same_as_shipping": bool(billing) and billing == shipping,
        "shipping_option": (order.shipping_option or {}).get("name", ""),
        "customer_email": order.email,
        "customer_notes": order.notes,
        "payment_method": order.payment_method,
    }


def store_recipients(store) -> list[str]:
    """Who gets the store's order notifications: its notification email, else its owners."""
    if store.notification_email:
        return [store.notification_email]
    owners = StoreMembership.objects.filter(
        store=store, role=StoreMembership.Role.OWNER
    )
    return sorted({m.user.email for m in owners.select_related("user") if m.user.email})


def _order(order_id: str) -> Order:
    return (
        Order.objects.select_related("store").prefetch_related("items").get(pk=order_id)
    )


def order_confirmation_send(*, order_id: str) -> int:
    """Send the order confirmation to the customer; returns how many messages were sent."""
    order = _order(order_id)
    if not order.email:
        return 0
    return email_send(
        store=order.store,
        to=order.email,
        template="order_confirmation",
        context=order_email_context(order, locale=order.locale),
        locale=order.locale,
    )


def new_order_send(*, order_id: str) -> int:
    """Tell the store about a paid order, with a link to it in the dashboard."""
    order = _order(order_id)
    context = order_email_context(order)
    context["dashboard_url"] = absolute_url(
        reverse("admin:orders_order_change", args=[order.pk])
    )
    return email_send(
        store=order.store,
        to=store_recipients(order.store),
        template="new_order",
        context=context,
        reply_to=[order.email] if order.email else None,
    )


# -- order operations: fulfilment, refund and cancellation ---------------------------------------


def fulfillment_send(*, fulfillment_id: str) -> int:
    """Tell the customer what shipped, with the carrier, tracking number and link."""

    fulfillment = (
        Fulfillment.objects.select_related("order__store")
        .prefetch_related("lines__item")
        .get(pk=fulfillment_id)
    )
    order = fulfillment.order
    if not order.email:
        return 0
    store = order.store
    context = order_email_context(order, locale=order.locale)
    context.update(
        shipped=[
            {
                "name": line.item.product_name,
                "variant": line.item.variant_name,
                "quantity": line.quantity,
            }
            for line in fulfillment.lines.all()
        ],
        carrier=fulfillment.carrier,
        tracking_number=fulfillment.tracking_number,
        tracking_url=fulfillment.tracking_url,
        complete=order.fulfillment_status == Order.FulfillmentStatus.FULFILLED,
    )
    return email_send(
        store=store,
        to=order.email,
        template="order_fulfilled",
        context=context,
        locale=order.locale,
    )


def refund_send(*, refund_id: str) -> int:
    """Tell the customer how much was refunded (and the order's refunded total)."""

    refund = (
        Refund.objects.select_related("order__store")
        .prefetch_related("lines__item")
        .get(pk=refund_id)
    )
    order = refund.order
    if not order.email:
        return 0
    store = order.store
    context = order_email_context(order, locale=order.locale)
    money_locale = normalize_locale(email_locale(store, order.locale))
    context.update(
        refund_amount=money_text(refund.amount, refund.currency, store, money_locale),
        refunded_total=money_text(
            order.refunded_amount, order.currency, store, money_locale
        ),
        fully_refunded=order.refunded_amount >= order.total_amount,
        refunded_lines=[
            {
                "name": line.item.product_name,
                "variant": line.item.variant_name,
                "quantity": line.quantity,
            }
            for line in refund.lines.all()
        ],
    )
    return email_send(
        store=store,
        to=order.email,
        template="order_refunded",
        context=context,
        locale=order.locale,
    )


def cancellation_send(*, order_id: str) -> int:
    """Tell the customer the order is cancelled and what happened to the payment."""
    order = _order(order_id)
    if not order.email:
        return 0
    store = order.store
    context = order_email_context(order)
    context.update(
        refunded_total=(
            money_text(order.refunded_amount, order.currency, store)
            if order.refunded_amount
            else ""
        ),
        was_paid=order.paid_at is not None,
    )
    return email_send(
        store=store, to=order.email, template="order_cancelled", context=context
    )


# -- payments refunded automatically ---------------------------------------------------------------


def auto_refund_send(*, event_id: str, audience: str) -> int:
    """Tell the customer (``audience="customer"``) or the store (``"store"``) about a
    payment refunded automatically (its timeline entry: ``OrderEvent.Type.PAYMENT_REFUNDED``)."""

    event = OrderEvent.objects.select_related("order__store").get(pk=event_id)
    order, data = event.order, event.data
    store = order.store
    context = {
        "amount": money_text(data["amount"], data["currency"], store),
        "order_number": order.order_number,
        "intent_id": data.get("intent_id", ""),
        "reason": data.get("reason", ""),
        "customer_reason": data.get("customer_reason", ""),
        "customer_email": order.email,
        "dashboard_url": absolute_url(
            reverse("admin:orders_order_change", args=[order.pk])
        ),
    }
    if audience == "customer":
        return email_send(
            store=store,
            to=order.email,
            template="payment_refunded_automatically",
            context=context,
        )
    return email_send(
        store=store,
        to=store_recipients(store),
        template="store_payment_refunded_automatically",
        context=context,
        reply_to=[order.email] if order.email else None,
    )
