"""``POST /cart/checkout``: turn the visitor's cart into an order and pay for it."""

from __future__ import annotations

from urllib.parse import urlsplit

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from core.api.fields import StrictBooleanField, StrictCharField
from core.api.schema import envelope
from core.api.views import PublicApi

from .. import checkout, services
from ..serializers import CartSerializer


class CheckoutInput(serializers.Serializer):
    payment_method = StrictCharField(
        max_length=100,
        help_text=(
            "A Stripe PaymentMethod id (pm_...) collected with Stripe Elements, or one of the "
            "store's alternative methods (bank_transfer; apple_pay / google_pay without Stripe)."
        ),
    )
    return_url = StrictCharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        help_text="An http(s) URL the shopper returns to (3-D Secure, confirmation page); "
        "?order=<id> is added.",
    )
    marketing_opt_in = StrictBooleanField(
        required=False, help_text="The shopper opts in to marketing email."
    )
    terms_accepted = StrictBooleanField(
        required=False,
        help_text="The shopper accepted the store's terms (kept on the order).",
    )

    class Meta:
        ref_name = "CheckoutInput"

    def validate_return_url(self, value: str) -> str:
        value = value.strip()
        if not value:
            return ""
        url = serializers.URLField()
        url.run_validators(value)
        if urlsplit(value).scheme.lower() not in ("http", "https"):
            raise serializers.ValidationError("Enter an http or https URL.")
        return value


#: ``status`` and ``paymentStatus`` of a checkout's answer (CheckoutStatusEnum,
#: CheckoutPaymentStatusEnum in the schema).
CHECKOUT_STATUSES = ("paid", "pending")
CHECKOUT_PAYMENT_STATUSES = ("succeeded", "requires_action", "processing", "pending")


class CheckoutNextActionSerializer(serializers.Serializer):
    """What Stripe.js needs to finish the payment in the page instead of redirecting the
    shopper to ``nextActionUrl``: ``stripe.handleNextAction({clientSecret})``, then poll
    ``GET /orders/{id}/status`` as after the redirect."""

    type = serializers.ChoiceField(
        choices=("use_stripe_sdk",),
        read_only=True,
        help_text="use_stripe_sdk: hand clientSecret to Stripe.js.",
    )
    client_secret = serializers.CharField(
        help_text="The PaymentIntent's client secret (pi_..._secret_...). Give it to "
        "Stripe.js only; do not log it or put it in a URL."
    )

    class Meta:
        ref_name = "CheckoutNextAction"


class CheckoutResultSerializer(serializers.Serializer):
    """The reference's two examples: a completed payment (``orderNumber``, ``redirectUrl``)
    and one waiting for the shopper (``requiresAction``, ``nextActionUrl``, no number yet)."""

    order_id = serializers.CharField()
    order_number = serializers.CharField(
        allow_null=True,
        required=False,
        help_text="Absent while requiresAction is true.",
    )
    status = serializers.ChoiceField(
        choices=CHECKOUT_STATUSES,
        read_only=True,
        help_text="paid once the payment succeeded, else pending.",
    )
    payment_status = serializers.ChoiceField(
        choices=CHECKOUT_PAYMENT_STATUSES,
        read_only=True,
        help_text="pending: a bank transfer, placed and awaiting payment.",
    )
    requires_action = serializers.BooleanField()
    next_action_url = serializers.CharField(allow_null=True)
    redirect_url = serializers.CharField(
        allow_null=True,
        required=False,
        help_text="returnUrl with ?order=<id>, or null without returnUrl. Absent while "
        "requiresAction is true.",
    )
    next_action = CheckoutNextActionSerializer(
        required=False,
        help_text="Added to the reference's fields: present only while requiresAction is "
        "true, to finish the payment in the page with Stripe.js (nextActionUrl stays for "
        "a redirect).",
    )

    class Meta:
        ref_name = "CheckoutResult"

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.requires_action:
            data.pop("order_number")
            data.pop("redirect_url")
        if instance.next_action is None:
            data.pop("next_action")
        return data


class CartCheckoutApi(PublicApi):
    """Check out the cart: reserve stock, place the order and charge the payment method.

    422 names what is missing (``items``, ``email``, ``shippingAddress``,
    ``shippingOption``, an unavailable line ``items[i]``, ``paymentMethod``); 409 names a
    line short of stock; 402 is a declined card (the cart is kept for another try); 502 the
    payment provider could not be reached (retrying with the same Idempotency-Key is safe and
    answers with the order once the payment is known).
    """

    uses_cart_token = True
    rate_limits = {"POST": "30/m"}
    idempotent_methods = frozenset({"POST"})
    error_statuses = (402, 409, 502)

    @extend_schema(
        operation_id="cart_checkout",
        summary="Check out the cart",
        # Documented with the orders it places, as before the flow moved to carts.
        tags=["orders (public)"],
        request=CheckoutInput,
        responses=envelope(CheckoutResultSerializer),
    )
    def post(self, request, **kwargs):
        data = self.validate(CheckoutInput)
        services.cart_currency_set(
            store=self.store,
            mode=self.mode,
            cart_token=self.cart_token,
            currency=self.visitor.requested_currency,
        )
        result = checkout.cart_checkout(
            store=self.store,
            mode=self.mode,
            cart_token=self.cart_token,
            payment_method=data["payment_method"],
            return_url=data.get("return_url", ""),
            marketing_opt_in=data.get("marketing_opt_in"),
            terms_accepted=data.get("terms_accepted"),
            locale=self.locale,
            request_key=request.headers.get("Idempotency-Key"),
            email_locale=self.visitor.content_locale,
        )
        return self.respond(self.serialize(CheckoutResultSerializer, result))


class CartReopenInput(serializers.Serializer):
    order_id = StrictCharField(
        max_length=40,
        help_text="The ord_ id checkout answered, whose payment failed or was abandoned.",
    )

    class Meta:
        ref_name = "CartReopenInput"


class CartReopenApi(PublicApi):
    """Pay again: an order whose card payment failed (3-D Secure refused) or was abandoned
    at the 3-D Secure step becomes the visitor's cart again, lines, checkout data and
    discount code intact; an abandoned payment is cancelled first. Answers the cart, as
    ``GET /cart``.

    404 when the order is not this cart token's; 409 when it is paid, placed (bank
    transfer), still being paid, or the token has filled another cart meanwhile.
    """

    uses_cart_token = True
    rate_limits = {"POST": "30/m"}
    error_statuses = (409,)

    @extend_schema(
        operation_id="cart_reopen",
        summary="Reopen a failed checkout as the cart",
        request=CartReopenInput,
        responses=envelope(CartSerializer),
    )
    def post(self, request, **kwargs):
        data = self.validate(CartReopenInput)
        checkout.cart_reopen(
            store=self.store,
            mode=self.mode,
            cart_token=self.cart_token,
            order_id=data["order_id"],
        )
        priced = services.cart_fetch(
            store=self.store,
            mode=self.mode,
            cart_token=self.cart_token,
            locale=self.locale,
        )
        return self.respond(self.serialize(CartSerializer, priced))
