"""The Address object of the reference, shared by checkout data, orders and customers.

Addresses on carts and orders are JSON snapshots with these snake_case keys; on the wire they
are camelCase with every key present (``null`` when empty). :class:`AddressInput` validates
one against a store's shipping countries and the country's state and postcode rules
(:mod:`core.countries`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from .api.casing import to_snake
from .api.fields import StrictCharField
from .countries import (
    country_get,
    is_valid_state,
    normalize_postcode,
    normalize_state,
    postcode_error,
)
from .validators import validate_e164

ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "line1",
    "line2",
    "city",
    "state",
    "postcode",
    "country_code",
    "phone",
)


def store_shipping_countries(store) -> list[str]:
    """The countries a store ships to (its own country when it lists none)."""
    return list(store.shipping_countries or [store.country])


def address_dict(value) -> dict | None:
    """An address snapshot (snake_case or camelCase keys) with every Address key."""
    if not value:
        return None
    data = {to_snake(str(k)): v for k, v in value.items()}
    return {name: (data.get(name) or None) for name in ADDRESS_FIELDS}


class AddressSerializer(serializers.Serializer):
    """Output of an address snapshot: every key, ``null`` when empty."""

    first_name = serializers.CharField(allow_null=True)
    last_name = serializers.CharField(allow_null=True)
    company = serializers.CharField(allow_null=True)
    line1 = serializers.CharField(allow_null=True)
    line2 = serializers.CharField(allow_null=True)
    city = serializers.CharField(allow_null=True)
    state = serializers.CharField(allow_null=True)
    postcode = serializers.CharField(allow_null=True)
    country_code = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True)

    class Meta:
        ref_name = "Address"

    def to_representation(self, instance):
        return address_dict(instance)


def address_place_check(
    country, state: str | None, postcode: str | None
) -> tuple[str, str, dict[str, list[str]]]:
    """The country's rules for the state and postcode of an address (the API's and the
    dashboard's one check): ``(state, postcode, errors)``, the codes normalised."""
    code = country.code
    errors: dict[str, list[str]] = {}
    normalised = normalize_state(code, state)
    if country.requires_state:
        if not normalised:
            errors["state"] = [f"The state field is required for {country.name}."]
        elif not is_valid_state(code, normalised):
            errors["state"] = [
                f"Enter a valid state code of {country.name} "
                f"(see /countries/{code}/states)."
            ]
    elif normalised and not is_valid_state(code, normalised):
        normalised = (
            state or ""
        ).strip()  # a county or region typed as the shopper likes
    postcode = normalize_postcode(code, postcode)
    problem = postcode_error(code, postcode)
    if problem:
        errors["postcode"] = [problem]
    return normalised, postcode, errors


class AddressInput(serializers.Serializer):
    """An Address; ``country_code`` must be a store shipping country for shipping addresses."""

    shipping = False

    first_name = StrictCharField(max_length=100)
    last_name = StrictCharField(max_length=100)
    company = StrictCharField(
        max_length=200, required=False, allow_blank=True, allow_null=True
    )
    line1 = StrictCharField(max_length=200)
    line2 = StrictCharField(
        max_length=200, required=False, allow_blank=True, allow_null=True
    )
    city = StrictCharField(max_length=100)
    state = StrictCharField(
        max_length=100, required=False, allow_blank=True, allow_null=True
    )
    postcode = StrictCharField(
        max_length=20, required=False, allow_blank=True, allow_null=True
    )
    country_code = StrictCharField(max_length=2, min_length=2)
    phone = StrictCharField(
        max_length=20, required=False, allow_blank=True, allow_null=True
    )

    def validate_phone(self, value):
        if value:
            value = value.strip()
            try:
                validate_e164(value)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.messages) from exc
        return value

    def validate(self, attrs):
        errors: dict[str, list[str]] = {}
        code = attrs["country_code"].upper()
        country = country_get(code)
        if country is None:
            raise serializers.ValidationError(
                {"country_code": ["Enter an ISO 3166-1 alpha-2 country code."]}
            )
        store = self.context["store"]
        if self.shipping and code not in store_shipping_countries(store):
            errors["country_code"] = [f"We do not ship to {country.name}."]
        state, postcode, problems = address_place_check(
            country, attrs.get("state"), attrs.get("postcode")
        )
        errors.update(problems)
        if errors:
            raise serializers.ValidationError(errors)
        cleaned = {
            name: (attrs.get(name) or "").strip() or None for name in ADDRESS_FIELDS
        }
        cleaned.update(
            country_code=code, state=state or None, postcode=postcode or None
        )
        return cleaned


class ShippingAddressInput(AddressInput):
    shipping = True

    class Meta:
        ref_name = "ShippingAddressInput"


class BillingAddressInput(AddressInput):
    class Meta:
        ref_name = "BillingAddressInput"
