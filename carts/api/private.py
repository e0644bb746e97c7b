"""Private configuration endpoints: discounts, shipping methods and tax rates (secret key).

These are not in the API reference; they let a store be configured by API. Rate limits:
GET 240/m, POST and PATCH 120/m, DELETE 60/m.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from core.api.schema import envelope, page_envelope, page_params
from core.api.views import PrivateApi

from .. import selectors, services
from ..serializers import (
    ActiveQuery,
    DiscountInput,
    DiscountListQuery,
    DiscountSerializer,
    ShippingMethodInput,
    ShippingMethodSerializer,
    TaxRateInput,
    TaxRateListQuery,
    TaxRateSerializer,
)

LIST_LIMITS = {"GET": "240/m", "POST": "120/m"}
DETAIL_LIMITS = {"GET": "240/m", "PATCH": "120/m", "DELETE": "60/m"}

ACTIVE_PARAM = OpenApiParameter(
    "active", OpenApiTypes.BOOL, description="Only active (true) or inactive (false)."
)


class DiscountListApi(PrivateApi):
    """List or create discount codes."""

    rate_limits = LIST_LIMITS

    @extend_schema(
        operation_id="discounts_list",
        summary="List discounts",
        parameters=[
            *page_params(),
            OpenApiParameter(
                "code", OpenApiTypes.STR, description="Codes containing this text."
            ),
            ACTIVE_PARAM,
            OpenApiParameter(
                "type", OpenApiTypes.STR, enum=["percentage", "fixed", "free_shipping"]
            ),
        ],
        responses=page_envelope(DiscountSerializer),
    )
    def get(self, request, **kwargs):
        filters = self.validate_query(DiscountListQuery)
        return self.respond_page(
            selectors.discount_list(store=self.store, filters=filters),
            DiscountSerializer,
        )

    @extend_schema(
        operation_id="discount_create",
        summary="Create a discount",
        request=DiscountInput,
        responses={201: envelope(DiscountSerializer)},
    )
    def post(self, request, **kwargs):
        data = self.validate(DiscountInput)
        discount = services.discount_create(store=self.store, data=data)
        return self.respond(self.serialize(DiscountSerializer, discount), status=201)


class DiscountDetailApi(PrivateApi):
    """Fetch, update or delete a discount code (usageCount is read-only)."""

    rate_limits = DETAIL_LIMITS

    @extend_schema(
        operation_id="discount_get",
        summary="Get a discount",
        responses=envelope(DiscountSerializer),
    )
    def get(self, request, discount, **kwargs):
        found = selectors.discount_get(store=self.store, discount_id=discount)
        return self.respond(self.serialize(DiscountSerializer, found))

    @extend_schema(
        operation_id="discount_update",
        summary="Update a discount",
        request=DiscountInput(partial=True),
        responses=envelope(DiscountSerializer),
    )
    def patch(self, request, discount, **kwargs):
        found = selectors.discount_get(store=self.store, discount_id=discount)
        data = self.validate(DiscountInput, partial=True)
        updated = services.discount_update(discount=found, data=data)
        return self.respond(self.serialize(DiscountSerializer, updated))

    @extend_schema(
        operation_id="discount_delete",
        summary="Delete a discount",
        request=None,
        responses={204: None},
    )
    def delete(self, request, discount, **kwargs):
        found = selectors.discount_get(store=self.store, discount_id=discount)
        services.discount_delete(discount=found)
        return self.no_content()


class ShippingMethodListApi(PrivateApi):
    """List or create shipping methods."""

    rate_limits = LIST_LIMITS

    @extend_schema(
        operation_id="shipping_methods_list",
        summary="List shipping methods",
        parameters=[*page_params(), ACTIVE_PARAM],
        responses=page_envelope(ShippingMethodSerializer),
    )
    def get(self, request, **kwargs):
        filters = self.validate_query(ActiveQuery)
        return self.respond_page(
            selectors.shipping_method_list(store=self.store, filters=filters),
            ShippingMethodSerializer,
        )

    @extend_schema(
        operation_id="shipping_method_create",
        summary="Create a shipping method",
        request=ShippingMethodInput,
        responses={201: envelope(ShippingMethodSerializer)},
    )
    def post(self, request, **kwargs):
        data = self.validate(ShippingMethodInput)
        method = services.shipping_method_create(store=self.store, data=data)
        return self.respond(
            self.serialize(ShippingMethodSerializer, method), status=201
        )


class ShippingMethodDetailApi(PrivateApi):
    """Fetch, update or delete a shipping method."""

    rate_limits = DETAIL_LIMITS

    @extend_schema(
        operation_id="shipping_method_get",
        summary="Get a shipping method",
        responses=envelope(ShippingMethodSerializer),
    )
    def get(self, request, method, **kwargs):
        found = selectors.shipping_method_get(store=self.store, method_id=method)
        return self.respond(self.serialize(ShippingMethodSerializer, found))

    @extend_schema(
        operation_id="shipping_method_update",
        summary="Update a shipping method",
        request=ShippingMethodInput(partial=True),
        responses=envelope(ShippingMethodSerializer),
    )
    def patch(self, request, method, **kwargs):
        found = selectors.shipping_method_get(store=self.store, method_id=method)
        data = self.validate(ShippingMethodInput, partial=True)
        updated = services.shipping_method_update(method=found, data=data)
        return self.respond(self.serialize(ShippingMethodSerializer, updated))

    @extend_schema(
        operation_id="shipping_method_delete",
        summary="Delete a shipping method",
        request=None,
        responses={204: None},
    )
    def delete(self, request, method, **kwargs):
        found = selectors.shipping_method_get(store=self.store, method_id=method)
        services.shipping_method_delete(method=found)
        return self.no_content()


class TaxRateListApi(PrivateApi):
    """List or create tax rates."""

    rate_limits = LIST_LIMITS

    @extend_schema(
        operation_id="tax_rates_list",
        summary="List tax rates",
        parameters=[
            *page_params(),
            OpenApiParameter(
                "countryCode", OpenApiTypes.STR, description="ISO country code."
            ),
        ],
        responses=page_envelope(TaxRateSerializer),
    )
    def get(self, request, **kwargs):
        filters = self.validate_query(TaxRateListQuery)
        return self.respond_page(
            selectors.tax_rate_list(store=self.store, filters=filters),
            TaxRateSerializer,
        )

    @extend_schema(
        operation_id="tax_rate_create",
        summary="Create a tax rate",
        request=TaxRateInput,
        responses={201: envelope(TaxRateSerializer)},
    )
    def post(self, request, **kwargs):
        data = self.validate(TaxRateInput)
        rate = services.tax_rate_create(store=self.store, data=data)
        return self.respond(self.serialize(TaxRateSerializer, rate), status=201)


class TaxRateDetailApi(PrivateApi):
    """Fetch, update or delete a tax rate (rate as a decimal, 0.2 for 20%)."""

    rate_limits = DETAIL_LIMITS

    @extend_schema(
        operation_id="tax_rate_get",
        summary="Get a tax rate",
        responses=envelope(TaxRateSerializer),
    )
    def get(self, request, rate, **kwargs):
        found = selectors.tax_rate_get(store=self.store, rate_id=rate)
        return self.respond(self.serialize(TaxRateSerializer, found))

    @extend_schema(
        operation_id="tax_rate_update",
        summary="Update a tax rate",
        request=TaxRateInput(partial=True),
        responses=envelope(TaxRateSerializer),
    )
    def patch(self, request, rate, **kwargs):
        found = selectors.tax_rate_get(store=self.store, rate_id=rate)
        data = self.validate(TaxRateInput, partial=True, instance=found)
        updated = services.tax_rate_update(rate=found, data=data)
        return self.respond(self.serialize(TaxRateSerializer, updated))

    @extend_schema(
        operation_id="tax_rate_delete",
        summary="Delete a tax rate",
        request=None,
        responses={204: None},
    )
    def delete(self, request, rate, **kwargs):
        found = selectors.tax_rate_get(store=self.store, rate_id=rate)
        services.tax_rate_delete(rate=found)
        return self.no_content()
