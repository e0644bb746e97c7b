"""Private customer endpoints (secret key)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from core.api.schema import envelope, page_envelope, page_params
from core.api.views import PrivateApi

from .. import selectors, services
from ..filters import CustomerFilter
from ..models import Customer
from ..serializers import (
    CustomerDetailSerializer,
    CustomerListItemSerializer,
    CustomerPatchSerializer,
)


class CustomerListApi(PrivateApi):
    """The store's customers, newest first, with paid-order totals."""

    rate_limits = {"GET": "240/m"}

    queryset = Customer.objects.none()
    filterset_class = CustomerFilter

    @extend_schema(
        operation_id="customers_list",
        summary="List customers",
        parameters=page_params(),
        responses=page_envelope(CustomerListItemSerializer),
    )
    def get(self, request, **kwargs):
        queryset = self.filter_queryset(
            selectors.customer_list(store=self.store, mode=self.mode)
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
