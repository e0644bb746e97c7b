"""The shopper's subscriptions: ``GET /account/subscriptions`` and
``POST /account/subscriptions/{id}/cancel`` (a customer session on the X-Cart-Token)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from core.api.schema import envelope, page_envelope, page_params
from core.api.views import PublicApi
from core.exceptions import Unauthenticated

from .. import selectors, services
from ..serializers import SubscriptionSerializer


class AccountSubscriptionApi(PublicApi):
    """The customer signed in on the cart token (401 otherwise); an unverified session sees
    only the subscriptions its own token bought."""

    uses_cart_token = True

    @property
    def scope(self) -> dict:
        session = self.visitor.session
        if session is None:
            raise Unauthenticated(
                "Log in first: this cart token has no authenticated customer.",
                code="customer_unauthenticated",
            )
        return {
            "customer": session.customer,
            "placed_on": None if session.is_verified else session.cart_token,
        }

    def _get(self, subscription_id: str):
        return selectors.subscription_get_for_customer(
            store=self.store,
            mode=self.mode,
            subscription_id=subscription_id,
            **self.scope,
        )


class AccountSubscriptionListApi(AccountSubscriptionApi):
    rate_limits = {"GET": "120/m"}

    @extend_schema(
        operation_id="public_account_subscriptions_list",
        summary="List the customer's subscriptions",
        parameters=page_params(),
        responses=page_envelope(SubscriptionSerializer),
    )
    def get(self, request, **kwargs):
        queryset = selectors.subscription_list_for_customer(
            store=self.store, mode=self.mode, **self.scope
        )
        return self.respond_page(queryset, SubscriptionSerializer)


class AccountSubscriptionDetailApi(AccountSubscriptionApi):
    rate_limits = {"GET": "120/m"}

    @extend_schema(
        operation_id="public_account_subscription_get",
        summary="Get one of the customer's subscriptions",
        responses=envelope(SubscriptionSerializer),
    )
    def get(self, request, subscription: str, **kwargs):
        return self.respond(
            self.serialize(SubscriptionSerializer, self._get(subscription))
        )


class AccountSubscriptionCancelApi(AccountSubscriptionApi):
    rate_limits = {"POST": "30/m"}

    @extend_schema(
        operation_id="public_account_subscription_cancel",
        summary="Cancel one of the customer's subscriptions",
        request=None,
        responses=envelope(SubscriptionSerializer),
    )
    def post(self, request, subscription: str, **kwargs):
        found = services.subscription_cancel(
            subscription=self._get(subscription), reason="customer"
        )
        return self.respond(self.serialize(SubscriptionSerializer, found))
