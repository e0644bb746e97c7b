"""The merchant's subscriptions (secret key): list, get, pause, resume and cancel."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from core.api.schema import envelope, page_envelope, page_params
from core.api.views import PrivateApi

from .. import selectors, services
from ..models import Subscription
from ..serializers import (
    PrivateSubscriptionSerializer,
    SubscriptionListParamsSerializer,
)


class SubscriptionListApi(PrivateApi):
    """The store's subscriptions, newest first."""

    rate_limits = {"GET": "240/m"}

    @extend_schema(
        operation_id="subscriptions_list",
        summary="List subscriptions",
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=list(Subscription.Status.values),
                description="Only subscriptions in this status.",
            ),
            OpenApiParameter(
                "customerId", OpenApiTypes.STR, description="Only this customer's."
            ),
            *page_params(),
        ],
        responses=page_envelope(PrivateSubscriptionSerializer),
    )
    def get(self, request, **kwargs):
        params = self.validate_query(SubscriptionListParamsSerializer)
        queryset = selectors.subscription_list(
            store=self.store,
            mode=self.mode,
            status=params.get("status"),
            customer_id=params.get("customer_id"),
        )
        return self.respond_page(queryset, PrivateSubscriptionSerializer)


class _SubscriptionApi(PrivateApi):
    def _get(self, subscription_id: str) -> Subscription:
        return selectors.subscription_get(
            store=self.store, mode=self.mode, subscription_id=subscription_id
        )


class SubscriptionDetailApi(_SubscriptionApi):
    rate_limits = {"GET": "240/m"}

    @extend_schema(
        operation_id="subscriptions_get",
        summary="Get a subscription",
        responses=envelope(PrivateSubscriptionSerializer),
    )
    def get(self, request, subscription: str, **kwargs):
        return self.respond(
            self.serialize(PrivateSubscriptionSerializer, self._get(subscription))
        )


def _action_view(name: str, summary: str, call):
    class ActionApi(_SubscriptionApi):
        rate_limits = {"POST": "60/m"}
        error_statuses = (409,)

        @extend_schema(
            operation_id=f"subscriptions_{name}",
            summary=summary,
            request=None,
            responses=envelope(PrivateSubscriptionSerializer),
        )
        def post(self, request, subscription: str, **kwargs):
            found = call(self._get(subscription))
            return self.respond(self.serialize(PrivateSubscriptionSerializer, found))

    ActionApi.__name__ = ActionApi.__qualname__ = f"Subscription{name.capitalize()}Api"
    return ActionApi


SubscriptionPauseApi = _action_view(
    "pause",
    "Pause a subscription (no charges until resumed)",
    lambda s: services.subscription_pause(subscription=s),
)
SubscriptionResumeApi = _action_view(
    "resume",
    "Resume a paused subscription",
    lambda s: services.subscription_resume(subscription=s),
)
SubscriptionCancelApi = _action_view(
    "cancel",
    "Cancel a subscription (no further charges)",
    lambda s: services.subscription_cancel(subscription=s, reason="merchant"),
)
