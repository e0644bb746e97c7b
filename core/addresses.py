"""The Address object of the reference, shared by checkout data, orders and customers.

Addresses on carts and orders are JSON snapshots with these snake_case keys; on the wire they
are camelCase with every key present (``null`` when empty). Validation against a store's
shipping countries and the country's state and postcode rules is ``carts.serializers.AddressInput``.
"""

from __future__ import annotations

from rest_framework import serializers

from .api.casing import to_snake

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
