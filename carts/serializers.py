"""Input validation and output shapes of the cart, pricing and configuration endpoints."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator, RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.addresses import (
    AddressSerializer,
    BillingAddressInput,
    ShippingAddressInput,
)
from core.api.fields import (
    MinorUnitsField,
    MoneyField,
    MoneySerializer,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    TimestampField,
    context_locale,
    context_mode,
)
from core.countries import (
    country_get,
    is_valid_state,
    normalize_postcode,
    normalize_state,
    postcode_key,
    states_for,
)
from core.currencies import other_currency_problem
from core.money import Money

from .models import Discount

MAX_QUANTITY = 10_000
MAX_INT = 2_147_483_647


@extend_schema_field(MoneySerializer)
class AmountField(serializers.Field):
    """An integer amount in the store's currency, shown as a Money object."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return Money(int(value), self.context["store"].currency).as_dict(
            context_locale(self.context)
        )


# Nullable through the field's allow_null (oneOf [Money, null]); a nullable serializer here
# would add a second null branch, which makes oneOf reject null.
@extend_schema_field(MoneySerializer)
class NullableAmountField(AmountField):
    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)


class RateField(serializers.DecimalField):
    """A tax rate as a JSON number (0.2 for 20%)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 7)
        kwargs.setdefault("decimal_places", 5)
        kwargs.setdefault("coerce_to_string", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)

    def to_representation(self, value):
        return super().to_representation(value).normalize()


def _django(validator, value):
    try:
        validator(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from exc


# -- the Cart object ---------------------------------------------------------------------------


class CartImageSerializer(serializers.Serializer):
    id = serializers.CharField()
    path = serializers.CharField()
    alt = serializers.CharField()

    class Meta:
        ref_name = "CartItemImage"


class CartItemSerializer(serializers.Serializer):
    id = serializers.CharField()
    product_id = serializers.CharField(source="product.pk")
    variant_id = serializers.CharField(
        allow_null=True, help_text="Null for simple products."
    )
    product_name = serializers.CharField(source="product.name")
    product_slug = serializers.CharField(source="product.slug")
    variant_name = serializers.CharField(allow_null=True)
    quantity = serializers.IntegerField()
    price = MoneyField()
    subtotal = MoneyField()
    image = CartImageSerializer(allow_null=True)
    track_inventory = serializers.BooleanField(source="product.track_inventory")
    in_stock = serializers.BooleanField()
    inventory_count = serializers.IntegerField(
        allow_null=True, help_text="Null when untracked."
    )
    product_type = serializers.CharField(source="product.product_type")

    class Meta:
        ref_name = "CartItem"


class TotalsSerializer(serializers.Serializer):
    subtotal = MoneyField()
    tax = MoneyField()
    shipping = MoneyField()
    discount = MoneyField()
    total = MoneyField()

    class Meta:
        ref_name = "CartTotals"


class TaxLineSerializer(serializers.Serializer):
    name = serializers.CharField()
    rate = RateField()
    amount = MoneyField()
    jurisdiction = serializers.CharField()

    class Meta:
        ref_name = "TaxBreakdownLine"


class CartMessageSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="stock_limited, out_of_stock, discount_removed, ..."
    )
    level = serializers.ChoiceField(choices=["info", "warning"])
    message = serializers.CharField()
    item_id = serializers.CharField(allow_null=True)

    class Meta:
        ref_name = "CartMessage"


class CartShippingOptionSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    price = MoneyField()

    class Meta:
        ref_name = "CartShippingOption"


class CartCustomerSerializer(serializers.Serializer):
    customer_id = serializers.CharField(allow_null=True)
    email = serializers.CharField()
    first_name = serializers.CharField(allow_null=True)
    last_name = serializers.CharField(allow_null=True)

    class Meta:
        ref_name = "CartCustomer"


class CartSerializer(serializers.Serializer):
    """The Cart object, from a :class:`carts.services.PricedCart`."""

    id = serializers.CharField(source="cart.id")
    type = serializers.CharField(source="cart.type")
    currency = serializers.CharField(source="result.currency")
    visitor_country = serializers.CharField(
        source="cart.visitor_country", allow_null=True
    )
    has_checkout_data = serializers.BooleanField()
    has_billing_address = serializers.BooleanField()
    has_shipping_address = serializers.BooleanField()
    requires_shipping = serializers.BooleanField(source="result.requires_shipping")
    discount_code = serializers.CharField(allow_null=True)
    discount_type = serializers.CharField(
        allow_null=True, help_text="percentage, fixed or free_shipping."
    )
    discount_value = serializers.IntegerField(
        allow_null=True,
        help_text="20 for 20%, 500 for 5.00 off; null for free shipping.",
    )
    is_authenticated = serializers.BooleanField()
    updated_at = TimestampField(source="cart.updated_at")
    items = CartItemSerializer(source="lines", many=True)
    totals = TotalsSerializer(source="result")
    tax_inclusive = serializers.BooleanField(source="result.tax_inclusive")
    tax_breakdown = TaxLineSerializer(source="result.tax_breakdown", many=True)
    messages = CartMessageSerializer(source="message_dicts", many=True)
    shipping_option = CartShippingOptionSerializer(
        required=False, help_text="Present once a shipping option is chosen."
    )
    customer = CartCustomerSerializer(
        source="customer_snapshot",
        required=False,
        help_text="Present when authenticated or when an email has been saved.",
    )

    class Meta:
        ref_name = "Cart"

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for key in ("shipping_option", "customer"):
            if data.get(key) is None:
                data.pop(key, None)
        return data


_rate = RateField().to_representation
_timestamp = TimestampField().to_representation


def _text(value) -> str | None:
    return None if value is None else str(value)


def _money(value: Money | None, locale: str) -> dict | None:
    return None if value is None else value.as_dict(locale)


def cart_out(priced, context: dict) -> dict:
    """The Cart object of ``priced`` as :class:`CartSerializer` gives it (the schema's
    shape), built by plain code: a cart write answers it on every request, and DRF's
    nested fields cost more to build per request than the payload itself
    (``carts/tests/test_cart_out.py`` compares the two)."""
    locale = context_locale(context)
    cart, result = priced.cart, priced.result
    items = []
    for line in priced.lines:
        product = line.product
        image = line.image
        count = line.inventory_count
        items.append(
            {
                "id": str(line.id),
                "product_id": str(product.pk),
                "variant_id": _text(line.variant_id),
                "product_name": str(product.name),
                "product_slug": str(product.slug),
                "variant_name": _text(line.variant_name),
                "quantity": int(line.quantity),
                "price": _money(line.price, locale),
                "subtotal": _money(line.subtotal, locale),
                "image": None
                if image is None
                else {
                    "id": _text(image["id"]),
                    "path": _text(image["path"]),
                    "alt": _text(image["alt"]),
                },
                "track_inventory": bool(product.track_inventory),
                "in_stock": bool(line.in_stock),
                "inventory_count": None if count is None else int(count),
                "product_type": str(product.product_type),
            }
        )
    discount_value = priced.discount_value
    data = {
        "id": str(cart.id),
        "type": str(cart.type),
        "currency": str(result.currency),
        "visitor_country": _text(cart.visitor_country),
        "has_checkout_data": bool(priced.has_checkout_data),
        "has_billing_address": bool(priced.has_billing_address),
        "has_shipping_address": bool(priced.has_shipping_address),
        "requires_shipping": bool(result.requires_shipping),
        "discount_code": _text(priced.discount_code),
        "discount_type": _text(priced.discount_type),
        "discount_value": None if discount_value is None else int(discount_value),
        "is_authenticated": bool(priced.is_authenticated),
        "updated_at": None if cart.updated_at is None else _timestamp(cart.updated_at),
        "items": items,
        "totals": {
            name: _money(getattr(result, name), locale)
            for name in ("subtotal", "tax", "shipping", "discount", "total")
        },
        "tax_inclusive": bool(result.tax_inclusive),
        "tax_breakdown": [
            {
                "name": _text(line.name),
                "rate": None if line.rate is None else _rate(line.rate),
                "amount": _money(line.amount, locale),
                "jurisdiction": _text(line.jurisdiction),
            }
            for line in result.tax_breakdown
        ],
        "messages": [
            {
                "code": _text(message["code"]),
                "level": message["level"],
                "message": _text(message["message"]),
                "item_id": _text(message["item_id"]),
            }
            for message in priced.message_dicts
        ],
    }
    option = priced.shipping_option
    if option is not None:
        data["shipping_option"] = {
            "id": _text(option["id"]),
            "name": _text(option["name"]),
            "price": _money(option["price"], locale),
        }
    customer = priced.customer_snapshot
    if customer is not None:
        data["customer"] = {
            name: _text(customer[name])
            for name in ("customer_id", "email", "first_name", "last_name")
        }
    return data


# -- checkout data -----------------------------------------------------------------------------


class CheckoutDataSerializer(serializers.Serializer):
    """``GET/PUT /cart/checkout-data`` from a cart (personal data of idle carts is gone)."""

    email = serializers.SerializerMethodField()
    shipping_address = AddressSerializer(
        source="cart.shipping_address", allow_null=True
    )
    billing_address = AddressSerializer(source="cart.billing_address", allow_null=True)
    same_as_shipping = serializers.BooleanField(source="cart.same_as_shipping")
    notes = serializers.SerializerMethodField()
    messages = CartMessageSerializer(source="message_dicts", many=True)

    class Meta:
        ref_name = "CheckoutData"

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_email(self, obj):
        return obj.cart.email or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_notes(self, obj):
        return obj.cart.notes or None


class CheckoutDataInput(serializers.Serializer):
    email = StrictCharField(
        max_length=254, required=False, allow_blank=True, allow_null=True
    )
    shipping_address = ShippingAddressInput(required=False, allow_null=True)
    billing_address = BillingAddressInput(required=False, allow_null=True)
    same_as_shipping = StrictBooleanField(required=False)
    notes = StrictCharField(
        max_length=2000, required=False, allow_blank=True, allow_null=True
    )

    class Meta:
        ref_name = "CheckoutDataInput"

    def validate_email(self, value):
        if value:
            value = value.strip()
            _django(EmailValidator("Enter a valid email address."), value)
        return value


# -- items, discount, shipping option, estimate ------------------------------------------------


class CartItemCreateInput(serializers.Serializer):
    product_id = StrictCharField(max_length=255, help_text="Product id or slug.")
    variant_id = StrictCharField(
        max_length=40, required=False, allow_null=True, allow_blank=True
    )
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)

    class Meta:
        ref_name = "CartItemCreateInput"


class CartItemUpdateInput(serializers.Serializer):
    quantity = StrictIntegerField(
        min_value=0, max_value=MAX_QUANTITY, help_text="0 removes the line."
    )

    class Meta:
        ref_name = "CartItemUpdateInput"


class DiscountCodeInput(serializers.Serializer):
    code = StrictCharField(max_length=64)

    class Meta:
        ref_name = "DiscountCodeInput"


class ShippingOptionSelectInput(serializers.Serializer):
    shipping_option_id = StrictCharField(max_length=40)

    class Meta:
        ref_name = "ShippingOptionSelectInput"


class DestinationInput(serializers.Serializer):
    country_code = StrictCharField(max_length=2, min_length=2)
    postcode = StrictCharField(
        max_length=20, required=False, allow_blank=True, allow_null=True
    )
    state = StrictCharField(
        max_length=100, required=False, allow_blank=True, allow_null=True
    )

    def validate_country_code(self, value):
        value = value.upper()
        if country_get(value) is None:
            raise serializers.ValidationError(
                "Enter an ISO 3166-1 alpha-2 country code."
            )
        return value

    def validate(self, attrs):
        code = attrs["country_code"]
        attrs["state"] = normalize_state(code, attrs.get("state"))
        attrs["postcode"] = normalize_postcode(code, attrs.get("postcode"))
        return attrs


class EstimateInput(DestinationInput):
    class Meta:
        ref_name = "CartEstimateInput"


class ShippingOptionSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    price = MoneyField()
    estimated_min_days = serializers.IntegerField(allow_null=True)
    estimated_max_days = serializers.IntegerField(allow_null=True)

    class Meta:
        ref_name = "ShippingOption"


class EstimateSerializer(serializers.Serializer):
    totals = TotalsSerializer(source="result")
    tax_rate = RateField(source="result.tax_rate")
    tax_breakdown = TaxLineSerializer(source="result.tax_breakdown", many=True)
    shipping_options_count = serializers.SerializerMethodField()

    class Meta:
        ref_name = "CartEstimate"

    def get_shipping_options_count(self, obj) -> int:
        return len(obj.shipping_options or [])


class TaxItemInput(serializers.Serializer):
    product_id = StrictCharField(max_length=255)
    variant_id = StrictCharField(
        max_length=40, required=False, allow_null=True, allow_blank=True
    )
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)

    class Meta:
        ref_name = "TaxCalculateItem"


class TaxCalculateInput(DestinationInput):
    items = TaxItemInput(many=True, allow_empty=False, max_length=100)

    class Meta:
        ref_name = "TaxCalculateInput"


class TaxCalculationSerializer(serializers.Serializer):
    subtotal = MoneyField()
    tax = MoneyField()
    total = MoneyField()
    tax_rate = RateField()
    tax_inclusive = serializers.BooleanField()
    tax_breakdown = TaxLineSerializer(many=True)

    class Meta:
        ref_name = "TaxCalculation"


# -- reference data ----------------------------------------------------------------------------


class CountrySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    requires_state = serializers.BooleanField()
    postcode_label = serializers.CharField()

    class Meta:
        ref_name = "Country"


class StateSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()

    class Meta:
        ref_name = "State"


class PaymentMethodSerializer(serializers.Serializer):
    id = serializers.CharField()
    label = serializers.CharField()
    icon_url = serializers.CharField()
    stripe_publishable_key = serializers.CharField(
        allow_null=True,
        help_text="card: the Stripe publishable key to collect the card with Stripe "
        "Elements; null without Stripe (send a test PaymentMethod id instead).",
    )
    stripe_js_url = serializers.CharField(
        allow_null=True, help_text="card with Stripe: where to load Stripe.js from."
    )

    class Meta:
        ref_name = "PaymentMethod"


# -- private configuration ---------------------------------------------------------------------


class _OtherCurrencyInput(serializers.Serializer):
    currency = StrictCharField(max_length=3)

    def validate_currency(self, value):
        problem = other_currency_problem(self.context["store"], value)
        if problem:
            raise serializers.ValidationError(problem)
        return value


class DiscountAmountsInput(_OtherCurrencyInput):
    """A discount's explicit amounts in another currency (each optional)."""

    value = MinorUnitsField(required=False, help_text="Fixed discounts: minor units.")
    minimum_subtotal = MinorUnitsField(required=False)

    class Meta:
        ref_name = "DiscountAmountsInput"


class ShippingAmountsInput(_OtherCurrencyInput):
    """A shipping method's explicit amounts in another currency (each optional)."""

    price = MinorUnitsField(required=False)
    free_above = MinorUnitsField(required=False)

    class Meta:
        ref_name = "ShippingAmountsInput"


def _amounts_in(value: list[dict]) -> dict:
    """``[{"currency": "EUR", "price": 500}]`` as ``{"EUR": {"price": 500}}``."""
    codes = [entry["currency"] for entry in value]
    if len(set(codes)) != len(codes):
        raise serializers.ValidationError("Each currency may appear once.")
    return {
        entry["currency"]: {k: v for k, v in entry.items() if k != "currency"}
        for entry in value
    }


def _amounts_out(amounts: dict | None) -> list[dict]:
    return [
        {"currency": code, **values} for code, values in sorted((amounts or {}).items())
    ]


_AMOUNTS_SCHEMA = {
    "type": "array",
    "items": {"type": "object", "additionalProperties": True},
}


class DiscountSerializer(serializers.Serializer):
    id = serializers.CharField()
    code = serializers.CharField()
    type = serializers.ChoiceField(choices=Discount.Type.choices)
    value = serializers.IntegerField(
        help_text="Whole percent, or minor units for fixed."
    )
    active = serializers.BooleanField()
    starts_at = TimestampField(allow_null=True)
    expires_at = TimestampField(allow_null=True)
    usage_limit = serializers.IntegerField(allow_null=True)
    usage_limit_per_customer = serializers.IntegerField(allow_null=True)
    usage_count = serializers.SerializerMethodField(
        help_text="Uses in the key's mode: test and live count apart."
    )
    minimum_subtotal = NullableAmountField(source="minimum_subtotal_amount")
    amounts = serializers.SerializerMethodField(
        help_text='Explicit amounts in other currencies: [{"currency": "EUR", "value": '
        '500, "minimumSubtotal": 2000}] (minor units); others convert at the rate.'
    )
    product_ids = serializers.SerializerMethodField()
    category_ids = serializers.SerializerMethodField()
    created_at = TimestampField()
    updated_at = TimestampField()

    class Meta:
        ref_name = "Discount"

    @extend_schema_field(_AMOUNTS_SCHEMA)
    def get_amounts(self, obj):
        return _amounts_out(obj.currency_amounts)

    def get_usage_count(self, obj) -> int:
        return obj.used(context_mode(self.context))

    def get_product_ids(self, obj) -> list[str]:
        return sorted(p.pk for p in obj.products.all())

    def get_category_ids(self, obj) -> list[str]:
        return sorted(c.pk for c in obj.categories.all())


class DiscountInput(serializers.Serializer):
    code = StrictCharField(
        max_length=64,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
                "Use letters, digits, '-' or '_' (starting with a letter or digit).",
            )
        ],
    )
    type = serializers.ChoiceField(choices=Discount.Type.choices)
    value = StrictIntegerField(
        min_value=0,
        max_value=10**12,
        default=0,
        help_text="Whole percent (1-100), or minor units for fixed.",
    )
    active = StrictBooleanField(default=True)
    starts_at = TimestampField(required=False, allow_null=True)
    expires_at = TimestampField(required=False, allow_null=True)
    usage_limit = StrictIntegerField(
        min_value=1, max_value=MAX_INT, required=False, allow_null=True
    )
    usage_limit_per_customer = StrictIntegerField(
        min_value=1, max_value=MAX_INT, required=False, allow_null=True
    )
    minimum_subtotal = MinorUnitsField(
        source="minimum_subtotal_amount", required=False, allow_null=True
    )
    amounts = DiscountAmountsInput(
        many=True,
        required=False,
        source="currency_amounts",
        max_length=50,
        help_text="Explicit amounts in other currencies; replaces them.",
    )
    product_ids = serializers.ListField(
        child=StrictCharField(max_length=40), required=False, max_length=1000
    )
    category_ids = serializers.ListField(
        child=StrictCharField(max_length=40), required=False, max_length=1000
    )

    class Meta:
        ref_name = "DiscountInput"

    def validate_amounts(self, value):
        return _amounts_in(value)


class ShippingMethodSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    price = AmountField(source="price_amount")
    countries = serializers.ListField(child=serializers.CharField())
    estimated_min_days = serializers.IntegerField(allow_null=True)
    estimated_max_days = serializers.IntegerField(allow_null=True)
    free_above = NullableAmountField(source="free_above_amount")
    amounts = serializers.SerializerMethodField(
        help_text='Explicit amounts in other currencies: [{"currency": "EUR", "price": 500, '
        '"freeAbove": 5000}] (minor units); others convert at the rate.'
    )
    min_weight_grams = serializers.IntegerField(allow_null=True)
    max_weight_grams = serializers.IntegerField(allow_null=True)
    active = serializers.BooleanField()
    sort_order = serializers.IntegerField()
    created_at = TimestampField()
    updated_at = TimestampField()

    class Meta:
        ref_name = "ShippingMethod"

    @extend_schema_field(_AMOUNTS_SCHEMA)
    def get_amounts(self, obj):
        return _amounts_out(obj.currency_amounts)


class ShippingMethodInput(serializers.Serializer):
    name = StrictCharField(max_length=200)
    description = StrictCharField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    price = MinorUnitsField(source="price_amount")
    countries = serializers.ListField(
        child=StrictCharField(max_length=2),
        required=False,
        default=list,
        max_length=250,
    )
    estimated_min_days = StrictIntegerField(
        min_value=0, max_value=365, required=False, allow_null=True
    )
    estimated_max_days = StrictIntegerField(
        min_value=0, max_value=365, required=False, allow_null=True
    )
    free_above = MinorUnitsField(
        source="free_above_amount", required=False, allow_null=True
    )
    amounts = ShippingAmountsInput(
        many=True,
        required=False,
        source="currency_amounts",
        max_length=50,
        help_text="Explicit amounts in other currencies; replaces them.",
    )
    min_weight_grams = StrictIntegerField(
        min_value=0, max_value=MAX_INT, required=False, allow_null=True
    )
    max_weight_grams = StrictIntegerField(
        min_value=0, max_value=MAX_INT, required=False, allow_null=True
    )
    active = StrictBooleanField(default=True)
    sort_order = StrictIntegerField(
        min_value=-1_000_000, max_value=1_000_000, default=0
    )

    class Meta:
        ref_name = "ShippingMethodInput"

    def validate_amounts(self, value):
        return _amounts_in(value)

    def validate_countries(self, value):
        codes = []
        for code in value:
            code = code.upper()
            if country_get(code) is None:
                raise serializers.ValidationError(
                    f"'{code}' is not an ISO 3166-1 alpha-2 country code."
                )
            codes.append(code)
        return list(dict.fromkeys(codes))


class TaxRateSerializer(serializers.Serializer):
    id = serializers.CharField()
    country_code = serializers.CharField()
    state = serializers.CharField(allow_null=True)
    postcode_prefix = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    rate = RateField()
    applies_to_shipping = serializers.BooleanField()
    created_at = TimestampField()
    updated_at = TimestampField()

    class Meta:
        ref_name = "TaxRate"

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["state"] = data["state"] or None
        data["postcode_prefix"] = data["postcode_prefix"] or None
        return data


class TaxRateInput(serializers.Serializer):
    country_code = StrictCharField(max_length=2, min_length=2)
    state = StrictCharField(
        max_length=10, required=False, allow_blank=True, allow_null=True
    )
    postcode_prefix = StrictCharField(
        max_length=20, required=False, allow_blank=True, allow_null=True
    )
    name = StrictCharField(max_length=100, default="VAT")
    rate = RateField(min_value=0, max_value=1, help_text="0.2 for 20%.")
    applies_to_shipping = StrictBooleanField(default=True)

    class Meta:
        ref_name = "TaxRateInput"

    def validate_country_code(self, value):
        value = value.upper()
        if country_get(value) is None:
            raise serializers.ValidationError(
                "Enter an ISO 3166-1 alpha-2 country code."
            )
        return value

    def validate_postcode_prefix(self, value):
        return postcode_key(value)

    def validate_name(self, value):
        value = value.strip()
        if not value:
            raise serializers.ValidationError("The name field may not be blank.")
        return value

    def validate(self, attrs):
        instance = self.context.get("instance")
        country = attrs.get("country_code") or (
            instance.country_code if instance else ""
        )
        if "state" in attrs or "country_code" in attrs:
            raw = attrs.get("state", instance.state if instance else "")
            state = normalize_state(country, raw)
            if state and not is_valid_state(country, state):
                codes = ", ".join(s.code for s in states_for(country)[:5])
                hint = f" such as {codes}" if codes else ""
                raise serializers.ValidationError(
                    {
                        "state": [
                            f"Use a state code of {country}{hint} (see /countries/{country}/states)."
                        ]
                    }
                )
            attrs["state"] = state
        if "postcode_prefix" in attrs and attrs["postcode_prefix"] is None:
            attrs["postcode_prefix"] = ""
        return attrs
