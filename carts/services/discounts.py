"""Discount codes: applied to and removed from a cart, redeemed at checkout and given
back after a failed payment, test-mode uses reset, and the codes' configuration."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import Category, Product
from core.exceptions import ValidationFailed
from customers.models import Customer
from orders.models import Order

from .. import pricing, selectors
from ..models import USAGE_COUNTER, Discount, DiscountRedemption
from .corrections import Corrections, cart_correct
from .fetch import cart_info_fetch, discount_facts_fetch
from .lifecycle import CartKey, cart_write_lock
from .price import PricedCart, cart_info_price
from .rules import (
    Refusal,
    discount_refusal,
    discount_rule,
    refusal_error,
    store_settings,
)
from .snapshot import cart_write_finish, cart_write_save


def cart_discount_apply(
    *, cart: Order | CartKey, code: str, locale: str | None = None
) -> PricedCart:
    """Apply a discount code; a code that cannot be used is a 422 saying why."""
    store = cart.store
    discount = selectors.discount_get_by_code(store=store, code=code)
    if discount is None:
        message = f"The discount code {code.strip()} is not valid."
        raise ValidationFailed(
            message, code="discount_invalid", fields={"code": [message]}
        )
    with transaction.atomic():
        cart = cart_write_lock(cart)
        info = cart_info_fetch(cart=cart, now=cart.updated_at)
        corrections = cart_correct(info)
        facts = discount_facts_fetch(
            discount,
            cart=cart,
            lines=info.lines,
            customer=info.customer,
            email=cart.email,
        )
        refusal = discount_refusal(
            discount, now=info.now, mode=cart.mode, customer_uses=facts.customer_uses
        )
        if refusal is not None:
            raise refusal_error(refusal)
        rejection = pricing.discount_rejection(
            discount_rule(facts, info.conversion),
            [line.price_line() for line in info.lines],
            store_settings(store, locale, info.conversion),
        )
        if rejection is not None:
            raise ValidationFailed(
                rejection.message,
                code=rejection.code,
                fields={"code": [rejection.message]},
            )
        cart.discount = discount
        cart.discount_code = discount.code
        cart.discount_type = discount.type
        cart.discount_value = discount.value
        info.discount = facts
        # The corrections made on the way are written, but the answer is about the code.
        priced = cart_info_price(info, Corrections(), locale=locale)
        cart_write_save(priced, corrections)
    return priced


def cart_discount_remove(
    *, cart: Order | CartKey, locale: str | None = None
) -> PricedCart:
    """Remove the cart's discount code (nothing to remove is fine)."""
    with transaction.atomic():
        cart = cart_write_lock(cart)
        cart.discount, cart.discount_code, cart.discount_type, cart.discount_value = (
            None,
            "",
            "",
            None,
        )
        info = cart_info_fetch(cart=cart, now=cart.updated_at)
        priced = cart_write_finish(info, locale=locale)
    return priced


def discount_redeem(
    *,
    discount: Discount,
    order: Order,
    customer: Customer | None = None,
    email: str = "",
) -> DiscountRedemption:
    """Count one use of ``discount`` by ``order``; call inside checkout's transaction.

    The usage counter of the order's mode (``usage_count``, or ``test_usage_count`` for a
    test-mode order: test mode never uses up the live code) is incremented with a
    conditional ``UPDATE ... WHERE <counter> < usage_limit`` (with the active window in the
    same WHERE), so the limit holds whatever the concurrency; the per-customer limit
    (redemptions by ``customer`` or by ``email`` in the order's mode) is checked after that
    UPDATE, which serialises redemptions of one code. A refusal is a 422 naming the code
    (``discount_exhausted``, ``discount_already_used``, ``discount_expired``, ...) and leaves
    nothing changed. Redeeming again for the same order returns the existing redemption.
    """
    existing = DiscountRedemption.objects.filter(order=order).first()
    if existing is not None:
        return existing
    now = timezone.now()
    counter = USAGE_COUNTER[order.mode]
    with transaction.atomic():
        updated = (
            Discount.objects.filter(pk=discount.pk, active=True)
            .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=now))
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .filter(
                Q(usage_limit__isnull=True) | Q(**{f"{counter}__lt": F("usage_limit")})
            )
            .update(**{counter: F(counter) + 1})
        )
        if not updated:
            fresh = Discount.objects.filter(pk=discount.pk).first()
            if fresh is None:
                message = f"The discount code {discount.code} is not valid."
                raise ValidationFailed(
                    message,
                    code="discount_invalid",
                    fields={"discount_code": [message]},
                )
            refusal = discount_refusal(fresh, now=now, mode=order.mode) or Refusal(
                "discount_exhausted",
                f"The discount code {fresh.code} has reached its usage limit.",
                "it has reached its usage limit",
            )
            raise ValidationFailed(
                refusal.message,
                code=refusal.code,
                fields={"discount_code": [refusal.message]},
            )
        limit = discount.usage_limit_per_customer
        if limit and (customer is not None or email):
            used = selectors.discount_redemption_count(
                discount=discount, customer=customer, email=email, mode=order.mode
            )
            if used >= limit:
                message = f"You have already used the discount code {discount.code}."
                raise ValidationFailed(
                    message,
                    code="discount_already_used",
                    fields={"discount_code": [message]},
                )
        redemption = DiscountRedemption.objects.create(
            store_id=discount.store_id,
            discount=discount,
            order=order,
            customer=customer,
            email=(email or "").strip(),
        )
    fresh = Discount.objects.values("usage_count", "test_usage_count").get(
        pk=discount.pk
    )
    discount.usage_count = fresh["usage_count"]
    discount.test_usage_count = fresh["test_usage_count"]
    return redemption


def order_released(*, order: Order, **kwargs) -> None:
    """Receiver of ``orders.signals.order_released``: the order's discount use goes back."""
    discount_release(order=order)


def discount_release(*, order: Order) -> bool:
    """Give back the discount use of ``order`` (failed or cancelled payment).

    Deletes its redemption and decrements the usage counter of the order's mode (never
    below 0); False when there was none.
    """
    counter = USAGE_COUNTER[order.mode]
    with transaction.atomic():
        redemption = (
            DiscountRedemption.objects.select_for_update().filter(order=order).first()
        )
        if redemption is None:
            return False
        Discount.objects.filter(
            pk=redemption.discount_id, **{f"{counter}__gt": 0}
        ).update(**{counter: F(counter) - 1})
        redemption.delete()
    return True


@transaction.atomic
def test_usage_reset(*, store) -> int:
    """Give test mode every discount code afresh: ``test_usage_count`` back to 0 and the
    test-mode redemptions (what per-customer limits count) forgotten; returns how many
    discounts had test uses. Live uses are untouched."""
    DiscountRedemption.objects.filter(store=store, order__mode="test").delete()
    return Discount.objects.filter(store=store, test_usage_count__gt=0).update(
        test_usage_count=0
    )


def store_test_mode_reset(*, store, **kwargs) -> list[str]:
    """``core.signals.store_test_mode_reset``: the test uses of discount codes."""
    count = test_usage_reset(store=store)
    return [f"test uses of {count} discount code{'s' if count != 1 else ''}"]


def _ids_of_store(model, store, ids: list[str], field: str, label: str) -> list:
    ids = list(dict.fromkeys(ids))
    found = {obj.pk: obj for obj in model.objects.filter(store=store, pk__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationFailed(
            f"Unknown {label}: {', '.join(missing)}.",
            fields={field: [f"Not found in this store: {', '.join(missing)}."]},
        )
    return [found[pk] for pk in ids]


DISCOUNT_FIELDS = (
    "code",
    "type",
    "value",
    "active",
    "starts_at",
    "expires_at",
    "usage_limit",
    "usage_limit_per_customer",
    "minimum_subtotal_amount",
    "currency_amounts",
)


def _discount_save(discount: Discount, data: dict, *, store) -> Discount:
    for name in DISCOUNT_FIELDS:
        if name in data:
            setattr(discount, name, data[name])
    discount.code = discount.code.strip()
    if discount.type == Discount.Type.FREE_SHIPPING:
        discount.value = 0
    errors: dict[str, list[str]] = {}
    if discount.type == Discount.Type.PERCENTAGE and not 1 <= discount.value <= 100:
        errors["value"] = ["A percentage discount takes a value from 1 to 100."]
    if discount.type == Discount.Type.FIXED and discount.value < 1:
        errors["value"] = ["A fixed discount takes a positive amount in minor units."]
    if (
        discount.starts_at
        and discount.expires_at
        and discount.expires_at <= discount.starts_at
    ):
        errors["expires_at"] = ["Must be after startsAt."]
    if discount.usage_limit is not None and discount.usage_limit < discount.usage_count:
        errors["usage_limit"] = [
            f"Cannot be below the current usage count ({discount.usage_count})."
        ]
    if (
        Discount.objects.filter(store=store, code__iexact=discount.code)
        .exclude(pk=discount.pk)
        .exists()
    ):
        errors["code"] = ["A discount with this code already exists."]
    products = categories = None
    if data.get("product_ids") is not None:
        products = _ids_of_store(
            Product, store, data["product_ids"], "product_ids", "productIds"
        )
    if data.get("category_ids") is not None:
        categories = _ids_of_store(
            Category, store, data["category_ids"], "category_ids", "categoryIds"
        )
    if errors:
        name, messages = next(iter(errors.items()))
        raise ValidationFailed(f"{name}: {messages[0]}", fields=errors)
    try:
        with transaction.atomic():
            discount.save()
            if products is not None:
                discount.products.set(products)
            if categories is not None:
                discount.categories.set(categories)
    except IntegrityError as exc:
        raise ValidationFailed(
            "code: A discount with this code already exists.",
            fields={"code": ["A discount with this code already exists."]},
        ) from exc
    return selectors.discount_get(store=store, discount_id=discount.pk)


def discount_create(*, store, data: dict) -> Discount:
    """Create a discount code (code unique per store, case-insensitively)."""
    return _discount_save(Discount(store=store), data, store=store)


def discount_update(*, discount: Discount, data: dict) -> Discount:
    """Change the given fields of a discount; ``usage_count`` is not writable."""
    return _discount_save(discount, data, store=discount.store)


def discount_delete(*, discount: Discount) -> None:
    """Delete a discount. Orders keep their discount snapshot; open carts drop the code."""
    discount.delete()
