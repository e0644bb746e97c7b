"""What several order services share: wording of amounts and labels, and the lines'
quantities (what is left to ship, what a request asks for)."""

from __future__ import annotations

from catalog.bundles import snapshot_stock_components
from catalog.services import StockLine
from core.exceptions import Conflict, ValidationFailed
from core.money import format_minor

from ..models import Order, OrderItem
from .numbering import NUMBER_PLACEHOLDER, order_number_pending


def money_text(order: Order, amount: int) -> str:
    return format_minor(int(amount), order.currency, order.store.locale)


def order_label(order: Order) -> str:
    """``#1001``, or the order's id while it has no number. An order that gets its number
    at the end of the transaction (``numbering.order_numbers_last``) is labelled with
    the number's placeholder, filled in then."""
    if order.order_number:
        return f"#{order.order_number}"
    if order_number_pending(order):
        return f"#{NUMBER_PLACEHOLDER}"
    return order.id


def gateway_label(order: Order) -> str:
    return {"stripe": "Stripe", "offline": "Test payments"}.get(
        order.payment_gateway, "System"
    )


def item_stock_line(item: OrderItem, quantity: int | None = None) -> StockLine:
    """The stock ``quantity`` units (default: all) of a line move: a bundle line's are
    its snapshot's components (what it took, whatever the bundle contains today)."""
    return StockLine(
        variant_id=item.variant_id,
        quantity=item.quantity if quantity is None else quantity,
        label=item.product_name,
        components=snapshot_stock_components(item.bundle_components),
    )


def stock_lines(order: Order) -> list[StockLine]:
    return [item_stock_line(item) for item in order.items.all() if item.variant_id]


def unshipped(line: OrderItem) -> int:
    """Units of a line still to ship: neither shipped nor refunded."""
    return max(0, line.quantity - line.quantity_fulfilled - line.quantity_refunded)


def fulfillment_status_of(lines: list[OrderItem]) -> str:
    if not any(line.quantity_fulfilled for line in lines):
        return Order.FulfillmentStatus.UNFULFILLED
    if all(unshipped(line) == 0 for line in lines):
        return Order.FulfillmentStatus.FULFILLED
    return Order.FulfillmentStatus.PARTIAL


def requested_units(
    *, items: list[dict], lines: list[OrderItem], available: dict[str, int], verb: str
) -> dict[str, int]:
    """``items`` ([{id, quantity}]) checked against the order's lines and what each has
    ``available``; a 422 naming ``items[i].id`` / ``items[i].quantity`` otherwise."""
    by_id = {line.pk: line for line in lines}
    wanted: dict[str, int] = {}
    errors: dict[str, list[str]] = {}
    for index, entry in enumerate(items):
        line = by_id.get(entry["id"])
        if line is None:
            errors[("items", index, "id")] = [f"The order has no line {entry['id']}."]
        elif line.pk in wanted:
            errors[("items", index, "id")] = ["Each line may be listed once."]
        elif entry["quantity"] > available[line.pk]:
            left = available[line.pk]
            errors[("items", index, "quantity")] = [
                f"Only {left} unit{'s' if left != 1 else ''} of {line.product_name or line.pk} "
                f"left to {verb}."
            ]
        else:
            wanted[line.pk] = entry["quantity"]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, fields=errors)
    return wanted


def refuse_unless_paid(order: Order, *, action: str) -> None:
    status = order.payment_status
    if status == Order.PaymentStatus.CANCELLED:
        raise Conflict(f"A cancelled order cannot be {action}.", code="order_cancelled")
    if status == Order.PaymentStatus.REFUNDED:
        raise Conflict(
            f"This order is fully refunded and cannot be {action}.",
            code="order_refunded",
        )
    if status not in Order.REFUNDABLE_STATES:
        raise Conflict(
            f"This order is not paid ({order.get_payment_status_display().lower()}) and "
            f"cannot be {action}.",
            code="order_not_paid",
        )
