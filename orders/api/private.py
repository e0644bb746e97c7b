"""Private order endpoints (secret key): list, detail, update, fulfil, refund, cancel.

Every order is looked up in the key's store and mode (anything else is a 404); the operations
run the services of :mod:`orders.services` as the calling API key (the timeline's "who").
"""

from __future__ import annotations

from functools import partial

from drf_spectacular.utils import extend_schema

from core.api.schema import envelope, page_envelope, page_params
from core.api.views import PrivateApi

from .. import selectors, services
from ..filters import OrderFilter
from ..models import Order
from ..serializers import (
    ORDER_LIST_ITEM_FIELDS,
    OrderCancelInput,
    OrderFulfillInput,
    OrderPatchSerializer,
    OrderRefundInput,
    OrderRefundResultSerializer,
    PrivateOrderDetailSerializer,
    PrivateOrderListItemSerializer,
    order_list_items,
)
from ..timeline import actor_from_request
from ..totals import order_list_total


class PrivateOrderApi(PrivateApi):
    def get_order(self, order_id: str):
        return selectors.order_get(store=self.store, mode=self.mode, order_id=order_id)

    @property
    def actor(self):
        return actor_from_request(self.request)

    def respond_order(self, order_id: str, **context):
        order = self.get_order(order_id)
        return self.respond(
            self.serialize(PrivateOrderDetailSerializer, order, **context)
        )


class OrderListApi(PrivateOrderApi):
    """Placed orders of the key's store and mode, newest first."""

    rate_limits = {"GET": "240/m"}

    queryset = Order.objects.none()
    filterset_class = OrderFilter

    @extend_schema(
        operation_id="orders_list",
        summary="List orders",
        parameters=page_params(),
        responses=page_envelope(PrivateOrderListItemSerializer),
    )
    def get(self, request, **kwargs):
        orders = self.filter_queryset(
            selectors.order_list(store=self.store, mode=self.mode)
        )
        filters = {
            name: request.query_params.get(name, "")
            for name in OrderFilter.base_filters
        }
        return self.respond_page(
            orders.only(*ORDER_LIST_ITEM_FIELDS),
            PrivateOrderListItemSerializer,
            output=order_list_items,
            count=partial(
                order_list_total, store=self.store, mode=self.mode, filters=filters
            ),
        )


class OrderDetailApi(PrivateOrderApi):
    """One order in full; PATCH changes notes, metadata and addresses."""

    rate_limits = {"GET": "240/m", "PATCH": "120/m"}
    error_statuses = (409,)

    @extend_schema(
        operation_id="orders_get",
        summary="Get an order",
        responses=envelope(PrivateOrderDetailSerializer),
    )
    def get(self, request, order: str, **kwargs):
        return self.respond_order(order)

    @extend_schema(
        operation_id="orders_update",
        summary="Update an order",
        request=OrderPatchSerializer,
        responses=envelope(PrivateOrderDetailSerializer),
    )
    def patch(self, request, order: str, **kwargs):
        instance = self.get_order(order)
        data = self.validate(OrderPatchSerializer)
        services.order_update(order=instance, data=dict(data), actor=self.actor)
        return self.respond_order(order)


class OrderFulfillApi(PrivateOrderApi):
    rate_limits = {"POST": "60/m"}
    error_statuses = (409,)

    @extend_schema(
        operation_id="orders_fulfill",
        summary="Fulfil an order",
        request=OrderFulfillInput,
        responses=envelope(PrivateOrderDetailSerializer),
    )
    def post(self, request, order: str, **kwargs):
        instance = self.get_order(order)
        data = self.validate(OrderFulfillInput)
        services.order_fulfill(
            order=instance,
            items=data.get("items"),
            tracking_number=data.get("tracking_number") or "",
            tracking_url=data.get("tracking_url") or "",
            carrier=data.get("carrier") or "",
            notify_customer=data["notify_customer"],
            actor=self.actor,
        )
        return self.respond_order(order)


class OrderRefundApi(PrivateOrderApi):
    rate_limits = {"POST": "30/m"}
    error_statuses = (409, 502)

    @extend_schema(
        operation_id="orders_refund",
        summary="Refund an order",
        request=OrderRefundInput,
        responses=envelope(OrderRefundResultSerializer),
    )
    def post(self, request, order: str, **kwargs):
        instance = self.get_order(order)
        data = self.validate(OrderRefundInput)
        refund = services.order_refund(
            order=instance,
            amount=data.get("amount"),
            reason=data.get("reason") or "",
            restock=data["restock"],
            items=data.get("items"),
            notify_customer=data["notify_customer"],
            actor=self.actor,
        )
        updated = self.get_order(order)
        refund = next(r for r in updated.refunds.all() if r.pk == refund.pk)
        return self.respond(
            self.serialize(OrderRefundResultSerializer, updated, refund=refund)
        )


class OrderCancelApi(PrivateOrderApi):
    rate_limits = {"POST": "30/m"}
    error_statuses = (409, 502)

    @extend_schema(
        operation_id="orders_cancel",
        summary="Cancel an order",
        request=OrderCancelInput,
        responses=envelope(PrivateOrderDetailSerializer),
    )
    def post(self, request, order: str, **kwargs):
        instance = self.get_order(order)
        data = self.validate(OrderCancelInput)
        services.order_cancel(
            order=instance,
            reason=(data.get("reason") or "").strip(),
            notify_customer=data["notify_customer"],
            actor=self.actor,
        )
        return self.respond_order(order)
