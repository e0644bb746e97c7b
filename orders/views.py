"""Pages outside ``/v3``: the Stripe webhook endpoint, the offline gateway's 3-D Secure test
page and the default "payment complete" page."""

from __future__ import annotations

import logging

import stripe
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from core.api.exceptions import error_json_response
from core.money import format_minor

from . import services
from .gateways import OfflineGateway, PaymentStatus, order_return_url
from .models import OfflinePaymentIntent
from .stripe_events import stripe_event_process

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """``POST /webhooks/stripe``: verify ``Stripe-Signature`` and process the event once."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        return error_json_response(
            400,
            "Stripe webhooks are not configured: set STRIPE_WEBHOOK_SECRET.",
            code="webhook_not_configured",
        )
    try:
        payload = request.body
    except RequestDataTooBig:
        return error_json_response(
            400, "Webhook payload too large.", code="invalid_payload"
        )
    try:
        event = stripe.Webhook.construct_event(
            payload, request.headers.get("Stripe-Signature"), secret
        )
    except stripe.SignatureVerificationError:
        return error_json_response(
            400, "Invalid Stripe-Signature.", code="invalid_signature"
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return error_json_response(
            400, "Invalid webhook payload.", code="invalid_payload"
        )
    event = event.to_dict()
    data = event.get("data")
    if (
        not isinstance(event.get("id"), str)
        or not isinstance(event.get("type"), str)
        or not isinstance(data, dict)
        or not isinstance(data.get("object"), dict)
    ):
        return error_json_response(
            400, "Invalid webhook payload.", code="invalid_payload"
        )
    result = stripe_event_process(event=event)
    return JsonResponse(
        {"received": True, "duplicate": result.duplicate, "outcome": result.outcome}
    )


def _intent_or_404(intent_id: str) -> OfflinePaymentIntent:
    intent = (
        OfflinePaymentIntent.objects.select_related("order", "store")
        .filter(pk=intent_id)
        .first()
    )
    if intent is None:
        raise Http404("No such payment.")
    return intent


@require_http_methods(["GET", "POST"])
def test_3ds_page(request, intent_id: str):
    """The offline gateway's 3-D Secure step: approve or fail the authentication.

    Completing it updates the order through the same service as Stripe's webhook, then sends
    the shopper to the order's return URL with ``?order=<id>``.
    """
    intent = _intent_or_404(intent_id)
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("approve", "fail"):
            return render(
                request,
                "orders/test_3ds.html",
                _page_context(intent, error="Choose approve or fail."),
                status=400,
            )
        result = OfflineGateway().authenticate(
            intent_id=intent.id, approve=action == "approve"
        )
        if intent.order is not None:
            services.order_payment_record(order=intent.order, result=result)
            return HttpResponseRedirect(
                order_return_url(order=intent.order, return_url=intent.return_url)
            )
        intent.refresh_from_db()
    return render(request, "orders/test_3ds.html", _page_context(intent))


def _page_context(intent: OfflinePaymentIntent, *, error: str = "") -> dict:
    order = intent.order
    return {
        "intent": intent,
        "order": order,
        "store_name": intent.store.name,
        "amount": format_minor(intent.amount, intent.currency, intent.store.locale),
        "pending": intent.status == PaymentStatus.REQUIRES_ACTION,
        "continue_url": (
            order_return_url(order=order, return_url=intent.return_url) if order else ""
        ),
        "error": error,
    }


def payment_complete_page(request):
    """Where the shopper lands after a 3-D Secure step when checkout gave no return URL."""
    return render(
        request,
        "orders/payment_complete.html",
        {"order_id": request.GET.get("order", "")},
    )
