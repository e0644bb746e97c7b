"""Public cart, checkout-data and reference-data endpoints (publishable key)."""

from __future__ import annotations

from django.conf import settings
from django.templatetags.static import static
from drf_spectacular.utils import extend_schema

from core.addresses import store_shipping_countries
from core.api.schema import envelope
from core.api.views import PublicApi
from core.countries import country_get, states_for
from core.exceptions import NotFound
from core.models import PAYMENT_METHODS

from .. import services
from ..pricing import Destination
from ..serializers import (
    CartItemCreateInput,
    CartItemUpdateInput,
    CartSerializer,
    CheckoutDataInput,
    CheckoutDataSerializer,
    CountrySerializer,
    DiscountCodeInput,
    EstimateInput,
    EstimateSerializer,
    PaymentMethodSerializer,
    ShippingOptionSelectInput,
    ShippingOptionSerializer,
    StateSerializer,
    TaxCalculateInput,
    TaxCalculationSerializer,
    cart_out,
)

#: Icons under ``static/pm/``, by payment method id.
PAYMENT_METHOD_ICONS = {
    "card": "pm/card.svg",
    "apple_pay": "pm/apple-pay.svg",
    "google_pay": "pm/google-pay.svg",
    "bank_transfer": "pm/bank.svg",
}

#: Header a CDN or proxy may set with the visitor's country (Cloudflare's name).
VISITOR_COUNTRY_HEADER = "CF-IPCountry"


class PublicCartApi(PublicApi):
    """A public endpoint that reads or changes the visitor's cart (``X-Cart-Token``)."""

    uses_cart_token = True

    def get_cart(self):
        """The visitor's open cart, created on first use."""
        key = self.cart_key()
        return services.cart_get_or_create(
            store=key.store,
            mode=key.mode,
            cart_token=key.cart_token,
            visitor_country=key.visitor_country,
            currency=key.currency,
        )

    def cart_key(self) -> services.CartKey:
        """The visitor's cart as a write names it: the write locks it (and creates it on
        first use) in one statement, instead of reading it first."""
        return services.CartKey(
            store=self.store,
            mode=self.mode,
            cart_token=self.cart_token,
            visitor_country=self.request.headers.get(VISITOR_COUNTRY_HEADER, "")
            .strip()
            .upper(),
            currency=self.visitor.requested_currency,
        )

    def respond_cart(self, priced):
        # CartSerializer's shape (the schema documents it), built without DRF's fields.
        return self.respond(cart_out(priced, self.get_serializer_context()))


def _destination(data: dict) -> Destination:
    return Destination(
        country_code=data["country_code"],
        state=data.get("state") or "",
        postcode=data.get("postcode") or "",
    )


class CartApi(PublicCartApi):
    """Fetch the visitor's cart; an unknown X-Cart-Token gets a new empty cart."""

    rate_limits = {"GET": "120/m"}

    @extend_schema(
        operation_id="cart_get",
        summary="Get the cart",
        responses=envelope(CartSerializer),
    )
    def get(self, request, **kwargs):
        priced = services.cart_fetch(
            store=self.store,
            mode=self.mode,
            cart_token=self.cart_token,
            locale=self.locale,
            visitor_country=request.headers.get(VISITOR_COUNTRY_HEADER, "")
            .strip()
            .upper(),
            currency=self.visitor.requested_currency,
        )
        return self.respond_cart(priced)


class CartItemListApi(PublicCartApi):
    """Add an item; the same product and variant increments its line (409 when out of stock)."""

    rate_limits = {"POST": "120/m"}
    error_statuses = (409,)

    @extend_schema(
        operation_id="cart_item_add",
        summary="Add an item to the cart",
        request=CartItemCreateInput,
        responses=envelope(CartSerializer),
    )
    def post(self, request, **kwargs):
        data = self.validate(CartItemCreateInput)
        priced = services.cart_item_add(
            cart=self.cart_key(),
            product_ref=data["product_id"],
            variant_id=data.get("variant_id") or None,
            quantity=data["quantity"],
            locale=self.locale,
        )
        return self.respond_cart(priced)


class CartItemApi(PublicCartApi):
    """Change a line's quantity (0 removes it; capped at the stock) or remove the line."""

    rate_limits = {"PUT": "120/m", "DELETE": "120/m"}
    error_statuses = (409,)

    @extend_schema(
        operation_id="cart_item_update",
        summary="Update a cart item",
        request=CartItemUpdateInput,
        responses=envelope(CartSerializer),
    )
    def put(self, request, item, **kwargs):
        data = self.validate(CartItemUpdateInput)
        priced = services.cart_item_update(
            cart=self.cart_key(),
            item_id=item,
            quantity=data["quantity"],
            locale=self.locale,
        )
        return self.respond_cart(priced)

    @extend_schema(
        operation_id="cart_item_remove",
        summary="Remove a cart item",
        request=None,
        responses={200: envelope(CartSerializer)},
    )
    def delete(self, request, item, **kwargs):
        priced = services.cart_item_remove(
            cart=self.cart_key(), item_id=item, locale=self.locale
        )
        return self.respond_cart(priced)


class CartDiscountApi(PublicCartApi):
    """Apply a discount code (422 with the reason when refused) or remove it."""

    rate_limits = {"POST": "60/m", "DELETE": "60/m"}
    error_statuses = (409,)

    @extend_schema(
        operation_id="cart_discount_apply",
        summary="Apply a discount code",
        request=DiscountCodeInput,
        responses=envelope(CartSerializer),
    )
    def post(self, request, **kwargs):
        data = self.validate(DiscountCodeInput)
        priced = services.cart_discount_apply(
            cart=self.cart_key(), code=data["code"], locale=self.locale
        )
        return self.respond_cart(priced)

    @extend_schema(
        operation_id="cart_discount_remove",
        summary="Remove the discount",
        request=None,
        responses={200: envelope(CartSerializer)},
    )
    def delete(self, request, **kwargs):
        priced = services.cart_discount_remove(cart=self.cart_key(), locale=self.locale)
        return self.respond_cart(priced)


class CartEstimateApi(PublicCartApi):
    """Estimate tax and shipping for a destination without saving anything."""

    rate_limits = {"POST": "120/m"}

    @extend_schema(
        operation_id="cart_estimate",
        summary="Estimate tax and shipping",
        request=EstimateInput,
        responses=envelope(EstimateSerializer),
    )
    def post(self, request, **kwargs):
        data = self.validate(EstimateInput)
        priced = services.cart_estimate(
            store=self.store,
            mode=self.mode,
            cart_token=self.cart_token,
            destination=_destination(data),
            locale=self.locale,
            currency=self.visitor.requested_currency,
        )
        return self.respond(self.serialize(EstimateSerializer, priced))


class CartShippingOptionListApi(PublicCartApi):
    """Shipping options for the cart and its saved address (422 until one is saved)."""

    rate_limits = {"GET": "120/m"}

    @extend_schema(
        operation_id="cart_shipping_options_list",
        summary="List shipping options",
        responses=envelope(ShippingOptionSerializer, many=True),
    )
    def get(self, request, **kwargs):
        options = services.cart_shipping_options(
            cart=self.get_cart(), locale=self.locale
        )
        return self.respond(
            self.serialize(ShippingOptionSerializer, options, many=True)
        )


class CartShippingOptionApi(PublicCartApi):
    """Choose a shipping option (422 when it does not ship to the cart's address)."""

    rate_limits = {"POST": "120/m"}
    error_statuses = (409,)

    @extend_schema(
        operation_id="cart_shipping_option_select",
        summary="Select a shipping option",
        request=ShippingOptionSelectInput,
        responses=envelope(CartSerializer),
    )
    def post(self, request, **kwargs):
        data = self.validate(ShippingOptionSelectInput)
        priced = services.cart_shipping_option_select(
            cart=self.cart_key(),
            shipping_method_id=data["shipping_option_id"],
            locale=self.locale,
        )
        return self.respond_cart(priced)


class CartCheckoutDataApi(PublicCartApi):
    """Read or save the cart's email, addresses and notes (field-level 422s)."""

    rate_limits = {"GET": "120/m", "PUT": "120/m"}
    error_statuses = (409,)

    @extend_schema(
        operation_id="cart_checkout_data_get",
        summary="Get checkout data",
        responses=envelope(CheckoutDataSerializer),
    )
    def get(self, request, **kwargs):
        view = services.cart_checkout_data_get(
            store=self.store, mode=self.mode, cart_token=self.cart_token
        )
        return self.respond(self.serialize(CheckoutDataSerializer, view))

    @extend_schema(
        operation_id="cart_checkout_data_save",
        summary="Save checkout data",
        request=CheckoutDataInput,
        responses=envelope(CheckoutDataSerializer),
    )
    def put(self, request, **kwargs):
        data = self.validate(CheckoutDataInput)
        priced = services.cart_checkout_data_save(
            cart=self.cart_key(), data=data, locale=self.locale
        )
        return self.respond(self.serialize(CheckoutDataSerializer, priced))


class CountryListApi(PublicApi):
    """Countries the store ships to, whether they need a state, and their postcode label."""

    rate_limits = {"GET": "120/m"}

    @extend_schema(
        operation_id="countries_list",
        summary="List shipping countries",
        responses=envelope(CountrySerializer, many=True),
    )
    def get(self, request, **kwargs):
        countries = [
            country
            for code in store_shipping_countries(self.store)
            if (country := country_get(code)) is not None
        ]
        return self.respond(self.serialize(CountrySerializer, countries, many=True))


class CountryStateListApi(PublicApi):
    """States or regions of a country (ISO 3166-2 codes without the country prefix)."""

    rate_limits = {"GET": "120/m"}

    @extend_schema(
        operation_id="country_states_list",
        summary="List a country's states",
        responses=envelope(StateSerializer, many=True),
    )
    def get(self, request, country_code, **kwargs):
        country = country_get(country_code.upper())
        if country is None:
            raise NotFound("Country not found.")
        return self.respond(
            self.serialize(StateSerializer, states_for(country.code), many=True)
        )


class TaxCalculateApi(PublicApi):
    """Tax for an arbitrary basket and destination, without a cart."""

    rate_limits = {"POST": "120/m"}

    @extend_schema(
        operation_id="tax_calculate",
        summary="Calculate tax",
        request=TaxCalculateInput,
        responses=envelope(TaxCalculationSerializer),
    )
    def post(self, request, **kwargs):
        data = self.validate(TaxCalculateInput)
        result = services.tax_calculate(
            store=self.store,
            items=data["items"],
            destination=_destination(data),
            locale=self.locale,
            currency=self.visitor.requested_currency,
        )
        return self.respond(self.serialize(TaxCalculationSerializer, result))


def stripe_publishable_key(*, mode: str) -> str | None:
    """``STRIPE_PUBLISHABLE_KEY`` when it belongs to ``mode`` (pk_test_ for test-mode keys,
    pk_live_ for live): the widget then collects cards with Stripe Elements."""
    key = settings.STRIPE_PUBLISHABLE_KEY
    return key if key and key.startswith(f"pk_{mode}_") else None


class PaymentMethodListApi(PublicApi):
    """Payment methods enabled on the store, in display order."""

    rate_limits = {"GET": "120/m"}

    @extend_schema(
        operation_id="payment_methods_list",
        summary="List payment methods",
        responses=envelope(PaymentMethodSerializer, many=True),
    )
    def get(self, request, **kwargs):
        stripe_key = stripe_publishable_key(mode=self.mode)
        methods = [
            {
                "id": method,
                "label": PAYMENT_METHODS[method],
                "icon_url": request.build_absolute_uri(
                    static(PAYMENT_METHOD_ICONS[method])
                ),
                "stripe_publishable_key": stripe_key if method == "card" else None,
                "stripe_js_url": settings.STRIPE_JS_URL
                if method == "card" and stripe_key
                else None,
            }
            for method in (self.store.payment_methods or [])
            if method in PAYMENT_METHODS and method in PAYMENT_METHOD_ICONS
        ]
        return self.respond(self.serialize(PaymentMethodSerializer, methods, many=True))
