"""Private customer endpoints (secret key)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from core.api.schema import envelope, page_envelope, page_params
from core.api.views import PrivateApi

from .. import selectors, services
from ..serializers import (
    CustomerDetailSerializer,
    CustomerListItemSerializer,
    CustomerListParamsSerializer,
    CustomerPatchSerializer,
)


class CustomerListApi(PrivateApi):
    """The store's customers, newest first, with paid-order totals."""

    rate_limits = {"GET": "240/m"}

    @extend_schema(
        operation_id="customers_list",
        summary="List customers",
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                description="Search first name, last name or email.",
            ),
            OpenApiParameter(
                "createdAfter",
                OpenApiTypes.DATETIME,
                description="ISO 8601; created strictly after.",
            ),
            *page_params(),
        ],
        responses=page_envelope(CustomerListItemSerializer),
    )
    def get(self, request, **kwargs):
        params = self.validate_query(CustomerListParamsSerializer)
        queryset = selectors.customer_list(
            store=self.store,
            mode=self.mode,
            q=params.get("q"),
            created_after=params.get("created_after"),
        )
        return self.respond_page(queryset, CustomerListItemSerializer)


class CustomerDetailApi(PrivateApi):
    """One customer with saved addresses and totals; PATCH replaces tags and metadata."""

    rate_limits = {"GET": "240/m", "PATCH": "120/m"}

    def _get(self, customer_id: str):
        return selectors.customer_get(
            store=self.store, mode=self.mode, customer_id=customer_id
        )

    @extend_schema(
        operation_id="customers_get",
        summary="Get a customer",
        responses=envelope(CustomerDetailSerializer),
    )
    def get(self, request, customer, **kwargs):
        return self.respond(
            self.serialize(CustomerDetailSerializer, self._get(customer))
        )

    @extend_schema(
        operation_id="customers_update",
        summary="Update a customer",
        request=CustomerPatchSerializer,
        responses=envelope(CustomerDetailSerializer),
    )
    def patch(self, request, customer, **kwargs):
        instance = self._get(customer)
        data = self.validate(CustomerPatchSerializer)
        services.customer_update(customer=instance, data=dict(data), mode=self.mode)
        return self.respond(
            self.serialize(CustomerDetailSerializer, self._get(customer))
        )
