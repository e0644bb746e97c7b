"""Public customer endpoints: passwordless login on the cart session, and the account."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from core.api.schema import envelope
from core.api.views import PublicApi
from core.exceptions import Unauthenticated

from .. import selectors, services
from ..models import Customer, CustomerSession
from ..serializers import (
    AuthResultSerializer,
    AuthStatusSerializer,
    CheckCustomerResultSerializer,
    CreateAccountInputSerializer,
    CustomerSerializer,
    EmailInputSerializer,
    LoggedOutSerializer,
    ProfileUpdateSerializer,
    SendAuthResultSerializer,
    VerifyAuthInputSerializer,
)


def _auth_result(customer: Customer) -> dict:
    return {"customer_id": customer.pk, "email": customer.email, "authenticated": True}


class CheckCustomerApi(PublicApi):
    """Whether the store has a customer for an email (never another store's)."""

    rate_limits = {"POST": "30/m"}

    @extend_schema(
        operation_id="public_cart_check_customer",
        summary="Check whether a customer exists",
        request=EmailInputSerializer,
        responses=envelope(CheckCustomerResultSerializer),
    )
    def post(self, request, **kwargs):
        data = self.validate(EmailInputSerializer)
        exists = (
            selectors.customer_get_by_email(
                store=self.store, mode=self.mode, email=data["email"]
            )
            is not None
        )
        return self.respond({"exists": exists, "can_send_auth_link": exists})


class SendAuthApi(PublicApi):
    """Email a login link; the answer is the same whether or not the email is known."""

    rate_limits = {"POST": "10/m"}

    @extend_schema(
        operation_id="public_cart_send_auth",
        summary="Send a login link",
        request=EmailInputSerializer,
        responses=envelope(SendAuthResultSerializer),
    )
    def post(self, request, **kwargs):
        data = self.validate(EmailInputSerializer)
        services.login_link_request(
            store=self.store,
            mode=self.mode,
            email=data["email"],
            locale=self.visitor.content_locale,
        )
        expires_in = int(services.LOGIN_TOKEN_TTL.total_seconds())
        return self.respond({"sent": True, "expires_in": expires_in})


class VerifyAuthApi(PublicApi):
    """Exchange a login token for a session on the visitor's X-Cart-Token."""

    rate_limits = {"POST": "30/m"}
    uses_cart_token = True

    @extend_schema(
        operation_id="public_cart_verify_auth",
        summary="Verify a login token",
        request=VerifyAuthInputSerializer,
        responses=envelope(AuthResultSerializer),
    )
    def post(self, request, **kwargs):
        data = self.validate(VerifyAuthInputSerializer)
        customer = services.login_token_verify(
            store=self.store,
            mode=self.mode,
            cart_token=self.cart_token,
            raw_token=data["token"],
        )
        return self.respond(_auth_result(customer))


class CreateAccountApi(PublicApi):
    """Create (or claim, after a guest checkout) an account and sign the session in."""

    rate_limits = {"POST": "10/m"}
    uses_cart_token = True
    error_statuses = (409,)

    @extend_schema(
        operation_id="public_cart_create_account",
        summary="Create a customer account",
        request=CreateAccountInputSerializer,
        responses=envelope(AuthResultSerializer),
    )
    def post(self, request, **kwargs):
        data = self.validate(CreateAccountInputSerializer)
        customer = services.account_create(
            store=self.store,
            mode=self.mode,
            cart_token=self.cart_token,
            email=data["email"],
            first_name=data.get("first_name"),
            last_name=data.get("last_name"),
            marketing_opt_in=data.get("marketing_opt_in"),
        )
        return self.respond(_auth_result(customer))


class AuthStatusApi(PublicApi):
    """Whether the visitor's X-Cart-Token carries an authenticated customer."""

    rate_limits = {"GET": "120/m"}
    uses_cart_token = True
    cart_token_required = False

    @extend_schema(
        operation_id="public_cart_auth_status",
        summary="Check authentication status",
        responses=envelope(AuthStatusSerializer),
    )
    def get(self, request, **kwargs):
        session = self.visitor.session
        customer = None if session is None else selectors.session_profile(session)
        payload = {"authenticated": customer is not None, "customer": customer}
        return self.respond(self.serialize(AuthStatusSerializer, payload))


class AccountApi(PublicApi):
    """Base of the ``/account`` endpoints: a customer session on the X-Cart-Token, else 401."""

    uses_cart_token = True

    @property
    def session(self) -> CustomerSession:
        session = self.visitor.session
        if session is None:
            raise Unauthenticated(
                "Sign in first: this X-Cart-Token has no customer session (verify a login link "
                "or create an account)."
            )
        return session

    @property
    def customer(self) -> Customer:
        """The customer as this session may see it (``selectors.session_profile``)."""
        return selectors.session_profile(self.session)


class ProfileApi(AccountApi):
    """The signed-in customer's profile; PUT changes only the fields sent."""

    rate_limits = {"GET": "120/m", "PUT": "30/m"}

    @extend_schema(
        operation_id="public_account_profile_get",
        summary="Get the customer's profile",
        responses=envelope(CustomerSerializer),
    )
    def get(self, request, **kwargs):
        return self.respond(self.serialize(CustomerSerializer, self.customer))

    @extend_schema(
        operation_id="public_account_profile_update",
        summary="Update the customer's profile",
        request=ProfileUpdateSerializer,
        responses=envelope(CustomerSerializer),
    )
    def put(self, request, **kwargs):
        session = self.session
        data = self.validate(ProfileUpdateSerializer)
        customer = services.session_profile_update(session=session, data=dict(data))
        return self.respond(self.serialize(CustomerSerializer, customer))


class LogoutApi(AccountApi):
    """End the customer session; the cart stays under the X-Cart-Token, unlinked."""

    rate_limits = {"POST": "30/m"}

    @extend_schema(
        operation_id="public_account_logout",
        summary="Log out",
        request=None,
        responses=envelope(LoggedOutSerializer),
    )
    def post(self, request, **kwargs):
        self.session  # noqa: B018  (401 without a session)
        services.customer_logout(
            store=self.store, mode=self.mode, cart_token=self.cart_token
        )
        return self.respond({"authenticated": False})
