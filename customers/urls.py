from django.urls import path

from .api import private, public

public_urlpatterns = [
    path(
        "cart/check-customer",
        public.CheckCustomerApi.as_view(),
        name="cart-check-customer",
    ),
    path("cart/send-auth", public.SendAuthApi.as_view(), name="cart-send-auth"),
    path("cart/verify-auth", public.VerifyAuthApi.as_view(), name="cart-verify-auth"),
    path(
        "cart/create-account",
        public.CreateAccountApi.as_view(),
        name="cart-create-account",
    ),
    path("cart/auth-status", public.AuthStatusApi.as_view(), name="cart-auth-status"),
    path("account/profile", public.ProfileApi.as_view(), name="account-profile"),
    path("account/logout", public.LogoutApi.as_view(), name="account-logout"),
]

private_urlpatterns = [
    path("customers", private.CustomerListApi.as_view(), name="customer-list"),
    path(
        "customers/<cust_id:customer>",
        private.CustomerDetailApi.as_view(),
        name="customer-detail",
    ),
]
