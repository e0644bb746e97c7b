"""The dashboard's intermediate forms for order operations (fulfil, refund, cancel, mark paid)
and the CSV export; each turns its input into the arguments of the same service the API calls.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from core.admin_fields import MoneyField, major_to_minor
from core.money import format_minor

from .models import Order, OrderItem, Refund
from .selectors import ORDER_LIST_STATUSES


def _line_label(line: OrderItem, extra: str) -> str:
    name = line.product_name or line.pk
    if line.variant_name:
        name = f"{name} ({line.variant_name})"
    return f"{name}: {extra}"


class _LinesForm(forms.Form):
    """A quantity field per order line (``line_<id>``)."""

    def __init__(self, *args, order: Order, lines: list[OrderItem], **kwargs):
        self.order = order
        self.lines = lines
        super().__init__(*args, **kwargs)
        for line in lines:
            available = self.available(line)
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=_line_label(line, self.line_help(line, available)),
                min_value=0,
                max_value=available,
                initial=self.line_initial(available),
                required=False,
            )

    def available(self, line: OrderItem) -> int:
        """How many units of ``line`` the operation may take (every unit by default)."""
        return line.quantity

    def line_help(self, line: OrderItem, available: int) -> str:
        return f"{available} available"

    def line_initial(self, available: int) -> int:
        return 0

    def line_items(self) -> list[dict]:
        """The lines with a positive quantity, as the services' ``items``."""
        items = []
        for line in self.lines:
            quantity = self.cleaned_data.get(f"line_{line.pk}") or 0
            if quantity > 0:
                items.append({"id": line.pk, "quantity": quantity})
        return items


class FulfillForm(_LinesForm):
    carrier = forms.CharField(max_length=100, required=False)
    tracking_number = forms.CharField(max_length=100, required=False)
    tracking_url = forms.URLField(
        max_length=1000, required=False, assume_scheme="https", label="Tracking URL"
    )
    notify_customer = forms.BooleanField(
        required=False,
        initial=True,
        label="Email the customer (with the tracking link)",
    )

    def available(self, line):
        return max(0, line.quantity - line.quantity_fulfilled - line.quantity_refunded)

    def line_help(self, line, available):
        return f"units to ship ({available} left to ship of {line.quantity})"

    def line_initial(self, available):
        return available

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.line_items():
            raise ValidationError("Choose at least one unit to ship.")
        return cleaned


class RefundForm(_LinesForm):
    amount = MoneyField(
        required=False,
        label="Amount",
        help_text="In the order's currency, e.g. 12.50. Empty: everything not yet refunded.",
    )
    reason = forms.ChoiceField(
        choices=[("", "(none)"), *Refund.Reason.choices], required=False
    )
    restock = forms.BooleanField(
        required=False, initial=True, label="Put the refunded units back in stock"
    )
    notify_customer = forms.BooleanField(
        required=False, initial=True, label="Email the customer"
    )

    def available(self, line):
        return line.quantity - line.quantity_refunded

    def line_help(self, line, available):
        return f"units refunded ({available} not yet refunded)"

    def __init__(self, *args, order: Order, **kwargs):
        super().__init__(*args, order=order, **kwargs)
        self.fields["amount"].currency = order.currency
        self.fields["amount"].label = f"Amount ({order.currency})"

    def clean_amount(self) -> int | None:
        value = self.cleaned_data.get("amount")
        if value is None:
            return None
        try:
            minor = major_to_minor(value, self.order.currency)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        if minor <= 0:
            raise ValidationError("Enter a positive amount, e.g. 12.50.")
        return minor

    def remaining_text(self) -> str:
        remaining = self.order.total_amount - self.order.refunded_amount
        return format_minor(remaining, self.order.currency, self.order.store.locale)


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=500, required=False, help_text="Internal note, kept in the timeline."
    )
    notify_customer = forms.BooleanField(
        required=False, initial=True, label="Email the customer"
    )


class MarkPaidForm(forms.Form):
    """Confirmation only."""


class OrderExportForm(forms.Form):
    date_from = forms.DateField(
        label="From (inclusive)", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(
        choices=[("", "All"), *[(s, s.capitalize()) for s in ORDER_LIST_STATUSES]],
        required=False,
    )
    mode = forms.ChoiceField(
        choices=[("live", "Live"), ("test", "Test"), ("", "Both")],
        required=False,
        initial="live",
    )

    MAX_DAYS = 3660

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end:
            if start > end:
                raise ValidationError(
                    "The start date must be on or before the end date."
                )
            if (end - start).days > self.MAX_DAYS:
                raise ValidationError("Export at most ten years at a time.")
        return cleaned
