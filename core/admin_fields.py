"""Money in the dashboard: typed and read in major units, stored in minor units.

Every integer column named ``amount`` or ``*_amount`` holds minor units (``core.money``). The
dashboard shows such a column as ``£24.00`` and edits it as ``24.00`` with :class:`MoneyField`;
the conversion is exact for every currency exponent (JPY 0, GBP 2, BHD 3): an amount with
more decimals than the currency has is refused, never rounded.

:class:`MoneyFormMixin` converts once the form knows the currency (the chosen store's, or
the row's own), so a merchant of several stores gets the exponent of the store they pick.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache

import pycountry
from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .addresses import address_dict
from .countries import country_get, states_for
from .money import currency_exponent, format_minor, is_known_currency, to_major_string

#: Characters a merchant may type around a number: currency symbols, spaces, thousands commas.
_NOISE = str.maketrans("", "", " ,\u00a0\u202f£$€¥")


def is_money_field(db_field) -> bool:
    """An integer column of minor units, by the codebase's naming (``amount``, ``*_amount``)."""
    return isinstance(db_field, models.IntegerField) and (
        db_field.name == "amount" or db_field.name.endswith("_amount")
    )


def major_to_minor(value: Decimal, currency: str) -> int:
    """``Decimal("24.5"), "GBP"`` -> 2450, exactly; ValueError when it has more decimals
    than the currency (``0.001`` GBP, ``1.5`` JPY)."""
    exponent = currency_exponent(currency)
    minor = value.scaleb(exponent)
    if minor != minor.to_integral_value():
        places = f"{exponent} decimal places" if exponent else "no decimals"
        raise ValueError(f"{currency} amounts have {places}.")
    return int(minor)


def minor_to_major(amount: int, currency: str | None) -> str:
    """2450, "GBP" -> ``"24.50"``, the text a merchant edits."""
    return to_major_string(amount, currency) if currency else str(amount)


def parse_major(text: str) -> Decimal:
    """The number a merchant typed (``"£1,234.50"``, ``" 24 "``); ValueError if none."""
    try:
        value = Decimal(str(text).translate(_NOISE))
    except InvalidOperation:
        raise ValueError("Enter an amount such as 24.00.") from None
    if not value.is_finite():
        raise ValueError("Enter an amount such as 24.00.")
    return value


def currency_of(obj) -> str | None:
    """The currency of a row's amounts: its own (orders, refunds), its order's, or its store's."""
    own = getattr(obj, "currency", None)
    if isinstance(own, str) and own:
        return own
    from .admin import store_lookup_for

    order = getattr(obj, "order", None)
    if order is not None and getattr(order, "currency", None):
        return order.currency
    lookup = store_lookup_for(type(obj))
    target = obj
    try:
        for part in (lookup or "").split("__") if lookup and lookup != "id" else ():
            target = getattr(target, part)
    except (ObjectDoesNotExist, AttributeError):
        return None
    return getattr(target, "currency", None) if target is not obj else None


def money_text(amount, currency: str | None, locale: str = "en") -> str:
    """An amount in minor units for reading (``£24.00``); empty stays empty."""
    if amount is None or amount == "":
        return "—"
    if not currency:
        return str(amount)
    return format_minor(int(amount), currency, locale)


class MoneyInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__(
            {
                "inputmode": "decimal",
                "size": 12,
                "class": "money-input",
                **(attrs or {}),
            }
        )


class MoneyField(forms.Field):
    """An amount typed in major units. Cleans to a ``Decimal``; the form's
    :class:`MoneyFormMixin` turns it into minor units of the right currency."""

    widget = MoneyInput
    #: False for a field whose units depend on other input (a discount's value): the
    #: form converts it itself.
    convert = True

    def __init__(
        self, *, min_value: int | None = 0, currency: str | None = None, **kwargs
    ):
        self.min_value = min_value
        self.currency = currency
        kwargs.setdefault("help_text", "")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        # Initial values are minor units (ints); what was typed comes back as typed.
        if isinstance(value, int) and not isinstance(value, bool):
            return minor_to_major(value, self.currency)
        return value

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return Decimal(value)
        try:
            value = parse_major(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None
        if self.min_value is not None and value < self.min_value:
            raise forms.ValidationError(
                "Enter an amount of 0 or more.", code="min_value"
            )
        return value

    def has_changed(self, initial, data):
        try:
            typed = self.to_python(data)
        except forms.ValidationError:
            return True
        if initial in (None, ""):
            return typed is not None
        if typed is None:
            return True
        if self.currency is None:
            return True
        try:
            return major_to_minor(typed, self.currency) != int(initial)
        except ValueError:
            return True


def money_formfield(db_field, **kwargs) -> MoneyField:
    """The dashboard's form field for a minor-units column."""
    return MoneyField(
        required=not db_field.blank,
        label=kwargs.get("label")
        or db_field.verbose_name.removesuffix(" amount").capitalize(),
        help_text=db_field.help_text or "In the store's currency, e.g. 24.00.",
    )


class MoneyFormMixin:
    """Converts the form's :class:`MoneyField` values to minor units of the currency of the
    chosen store (``store`` field) or of the row, before the form's own ``clean`` runs."""

    #: The currency when neither the data nor the row says (set by the admin).
    default_currency: str | None = None
    #: The currency of an inline's parent (a product's variants): it decides, and saves a
    #: query per row.
    parent_currency: str | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        currency = (
            self.parent_currency or currency_of(self.instance) or self.default_currency
        )
        for field in self.money_fields():
            field.currency = currency

    def money_fields(self) -> list[MoneyField]:
        return [f for f in self.fields.values() if isinstance(f, MoneyField)]

    def form_currency(self) -> str | None:
        store = self.cleaned_data.get("store")
        if store is not None and getattr(store, "currency", None):
            return store.currency
        return (
            self.parent_currency or currency_of(self.instance) or self.default_currency
        )

    def _clean_fields(self):
        super()._clean_fields()
        currency = self.form_currency()
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if not isinstance(field, MoneyField) or not isinstance(value, Decimal):
                continue
            if not field.convert:
                continue
            if currency is None:
                self.add_error(
                    name, "Choose the store first: its currency sets the units."
                )
                continue
            try:
                self.cleaned_data[name] = major_to_minor(value, currency)
            except ValueError as exc:
                self.add_error(name, str(exc))


# -- readable displays ------------------------------------------------------------------

#: Badge colours by status word: done (green), waiting (amber), stopped (red), other (grey).
BADGE_COLOURS = {
    **dict.fromkeys(
        (
            "paid",
            "fulfilled",
            "succeeded",
            "approved",
            "completed",
            "active",
            "published",
        ),
        "#1e7e34",
    ),
    **dict.fromkeys(
        (
            "pending",
            "unfulfilled",
            "partially_fulfilled",
            "partially_refunded",
            "processing",
            "requires_action",
            "open",
            "draft",
        ),
        "#b26a00",
    ),
    **dict.fromkeys(
        ("failed", "cancelled", "declined", "rejected", "disabled", "expired"),
        "#b02a37",
    ),
}


def status_badge(value, label=None):
    """A status as a coloured badge (``paid`` green, ``pending`` amber, ``failed`` red)."""
    if value in (None, ""):
        return "—"
    colour = BADGE_COLOURS.get(str(value), "#5a6268")
    text = label or str(value).replace("_", " ").capitalize()
    return format_html(
        '<span class="status-badge status-{}" style="display:inline-block;padding:1px 8px;'
        'border-radius:10px;color:#fff;background:{};font-size:11px;white-space:nowrap">'
        "{}</span>",
        value,
        colour,
        text,
    )


def address_lines(value) -> list[str]:
    """An address snapshot as the lines of a label: name, company, street, town, country."""
    data = address_dict(value)
    if not data:
        return []
    code = data.get("country_code") or ""
    country = country_get(code.upper()) if code else None
    state = data.get("state") or ""
    state_name = next(
        (s.name for s in states_for(code.upper()) if s.code == state), state
    )
    name = " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p)
    town = " ".join(
        p for p in (data.get("city"), state_name, data.get("postcode")) if p
    )
    lines = [
        name,
        data.get("company"),
        data.get("line1"),
        data.get("line2"),
        town,
        country.name if country else code,
        data.get("phone"),
    ]
    return [line for line in lines if line]


def address_html(value):
    lines = address_lines(value)
    if not lines:
        return "—"
    return format_html(
        '<address style="font-style:normal">{}</address>',
        format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)),
    )


def shipping_option_text(value, currency: str | None) -> str:
    """A shipping option snapshot (``{"id", "name", "price"}``) as ``Name · £3.95``."""
    if not value:
        return "—"
    name = value.get("name") or value.get("id") or "Shipping"
    price = value.get("price", value.get("price_amount"))
    return f"{name} · {money_text(price, currency)}" if price is not None else name


# -- pickers --------------------------------------------------------------------------------


def country_choices() -> list[tuple[str, str]]:
    """Every ISO 3166-1 country as ``(code, "Name (CODE)")``, by name: the data the API's
    address and country validation uses (:mod:`core.countries`)."""
    return list(_country_choices())


@lru_cache(maxsize=1)
def _country_choices() -> tuple[tuple[str, str], ...]:
    found = (country_get(c.alpha_2) for c in pycountry.countries)
    return tuple(
        (c.code, f"{c.name} ({c.code})")
        for c in sorted(filter(None, found), key=lambda c: c.name)
    )


class CountryField(forms.ChoiceField):
    """A country from the list; a typed code is normalised (``ie`` is ``IE``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", country_choices)
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(value).strip().upper()


class CountriesField(forms.MultipleChoiceField):
    """Several countries from the list (stored as a JSON list of codes)."""

    widget = forms.SelectMultiple(attrs={"size": 10, "style": "min-width:22em"})

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", country_choices)
        kwargs.setdefault(
            "help_text", "Hold Ctrl (⌘ on a Mac) to pick several countries."
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        return [str(v).strip().upper() for v in super().to_python(value)]

    def prepare_value(self, value):
        return list(value or []) if not isinstance(value, str) else value


def state_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every country's top-level states as option groups ``("Name (CC)", [("CC-SS",
    "State name")])``: the data the API's address validation uses (:mod:`core.countries`)."""
    return [("", [("", "No state (the whole country)")])] + list(_state_choices())


@lru_cache(maxsize=1)
def _state_choices() -> tuple:
    groups = []
    for code, label in _country_choices():
        states = states_for(code)
        if states:
            groups.append(
                (label, [(f"{code}-{state.code}", state.name) for state in states])
            )
    return tuple(groups)


class StateSelect(forms.Select):
    """The state list, filtered to the country's group by ``state-picker.js``."""

    class Media:
        js = ("admin/dashboard/state-picker.js",)


class StateField(forms.ChoiceField):
    """A state picked from the list of the chosen country (``static/admin/dashboard/
    state-picker.js`` shows only that country's group). The value is the ISO 3166-2 code
    (``US-CA``); the API's validation turns it into the stored ``CA`` and refuses a state
    of another country. Show a stored state with :meth:`initial_for`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", state_choices)
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", StateSelect(attrs={"data-state-picker": "country_code"})
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(value).strip().upper()

    def valid_value(self, value):
        # The API's address rules judge the state (one validation for both surfaces),
        # with their message naming the country's codes.
        return True

    @staticmethod
    def initial_for(country_code: str, state: str) -> str:
        return f"{country_code}-{state}" if country_code and state else ""


class StatePickerMixin:
    """For a model form with ``country_code`` and a :class:`StateField` ``state``: the stored
    state shows selected in its country's group."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["state"] = StateField.initial_for(
                self.instance.country_code, self.instance.state
            )


class CurrencyPricesField(forms.CharField):
    """Explicit prices in other currencies, typed in major units: ``EUR 29.00, USD 34.99``
    (commas, semicolons or new lines between them), kept as ``{"EUR": 2900, "USD": 3499}``.
    Each amount is exact for its currency's exponent (``JPY 1500``, ``BHD 9.250``)."""

    default_help = (
        "Explicit prices in other currencies, which win over the exchange rate: "
        '"EUR 29.00, USD 34.99". Empty: converted at the rate.'
    )

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", self.default_help)
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 24}))
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, dict):
            return ", ".join(
                f"{code} {minor_to_major(int(amount), code)}"
                for code, amount in sorted(value.items())
            )
        return value

    def to_python(self, value):
        if isinstance(value, dict):
            return value
        text = (value or "").strip()
        prices: dict[str, int] = {}
        for part in filter(
            None,
            (p.strip() for p in text.replace(";", ",").replace("\n", ",").split(",")),
        ):
            code, _, amount = part.partition(" ")
            code = code.strip().upper()
            if not is_known_currency(code) or not amount.strip():
                raise forms.ValidationError(
                    f'"{part}" is not a currency and an amount such as EUR 29.00.'
                )
            if code in prices:
                raise forms.ValidationError(f"{code} appears twice.")
            try:
                value = parse_major(amount)
                if value < 0:
                    raise ValueError(f"{code}: enter an amount of 0 or more.")
                prices[code] = major_to_minor(value, code)
            except ValueError as exc:
                raise forms.ValidationError(f"{code}: {exc}") from None
        return prices
