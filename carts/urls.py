from django.urls import path

from core.api.viewsets import ApiRouter

from .api import checkout, private, public

public_urlpatterns = [
    path("cart", public.CartApi.as_view(), name="cart"),
    path("cart/items", public.CartItemListApi.as_view(), name="cart-items"),
    path("cart/items/<oitm_id:item>", public.CartItemApi.as_view(), name="cart-item"),
    path("cart/discount", public.CartDiscountApi.as_view(), name="cart-discount"),
    path("cart/estimate", public.CartEstimateApi.as_view(), name="cart-estimate"),
    path("cart/checkout", checkout.CartCheckoutApi.as_view(), name="cart-checkout"),
    path("cart/reopen", checkout.CartReopenApi.as_view(), name="cart-reopen"),
    path(
        "cart/shipping-options",
        public.CartShippingOptionListApi.as_view(),
        name="cart-shipping-options",
    ),
    path(
        "cart/shipping-option",
        public.CartShippingOptionApi.as_view(),
        name="cart-shipping-option",
    ),
    path(
        "cart/checkout-data",
        public.CartCheckoutDataApi.as_view(),
        name="cart-checkout-data",
    ),
    path("countries", public.CountryListApi.as_view(), name="countries"),
    path(
        "countries/<str:country_code>/states",
        public.CountryStateListApi.as_view(),
        name="country-states",
    ),
    path("tax/calculate", public.TaxCalculateApi.as_view(), name="tax-calculate"),
    path(
        "payment-methods", public.PaymentMethodListApi.as_view(), name="payment-methods"
    ),
]

router = ApiRouter()
router.register("discounts", private.DiscountViewSet, basename="discount")
router.register(
    "shipping-methods", private.ShippingMethodViewSet, basename="shipping-method"
)
router.register("tax-rates", private.TaxRateViewSet, basename="tax-rate")

private_urlpatterns = router.urls
