"""Input validation and output shapes of the customer endpoints (snake_case; camelCase on
the wire)."""

from __future__ import annotations

from rest_framework import serializers

from core.api.fields import (
    MetadataField,
    MoneyField,
    StrictBooleanField,
    StrictCharField,
    TimestampField,
)
from core.money import Money
from core.validators import validate_e164

from . import selectors
from .models import MAX_TAG_LENGTH, MAX_TAGS, tags_normalize


class BlankAsNullCharField(serializers.CharField):
    """Output an empty string as null (optional address and profile parts)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value or None


def _e164(value: str | None) -> str | None:
    if value in (None, ""):
        return value
    try:
        validate_e164(value)
    except Exception as exc:
        raise serializers.ValidationError(
            list(getattr(exc, "messages", [str(exc)]))
        ) from None
    return value


# -- output -----------------------------------------------------------------------------


class AddressSerializer(serializers.Serializer):
    """The Address object of a saved address."""

    id = serializers.CharField(read_only=True)
    first_name = BlankAsNullCharField()
    last_name = BlankAsNullCharField()
    company = BlankAsNullCharField()
    line1 = serializers.CharField(read_only=True)
    line2 = BlankAsNullCharField()
    city = serializers.CharField(read_only=True)
    state = BlankAsNullCharField()
    postcode = BlankAsNullCharField()
    country_code = serializers.CharField(read_only=True)
    phone = BlankAsNullCharField()
    is_default = serializers.BooleanField(read_only=True)

    class Meta:
        ref_name = "CustomerAddress"


class CustomerSerializer(serializers.Serializer):
    """The Customer object (public view): ``GET``/``PUT /account/profile``."""

    id = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    phone = BlankAsNullCharField(help_text="E.164, or null.")
    default_address = serializers.SerializerMethodField()
    marketing_opt_in = serializers.BooleanField(read_only=True)
    created_at = TimestampField(read_only=True)
    updated_at = TimestampField(read_only=True)

    class Meta:
        ref_name = "Customer"

    def get_default_address(self, customer) -> AddressSerializer(allow_null=True):
        address = selectors.customer_default_address(customer)
        return (
            None
            if address is None
            else AddressSerializer(address, context=self.context).data
        )


class TotalSpendField(MoneyField):
    """Lifetime spend from the ``total_spend_amount`` annotation, in the store currency."""

    def __init__(self, **kwargs):
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def to_representation(self, customer):
        store = self.context.get("store") or customer.store
        amount = int(getattr(customer, "total_spend_amount", 0) or 0)
        return super().to_representation(Money(amount, store.currency))


class CustomerListItemSerializer(serializers.Serializer):
    """A row of ``GET /customers`` (private)."""

    id = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    total_orders = serializers.SerializerMethodField(
        help_text="Paid orders, not counting fully refunded ones."
    )
    total_spend = TotalSpendField(
        help_text="Paid totals minus refunds, in the store currency (orders in other "
        "currencies converted at the exchange rate each order stored)."
    )
    phone = BlankAsNullCharField()
    authenticated = serializers.BooleanField(
        source="is_claimed",
        read_only=True,
        help_text="False for a guest record until the customer claims it.",
    )
    marketing_opt_in = serializers.BooleanField(read_only=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    created_at = TimestampField(read_only=True)
    updated_at = TimestampField(read_only=True)

    class Meta:
        ref_name = "CustomerListItem"

    def get_total_orders(self, customer) -> int:
        return int(getattr(customer, "total_orders", 0) or 0)


class CustomerDetailSerializer(CustomerListItemSerializer):
    """The private-view Customer object: ``GET``/``PATCH /customers/{id}`` and events."""

    default_address = serializers.SerializerMethodField()
    addresses = AddressSerializer(many=True, read_only=True)
    metadata = serializers.DictField(read_only=True)
    last_login_at = TimestampField(read_only=True, allow_null=True)

    class Meta:
        ref_name = "PrivateCustomer"

    def get_default_address(self, customer) -> AddressSerializer(allow_null=True):
        address = selectors.customer_default_address(customer)
        return (
            None
            if address is None
            else AddressSerializer(address, context=self.context).data
        )


class CustomerSummarySerializer(serializers.Serializer):
    id = serializers.CharField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()

    class Meta:
        ref_name = "CustomerSummary"


class AuthStatusSerializer(serializers.Serializer):
    authenticated = serializers.BooleanField()
    customer = CustomerSummarySerializer(allow_null=True)

    class Meta:
        ref_name = "AuthStatus"


class AuthResultSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
    email = serializers.EmailField()
    authenticated = serializers.BooleanField()

    class Meta:
        ref_name = "AuthResult"


class LoggedOutSerializer(serializers.Serializer):
    authenticated = serializers.BooleanField()

    class Meta:
        ref_name = "LoggedOut"


class CheckCustomerResultSerializer(serializers.Serializer):
    exists = serializers.BooleanField()
    can_send_auth_link = serializers.BooleanField()

    class Meta:
        ref_name = "CheckCustomerResult"


class SendAuthResultSerializer(serializers.Serializer):
    sent = serializers.BooleanField()
    expires_in = serializers.IntegerField(
        help_text="Seconds the emailed link stays valid."
    )

    class Meta:
        ref_name = "SendAuthResult"


# -- input ------------------------------------------------------------------------------


class EmailInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)

    class Meta:
        ref_name = "EmailInput"


class VerifyAuthInputSerializer(serializers.Serializer):
    token = StrictCharField(
        max_length=200, help_text="The lnk_ token from the emailed link."
    )

    class Meta:
        ref_name = "VerifyAuthInput"


class CreateAccountInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    first_name = StrictCharField(
        max_length=100, required=False, allow_blank=True, allow_null=True
    )
    last_name = StrictCharField(
        max_length=100, required=False, allow_blank=True, allow_null=True
    )
    marketing_opt_in = StrictBooleanField(required=False, allow_null=True)

    class Meta:
        ref_name = "CreateAccountInput"


class ProfileUpdateSerializer(serializers.Serializer):
    """``PUT /account/profile``: every field optional; only sent fields change."""

    first_name = StrictCharField(max_length=100, required=False, allow_blank=True)
    last_name = StrictCharField(max_length=100, required=False, allow_blank=True)
    phone = StrictCharField(
        max_length=20,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="E.164, e.g. +447700900123; null or empty clears it.",
    )
    marketing_opt_in = StrictBooleanField(required=False)

    class Meta:
        ref_name = "ProfileUpdate"

    def validate_phone(self, value):
        return _e164(value)


class CustomerPatchSerializer(serializers.Serializer):
    """``PATCH /customers/{id}``: tags and metadata replace the stored ones entirely."""

    tags = serializers.ListField(
        child=StrictCharField(
            max_length=MAX_TAG_LENGTH,
            error_messages={
                "blank": "A tag may not be blank.",
                "invalid": "A tag must be a string.",
            },
        ),
        max_length=MAX_TAGS,
        required=False,
        help_text=f"Replaces the tags: up to {MAX_TAGS} strings of 1-{MAX_TAG_LENGTH} characters.",
    )
    metadata = MetadataField(
        required=False, help_text="Replaces the metadata entirely."
    )
    marketing_opt_in = StrictBooleanField(required=False)

    class Meta:
        ref_name = "CustomerPatch"

    def validate_tags(self, value: list[str]) -> list[str]:
        try:
            return tags_normalize(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
