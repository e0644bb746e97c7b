"""Private configuration endpoints: discounts, shipping methods and tax rates (secret key).

These are not in the API reference; they let a store be configured by API. Each resource is a
:class:`core.api.viewsets.PrivateViewSet` on the router in ``carts/urls.py``; list filters are
the FilterSets in ``carts/filters.py``. Rate limits: GET 240/m, POST and PATCH 120/m,
DELETE 60/m.
"""

from __future__ import annotations

from core.api.viewsets import PrivateViewSet, resource_schema

from .. import selectors, services
from ..filters import DiscountFilter, ShippingMethodFilter, TaxRateFilter
from ..models import Discount, ShippingMethod, TaxRate
from ..serializers import (
    DiscountInput,
    DiscountSerializer,
    ShippingMethodInput,
    ShippingMethodSerializer,
    TaxRateInput,
    TaxRateSerializer,
)


@resource_schema(
    "discount",
    "discounts",
    "discount",
    list_description="List or create discount codes.",
    detail_description="Fetch, update or delete a discount code "
    "(usageCount is read-only).",
)
class DiscountViewSet(PrivateViewSet):
    """Discount codes."""

    queryset = Discount.objects.none()
    filterset_class = DiscountFilter
    output_serializer = DiscountSerializer
    input_serializer = DiscountInput
    lookup_url_kwarg = "discount"
    lookup_value_converter = "disc_id"

    def get_queryset(self):
        return selectors.discount_list(store=self.store)

    def get_object(self):
        return selectors.discount_get(store=self.store, discount_id=self.lookup)

    def perform_create(self, data):
        return services.discount_create(store=self.store, data=data)

    def perform_update(self, instance, data):
        return services.discount_update(discount=instance, data=data)

    def perform_destroy(self, instance):
        services.discount_delete(discount=instance)


@resource_schema(
    "shipping_method",
    "shipping_methods",
    "shipping method",
    list_description="List or create shipping methods.",
    detail_description="Fetch, update or delete a shipping method.",
)
class ShippingMethodViewSet(PrivateViewSet):
    """Shipping methods."""

    queryset = ShippingMethod.objects.none()
    filterset_class = ShippingMethodFilter
    output_serializer = ShippingMethodSerializer
    input_serializer = ShippingMethodInput
    lookup_url_kwarg = "method"
    lookup_value_converter = "shm_id"

    def get_queryset(self):
        return selectors.shipping_method_list(store=self.store)

    def get_object(self):
        return selectors.shipping_method_get(store=self.store, method_id=self.lookup)

    def perform_create(self, data):
        return services.shipping_method_create(store=self.store, data=data)

    def perform_update(self, instance, data):
        return services.shipping_method_update(method=instance, data=data)

    def perform_destroy(self, instance):
        services.shipping_method_delete(method=instance)


@resource_schema(
    "tax_rate",
    "tax_rates",
    "tax rate",
    list_description="List or create tax rates.",
    detail_description="Fetch, update or delete a tax rate "
    "(rate as a decimal, 0.2 for 20%).",
)
class TaxRateViewSet(PrivateViewSet):
    """Tax rates."""

    queryset = TaxRate.objects.none()
    filterset_class = TaxRateFilter
    output_serializer = TaxRateSerializer
    input_serializer = TaxRateInput
    lookup_url_kwarg = "rate"
    lookup_value_converter = "txr_id"

    def get_queryset(self):
        return selectors.tax_rate_list(store=self.store)

    def get_object(self):
        return selectors.tax_rate_get(store=self.store, rate_id=self.lookup)

    def update_context(self, instance):
        return {"instance": instance}

    def perform_create(self, data):
        return services.tax_rate_create(store=self.store, data=data)

    def perform_update(self, instance, data):
        return services.tax_rate_update(rate=instance, data=data)

    def perform_destroy(self, instance):
        services.tax_rate_delete(rate=instance)
