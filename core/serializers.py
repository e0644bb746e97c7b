from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.validators import URLValidator
from rest_framework import serializers

from .api.fields import StrictBooleanField, StrictCharField, TimestampField
from .currencies import MAX_RATE, MIN_RATE, rounding_problem, shopper_currencies
from .models import PAYMENT_METHODS, Store, bank_reference_problem
from .money import is_known_currency
from .services import MAX_EXCHANGE_RATE, MIN_EXCHANGE_RATE
from .validators import (
    validate_country,
    validate_currency,
    validate_hex_colour,
    validate_locale,
    validate_timezone,
)


class FeaturesSerializer(serializers.Serializer):
    reviews = serializers.BooleanField(default=False)
    discounts = serializers.BooleanField(default=False)
    multi_currency = serializers.BooleanField(default=False)
    conversations = serializers.BooleanField(default=False)

    class Meta:
        ref_name = "StoreFeatures"


class BrandingSerializer(serializers.Serializer):
    primary_color = serializers.CharField(allow_null=True, default=None)
    logo_url = serializers.CharField(allow_null=True, default=None)

    class Meta:
        ref_name = "StoreBranding"


class PublicStoreSerializer(serializers.Serializer):
    """``GET /``: what the widget needs at bootstrap."""

    id = serializers.CharField()
    name = serializers.CharField()
    currency = serializers.CharField()
    supported_currencies = serializers.ListField(child=serializers.CharField())
    supported_locales = serializers.ListField(child=serializers.CharField())
    default_locale = serializers.CharField()
    features = FeaturesSerializer()
    branding = BrandingSerializer()
    currencies = serializers.SerializerMethodField(
        help_text="The currencies a shopper can pick (X-Currency), the store's own first."
    )

    class Meta:
        ref_name = "PublicStore"

    def get_currencies(self, store) -> list[str]:
        return shopper_currencies(store)


class PrivateStoreSerializer(PublicStoreSerializer):
    """``GET /store``: the whole configuration."""

    country = serializers.CharField()
    timezone = serializers.CharField()
    plan = serializers.CharField()
    tax_inclusive = serializers.BooleanField()
    shipping_countries = serializers.ListField(child=serializers.CharField())
    payment_methods = serializers.ListField(child=serializers.CharField())
    notification_email = serializers.CharField(allow_blank=True)
    storefront_url = serializers.CharField(allow_blank=True)
    bank_transfer_details = serializers.CharField(allow_blank=True)
    bank_transfer_reference = serializers.CharField(allow_blank=True)
    exchange_rates = serializers.DictField(
        child=serializers.CharField(),
        help_text='{"EUR": "1.17"}: units of that currency per unit of the store currency.',
    )
    currency_rounding = serializers.DictField(
        child=serializers.CharField(),
        help_text='{"EUR": "0.99"}: converted prices round up to this ending ("none", '
        '"whole" or a price ending such as "0.99").',
    )
    created_at = TimestampField()
    updated_at = TimestampField()

    class Meta:
        ref_name = "Store"


class FeaturesInputSerializer(serializers.Serializer):
    reviews = StrictBooleanField(required=False)
    discounts = StrictBooleanField(required=False)
    multi_currency = StrictBooleanField(required=False)
    conversations = StrictBooleanField(required=False)

    class Meta:
        ref_name = "StoreFeaturesInput"


class BrandingInputSerializer(serializers.Serializer):
    primary_color = StrictCharField(
        required=False, allow_null=True, validators=[validate_hex_colour]
    )
    logo_url = StrictCharField(
        required=False,
        allow_null=True,
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
    )

    class Meta:
        ref_name = "StoreBrandingInput"


class StoreUpdateSerializer(serializers.Serializer):
    """``PATCH /store``: every key optional; ``features`` and ``branding`` merge."""

    name = StrictCharField(required=False, min_length=1, max_length=200)
    currency = StrictCharField(required=False, validators=[validate_currency])
    country = StrictCharField(required=False, validators=[validate_country])
    timezone = StrictCharField(required=False, validators=[validate_timezone])
    supported_currencies = serializers.ListField(
        child=StrictCharField(validators=[validate_currency]),
        required=False,
        max_length=50,
    )
    supported_locales = serializers.ListField(
        child=StrictCharField(validators=[validate_locale]),
        required=False,
        max_length=50,
    )
    default_locale = StrictCharField(required=False, validators=[validate_locale])
    features = FeaturesInputSerializer(required=False)
    branding = BrandingInputSerializer(required=False)
    tax_inclusive = StrictBooleanField(required=False)
    shipping_countries = serializers.ListField(
        child=StrictCharField(validators=[validate_country]),
        required=False,
        max_length=250,
    )
    payment_methods = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(PAYMENT_METHODS)), required=False
    )
    notification_email = serializers.EmailField(required=False, allow_blank=True)
    storefront_url = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=200,
        validators=[URLValidator(schemes=["http", "https"])],
    )
    bank_transfer_details = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text="Shown to shoppers who pay by bank transfer: account name, sort code and "
        "account number or IBAN.",
    )
    bank_transfer_reference = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=60,
        help_text='The payment reference, with {number} for the order number ("ACME-'
        '{number}"); empty for the order number alone.',
    )
    convert_prices = StrictBooleanField(
        required=False,
        help_text="With a new currency: convert every stored price, discount amount and "
        "shipping rate at exchangeRate. Without it, a currency change is refused (422) "
        "while the store holds amounts.",
    )
    exchange_rate = serializers.DecimalField(
        required=False,
        max_digits=16,
        decimal_places=6,
        min_value=MIN_EXCHANGE_RATE,
        max_value=MAX_EXCHANGE_RATE,
        help_text="Units of the new currency for one unit of the current one (e.g. "
        '"190.25" from GBP to JPY). Required with convertPrices.',
    )

    exchange_rates = serializers.DictField(
        child=StrictCharField(max_length=30),
        required=False,
        help_text='Replaces the rates: {"EUR": "1.17"}, units of that currency per unit of '
        "the store currency, for supported currencies.",
    )
    currency_rounding = serializers.DictField(
        child=StrictCharField(max_length=10),
        required=False,
        help_text='Replaces the rules: {"EUR": "0.99"}; "none", "whole" or a price ending.',
    )

    class Meta:
        ref_name = "StoreUpdate"

    def _currency_keys_check(self, name: str, value: dict, attrs, store) -> None:
        base = attrs.get("currency", store.currency)
        supported = attrs.get("supported_currencies", store.supported_currencies or [])
        errors = []
        for code in value:
            if code == base:
                errors.append(f"{code} is the store currency; it needs no {name}.")
            elif code not in supported:
                errors.append(f"{code} is not one of supportedCurrencies.")
        if errors:
            raise serializers.ValidationError({name: errors})

    def validate_exchange_rates(self, value: dict) -> dict:
        rates, errors = {}, []
        for code, text in value.items():
            try:
                rate = Decimal(str(text).strip())
            except InvalidOperation:
                rate = None
            if rate is None or not rate.is_finite() or rate.as_tuple().exponent < -6:
                errors.append(f'{code}: {text!r} is not a rate such as "1.17".')
            elif not MIN_RATE <= rate <= MAX_RATE:
                errors.append(f"{code}: the rate must be positive (up to {MAX_RATE}).")
            else:
                rates[code] = format(rate.normalize(), "f")
        if errors:
            raise serializers.ValidationError(errors)
        return rates

    def validate_currency_rounding(self, value: dict) -> dict:
        errors = []
        for code, rule in value.items():
            problem = (
                rounding_problem(rule, code)
                if is_known_currency(code)
                else f"{code!r} is not an ISO 4217 currency code."
            )
            if problem:
                errors.append(f"{code}: {problem}")
        if errors:
            raise serializers.ValidationError(errors)
        return dict(value)

    def _conversion_validate(self, attrs, store: Store) -> None:
        """Keep ``exchange_rate`` in ``attrs`` only when a conversion is asked for."""
        convert = attrs.pop("convert_prices", False)
        rate = attrs.get("exchange_rate")
        changes = attrs.get("currency", store.currency) != store.currency
        if convert and rate is None:
            raise serializers.ValidationError(
                {"exchange_rate": ["Required with convertPrices."]}
            )
        if rate is not None and not convert:
            raise serializers.ValidationError(
                {
                    "convert_prices": [
                        "Send convertPrices: true to convert at this rate."
                    ]
                }
            )
        if convert and not changes:
            raise serializers.ValidationError(
                {"currency": ["convertPrices needs a new currency."]}
            )

    def validate_bank_transfer_reference(self, value: str) -> str:
        value = value.strip()
        problem = bank_reference_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value

    def validate_payment_methods(self, value):
        if len(set(value)) != len(value):
            raise serializers.ValidationError("Each payment method may appear once.")
        return value

    def validate(self, attrs):
        store: Store = self.context["store"]
        self._conversion_validate(attrs, store)
        for name in ("exchange_rates", "currency_rounding"):
            if name in attrs:
                self._currency_keys_check(name, attrs[name], attrs, store)
        for key in ("supported_currencies", "supported_locales", "shipping_countries"):
            if key in attrs:
                attrs[key] = list(dict.fromkeys(attrs[key]))
        if "features" in attrs:
            attrs["features"] = {**(store.features or {}), **attrs["features"]}
        if "branding" in attrs:
            attrs["branding"] = {**(store.branding or {}), **attrs["branding"]}
        currency = attrs.get("currency", store.currency)
        supported = attrs.get("supported_currencies", store.supported_currencies or [])
        if currency not in supported:
            attrs["supported_currencies"] = [currency, *supported]
        locale = attrs.get("default_locale", store.default_locale)
        locales = attrs.get("supported_locales", store.supported_locales or [])
        if locale not in locales:
            attrs["supported_locales"] = [locale, *locales]
        return attrs


class HealthChecksSerializer(serializers.Serializer):
    database = serializers.CharField()
    redis = serializers.CharField()
    queue = serializers.CharField()
    storage = serializers.CharField()

    class Meta:
        ref_name = "HealthChecks"


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "degraded"])
    checks = HealthChecksSerializer()
    time = TimestampField()

    class Meta:
        ref_name = "Health"
