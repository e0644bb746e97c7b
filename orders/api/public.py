"""Public order endpoints: the post-checkout order page, its status poll, and the
authenticated customer's order history."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from core.api.schema import envelope, page_envelope, page_params
from core.api.views import PublicApi
from core.exceptions import Unauthenticated

from .. import selectors
from ..serializers import (
    AccountOrderListItemSerializer,
    OrderSerializer,
    OrderStatusSerializer,
    PublicOrderSerializer,
)


class VisitorOrderApi(PublicApi):
    """An order seen by the cart token that created it or its customer, signed in on the
    token with a verified session (a login link)."""

    uses_cart_token = True

    def visitor_order(self, order_id: str):
        return selectors.order_get_for_visitor(
            store=self.store,
            mode=self.mode,
            order_id=order_id,
            cart_token=self.cart_token,
            customer=self.visitor.verified_customer,
        )


class OrderDetailApi(VisitorOrderApi):
    rate_limits = {"GET": "60/m"}

    @extend_schema(
        operation_id="public_order_get",
        summary="Get an order",
        responses=envelope(PublicOrderSerializer),
    )
    def get(self, request, order: str, **kwargs):
        return self.respond(
            self.serialize(PublicOrderSerializer, self.visitor_order(order))
        )


class OrderStatusApi(VisitorOrderApi):
    rate_limits = {"GET": "120/m"}

    @extend_schema(
        operation_id="public_order_status",
        summary="Poll an order's status",
        responses=envelope(OrderStatusSerializer),
    )
    def get(self, request, order: str, **kwargs):
        return self.respond(
            self.serialize(OrderStatusSerializer, self.visitor_order(order))
        )


class CustomerSessionApi(PublicApi):
    """Endpoints of the customer authenticated on the visitor's cart token (401 otherwise).

    An unverified session (create-account, no login link yet) sees only the orders its own
    token placed (``placed_on``)."""

    uses_cart_token = True

    @property
    def session(self):
        session = self.visitor.session
        if session is None:
            raise Unauthenticated(
                "Log in first: this cart token has no authenticated customer.",
                code="customer_unauthenticated",
            )
        return session

    @property
    def scope(self) -> dict:
        session = self.session
        return {
            "customer": session.customer,
            "placed_on": None if session.is_verified else session.cart_token,
        }


class AccountOrderListApi(CustomerSessionApi):
    rate_limits = {"GET": "120/m"}

    @extend_schema(
        operation_id="public_account_orders_list",
        summary="List the customer's orders",
        parameters=page_params(),
        responses=page_envelope(AccountOrderListItemSerializer),
    )
    def get(self, request, **kwargs):
        orders = selectors.order_list_for_customer(
            store=self.store, mode=self.mode, **self.scope
        )
        return self.respond_page(orders, AccountOrderListItemSerializer)


class AccountOrderDetailApi(CustomerSessionApi):
    rate_limits = {"GET": "120/m"}

    @extend_schema(
        operation_id="public_account_order_get",
        summary="Get one of the customer's orders",
        responses=envelope(OrderSerializer),
    )
    def get(self, request, order: str, **kwargs):
        found = selectors.order_get_for_customer(
            store=self.store, mode=self.mode, order_id=order, **self.scope
        )
        return self.respond(self.serialize(OrderSerializer, found))
