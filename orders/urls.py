from django.urls import path

from . import views
from .api import private, public

public_urlpatterns = [
    path("orders/<ord_id:order>", public.OrderDetailApi.as_view(), name="order-detail"),
    path(
        "orders/<ord_id:order>/status",
        public.OrderStatusApi.as_view(),
        name="order-status",
    ),
    path("account/orders", public.AccountOrderListApi.as_view(), name="account-orders"),
    path(
        "account/orders/<ord_id:order>",
        public.AccountOrderDetailApi.as_view(),
        name="account-order-detail",
    ),
]

private_urlpatterns = [
    path("orders", private.OrderListApi.as_view(), name="order-list"),
    path(
        "orders/<ord_id:order>",
        private.OrderDetailApi.as_view(),
        name="order-private-detail",
    ),
    path(
        "orders/<ord_id:order>/fulfill",
        private.OrderFulfillApi.as_view(),
        name="order-fulfill",
    ),
    path(
        "orders/<ord_id:order>/refund",
        private.OrderRefundApi.as_view(),
        name="order-refund",
    ),
    path(
        "orders/<ord_id:order>/cancel",
        private.OrderCancelApi.as_view(),
        name="order-cancel",
    ),
]

# Outside /v3 and the OpenAPI schema.
site_urlpatterns = [
    path("webhooks/stripe", views.stripe_webhook, name="orders-stripe-webhook"),
    path(
        "payments/test-3ds/<pi_test_id:intent_id>",
        views.test_3ds_page,
        name="orders-test-3ds",
    ),
    path(
        "payments/complete", views.payment_complete_page, name="orders-payment-complete"
    ),
]
