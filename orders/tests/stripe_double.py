"""A local HTTP double of the few Stripe API endpoints the StripeGateway uses.

``http.server`` in a thread, speaking Stripe's wire format (form-encoded requests, JSON
responses, Stripe's error objects) so the real ``stripe`` library can be pointed at it with
``api_base``:

- ``POST /v1/payment_intents`` (``confirm=false``, or ``true`` to charge at once) and
  ``POST /v1/payment_intents/{id}/confirm``, with Stripe's test PaymentMethod ids;
- ``GET /v1/payment_intents/{id}``, ``POST /v1/payment_intents/{id}/cancel``;
- ``POST /v1/refunds``;
- Stripe Billing: ``POST /v1/customers``, ``POST /v1/prices``, ``POST /v1/subscriptions``,
  ``POST /v1/subscriptions/{id}`` (``pause_collection``), ``DELETE /v1/subscriptions/{id}``;
  ``POST /v1/invoiceitems`` (a line added to a draft invoice); ``invoice_created_event(...)``
  opens a period's draft invoice and builds its ``invoice.created`` webhook, and
  ``invoice_event(...)`` builds the ``invoice.paid`` / ``invoice.payment_failed`` webhook
  Stripe would send for a period (of that draft, its total with the items added to it).

``Idempotency-Key`` works like Stripe's: the first response to a key is stored before it is
sent, and a request with the same key gets that response again (a different body under the
same key is a 400 ``idempotency_error``), so a retry never charges twice. ``delay_next(s)``
makes the next response arrive ``s`` seconds late, after the charge is recorded: a client
timeout that happens once Stripe has received the request.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

SUCCEED = {"pm_card_visa", "pm_card_mastercard", "pm_card_amex"}
DECLINES = {
    "pm_card_chargeDeclined": (
        "card_declined",
        "generic_decline",
        "Your card was declined.",
    ),
    "pm_card_chargeDeclinedInsufficientFunds": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
}
AUTHENTICATE = {"pm_card_authenticationRequired"}
CANCELABLE = {
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
}


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _nest(pairs) -> dict:
    """``metadata[order_id]=x`` -> ``{"metadata": {"order_id": "x"}}`` (one level is enough)."""
    out: dict = {}
    for key, value in pairs:
        if "[" in key and key.endswith("]"):
            outer, inner = key[:-1].split("[", 1)
            out.setdefault(outer, {})[inner] = value
        else:
            out[key] = value
    return out


class StripeDouble:
    def __init__(self):
        self.lock = threading.Lock()
        self.intents: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.customers: dict[str, dict] = {}
        self.prices: dict[str, dict] = {}
        self.subscriptions: dict[str, dict] = {}
        self.invoices: dict[str, dict] = {}
        self.invoice_items: dict[str, dict] = {}
        self.charges: list[dict] = []  # every successful charge
        self.confirmations: list[dict] = []  # every confirmation: intent, return_url
        self.requests: list[dict] = []  # method, path, idempotency_key, params
        self._idempotent: dict[str, tuple[str, int, dict]] = {}
        self._delays: list[float] = []
        self.server: ThreadingHTTPServer | None = None

    # -- control -----------------------------------------------------------------------
    def start(self) -> str:
        double = self

        class Handler(_Handler):
            pass

        Handler.double = double
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.02},
            daemon=True,
        ).start()
        return self.url

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def delay_next(
        self, seconds: float, *, path: str | None = None, method: str | None = None
    ) -> None:
        """Delay the next response (to a request whose path ends with ``path``, e.g.
        ``"/confirm"``, and of ``method``, when given): the request is processed, then the
        answer waits."""
        with self.lock:
            self._delays.append((seconds, path, method))

    def complete_3ds(self, intent_id: str, *, approve: bool) -> dict:
        """What the shopper does on Stripe's 3-D Secure page."""
        with self.lock:
            intent = self.intents[intent_id]
            intent["next_action"] = None
            if approve:
                intent["status"] = "succeeded"
                self._charge(intent)
            else:
                intent["status"] = "requires_payment_method"
                intent["last_payment_error"] = {
                    "type": "card_error",
                    "code": "payment_intent_authentication_failure",
                    "message": "The provided PaymentMethod has failed authentication.",
                }
            return dict(intent)

    def posts(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST" and r["path"] == path]

    # -- Stripe's behaviour ------------------------------------------------------------
    def _charge(self, intent: dict) -> None:
        charge_id = _id("ch")
        intent["latest_charge"] = charge_id
        self.charges.append(
            {
                "id": charge_id,
                "payment_intent": intent["id"],
                "amount": intent["amount"],
            }
        )

    def handle(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v1/payment_intents":
            return self._intent_create(params)
        if (
            len(parts) == 3
            and parts[:2] == ["v1", "payment_intents"]
            and method == "GET"
        ):
            return self._intent_get(parts[2])
        if (
            len(parts) == 4
            and parts[:2] == ["v1", "payment_intents"]
            and parts[3] == "cancel"
        ):
            return self._intent_cancel(parts[2], params)
        if (
            len(parts) == 4
            and parts[:2] == ["v1", "payment_intents"]
            and parts[3] == "confirm"
        ):
            return self._intent_confirm(parts[2], params)
        if method == "POST" and path == "/v1/refunds":
            return self._refund_create(params)
        if method == "POST" and path == "/v1/customers":
            return self._billing_create(self.customers, "cus", "customer", params)
        if method == "POST" and path == "/v1/prices":
            return self._billing_create(self.prices, "price", "price", params)
        if method == "POST" and path == "/v1/subscriptions":
            return self._subscription_create(params)
        if len(parts) == 3 and parts[:2] == ["v1", "subscriptions"]:
            return self._subscription_change(method, parts[2], params)
        if method == "POST" and path == "/v1/invoiceitems":
            return self._invoice_item_create(params)
        return 404, _error(
            "invalid_request_error", f"Unrecognized request URL ({method}: {path})."
        )

    # -- Stripe Billing ------------------------------------------------------------------
    def _billing_create(self, store: dict, prefix: str, kind: str, params: dict):
        obj = {"id": _id(prefix), "object": kind, "livemode": False, **params}
        store[obj["id"]] = obj
        return 200, obj

    def _subscription_create(self, params: dict) -> tuple[int, dict]:
        if params.get("customer") not in self.customers:
            return 400, _error(
                "invalid_request_error",
                f"No such customer: '{params.get('customer')}'",
                code="resource_missing",
                param="customer",
            )
        items: dict[str, dict] = {}
        for key, value in (params.get("items") or {}).items():
            index, _, field = key.partition("][")  # items[0][price] -> "0", "price"
            items.setdefault(index, {})[field.rstrip("]")] = value
        for item in items.values():
            if item.get("price") not in self.prices:
                return 400, _error("invalid_request_error", "No such price")
        obj = {
            "id": _id("sub"),
            "object": "subscription",
            "status": "trialing",
            "customer": params["customer"],
            "items": {"data": list(items.values())},
            "trial_end": int(params.get("trial_end") or 0),
            "metadata": params.get("metadata", {}),
            "pause_collection": None,
            "default_payment_method": params.get("default_payment_method"),
        }
        self.subscriptions[obj["id"]] = obj
        return 200, obj

    def _subscription_change(self, method: str, sub_id: str, params: dict):
        subscription = self.subscriptions.get(sub_id)
        if subscription is None:
            return 404, _error(
                "invalid_request_error",
                f"No such subscription: '{sub_id}'",
                code="resource_missing",
            )
        if method == "DELETE":
            subscription["status"] = "canceled"
        elif method == "POST" and "pause_collection" in params:
            subscription["pause_collection"] = params["pause_collection"] or None
        return 200, dict(subscription)

    def _invoice_item_create(self, params: dict) -> tuple[int, dict]:
        invoice = self.invoices.get(params.get("invoice", ""))
        if invoice is None:
            return 400, _error(
                "invalid_request_error",
                f"No such invoice: '{params.get('invoice')}'",
                code="resource_missing",
                param="invoice",
            )
        if invoice["status"] != "draft":
            return 400, _error(
                "invalid_request_error",
                "You can only add invoice items to draft invoices.",
                code="invoice_not_editable",
                param="invoice",
            )
        if params.get("customer") != invoice["customer"]:
            return 400, _error(
                "invalid_request_error",
                "The invoice belongs to another customer.",
                param="customer",
            )
        if params.get("currency") != invoice["currency"]:
            return 400, _error(
                "invalid_request_error",
                "The currency must be the invoice's.",
                param="currency",
            )
        item = {
            "id": _id("ii"),
            "object": "invoiceitem",
            "livemode": False,
            **params,
            "amount": int(params["amount"]),
        }
        self.invoice_items[item["id"]] = item
        invoice["items"].append(item["id"])
        return 200, item

    def invoice_total(self, invoice_id: str) -> int:
        """A draft's total: the subscription's line plus the items added to it."""
        invoice = self.invoices[invoice_id]
        return invoice["subtotal"] + sum(
            self.invoice_items[i]["amount"] for i in invoice["items"]
        )

    def _invoice_open(self, subscription_id: str) -> dict:
        subscription = self.subscriptions[subscription_id]
        item = subscription["items"]["data"][0]
        price = self.prices[item["price"]]
        amount = int(price["unit_amount"]) * int(item.get("quantity") or 1)
        invoice = {
            "id": _id("in"),
            "subscription": subscription_id,
            "customer": subscription["customer"],
            "currency": price["currency"],
            "subtotal": amount,
            "status": "draft",
            "items": [],
        }
        self.invoices[invoice["id"]] = invoice
        return invoice

    def _invoice_object(self, invoice: dict, *, status: str, paid: bool) -> dict:
        total = self.invoice_total(invoice["id"])
        return {
            "id": invoice["id"],
            "object": "invoice",
            "subscription": invoice["subscription"],
            "customer": invoice["customer"],
            "billing_reason": "subscription_cycle",
            "currency": invoice["currency"],
            "subtotal": invoice["subtotal"],
            "total": total,
            "amount_due": total,
            "amount_paid": total if paid else 0,
            "payment_intent": None if status == "draft" else _id("pi"),
            "status": status,
            "last_finalization_error": None
            if paid or status == "draft"
            else {"message": "Your card was declined."},
        }

    @staticmethod
    def _event(event_id: str, kind: str, obj: dict) -> dict:
        return {
            "id": event_id,
            "object": "event",
            "api_version": "2025-01-27.acacia",
            "created": int(time.time()),
            "livemode": False,
            "type": kind,
            "data": {"object": obj},
        }

    def invoice_created_event(self, subscription_id: str, *, event_id: str) -> dict:
        """A period's renewal invoice opened as a draft, and its ``invoice.created``
        event (items can be added to it until ``invoice_event`` finalizes it)."""
        with self.lock:
            invoice = self._invoice_open(subscription_id)
            obj = self._invoice_object(invoice, status="draft", paid=False)
        return self._event(event_id, "invoice.created", obj)

    def invoice_event(
        self,
        subscription_id: str,
        *,
        paid: bool,
        event_id: str,
        amount: int = 0,
        invoice_id: str | None = None,
    ) -> dict:
        """The ``invoice.paid`` / ``invoice.payment_failed`` event of a renewal period: of
        the draft ``invoice_id`` (finalized now, charging its total with the items added to
        it), else of a new invoice of the subscription's line (``amount`` overrides it)."""
        with self.lock:
            invoice = (
                self.invoices[invoice_id]
                if invoice_id
                else self._invoice_open(subscription_id)
            )
            invoice["status"] = "paid" if paid else "open"
            obj = self._invoice_object(invoice, status=invoice["status"], paid=paid)
        if amount:
            obj.update(
                total=amount, amount_due=amount, amount_paid=amount if paid else 0
            )
        return self._event(
            event_id, "invoice.paid" if paid else "invoice.payment_failed", obj
        )

    def _intent_create(self, params: dict) -> tuple[int, dict]:
        method = params.get("payment_method", "")
        if method not in SUCCEED | set(DECLINES) | AUTHENTICATE:
            return 400, _error(
                "invalid_request_error",
                f"No such PaymentMethod: '{method}'",
                code="resource_missing",
                param="payment_method",
            )
        intent_id = _id("pi")
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}",
            "amount": int(params["amount"]),
            "currency": params["currency"],
            "payment_method": method,
            "metadata": params.get("metadata", {}),
            "description": params.get("description"),
            "status": "requires_confirmation",
            "next_action": None,
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "created": int(time.time()),
        }
        self.intents[intent["id"]] = intent
        if params.get("confirm") != "true":
            return 200, dict(intent)
        return self._confirm(intent, params)

    def _intent_confirm(self, intent_id: str, params: dict) -> tuple[int, dict]:
        status, intent = self._intent_get(intent_id)
        if status != 200:
            return status, intent
        intent = self.intents[intent_id]
        if intent["status"] != "requires_confirmation":
            return 400, _error(
                "invalid_request_error",
                "You cannot confirm this PaymentIntent because it has a status of "
                f"{intent['status']}.",
                code="payment_intent_unexpected_state",
            )
        return self._confirm(intent, params)

    def _confirm(self, intent: dict, params: dict) -> tuple[int, dict]:
        method = intent["payment_method"]
        self.confirmations.append(
            {"intent": intent["id"], "return_url": params.get("return_url")}
        )
        if method in SUCCEED:
            intent["status"] = "succeeded"
            self._charge(intent)
            return 200, dict(intent)
        if method in AUTHENTICATE:
            intent["status"] = "requires_action"
            intent["next_action"] = {
                "type": "redirect_to_url",
                "redirect_to_url": {
                    "url": f"{self.url}/3ds/{intent['id']}",
                    "return_url": params.get("return_url"),
                },
            }
            return 200, dict(intent)
        code, decline_code, message = DECLINES[method]
        error = {
            "type": "card_error",
            "code": code,
            "decline_code": decline_code,
            "message": message,
        }
        intent["status"] = "requires_payment_method"
        intent["last_payment_error"] = error
        return 402, {"error": {**error, "payment_intent": dict(intent)}}

    def _intent_get(self, intent_id: str) -> tuple[int, dict]:
        intent = self.intents.get(intent_id)
        if intent is None:
            return 404, _error(
                "invalid_request_error",
                f"No such payment_intent: '{intent_id}'",
                code="resource_missing",
                param="intent",
            )
        return 200, dict(intent)

    def _intent_cancel(self, intent_id: str, params: dict) -> tuple[int, dict]:
        status, intent = self._intent_get(intent_id)
        if status != 200:
            return status, intent
        intent = self.intents[intent_id]
        if intent["status"] not in CANCELABLE:
            return 400, _error(
                "invalid_request_error",
                f"You cannot cancel this PaymentIntent because it has a status of {intent['status']}.",
                code="payment_intent_unexpected_state",
            )
        intent["status"] = "canceled"
        intent["next_action"] = None
        intent["cancellation_reason"] = params.get("cancellation_reason")
        return 200, dict(intent)

    def _refund_create(self, params: dict) -> tuple[int, dict]:
        intent = self.intents.get(params.get("payment_intent", ""))
        if intent is None or intent["status"] != "succeeded":
            return 400, _error(
                "invalid_request_error",
                "This PaymentIntent has no charge to refund.",
                code="charge_not_refundable",
            )
        refunded = sum(
            r["amount"]
            for r in self.refunds.values()
            if r["payment_intent"] == intent["id"]
        )
        amount = int(params.get("amount", intent["amount"] - refunded))
        if amount > intent["amount"] - refunded:
            return 400, _error(
                "invalid_request_error",
                f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                f"({intent['amount'] - refunded})",
                code="amount_too_large",
                param="amount",
            )
        refund = {
            "id": _id("re"),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "charge": intent["latest_charge"],
            "reason": params.get("reason"),
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        return 200, refund

    # -- one request, with Stripe's idempotency ------------------------------------------
    def serve(
        self, method: str, path: str, key: str | None, params: dict
    ) -> tuple[int, dict, bool, float]:
        fingerprint = json.dumps([method, path, params], sort_keys=True)
        with self.lock:
            self.requests.append(
                {
                    "method": method,
                    "path": path,
                    "idempotency_key": key,
                    "params": params,
                }
            )
            delay = 0.0
            for index, (seconds, suffix, verb) in enumerate(self._delays):
                if (suffix is None or path.endswith(suffix)) and verb in (None, method):
                    delay = seconds
                    del self._delays[index]
                    break
            if method == "POST" and key and key in self._idempotent:
                first, status, body = self._idempotent[key]
                if first != fingerprint:
                    return (
                        400,
                        _error(
                            "idempotency_error",
                            "Keys for idempotent requests can only be used with the same parameters "
                            "they were first used with.",
                        ),
                        False,
                        delay,
                    )
                return status, body, True, delay
            status, body = self.handle(method, path, params)
            if method == "POST" and key:
                self._idempotent[key] = (fingerprint, status, body)
            return status, body, False, delay


def _error(
    type_: str, message: str, *, code: str | None = None, param: str | None = None
) -> dict:
    error = {"type": type_, "message": message}
    if code:
        error["code"] = code
    if param:
        error["param"] = param
    return {"error": error}


class _Handler(BaseHTTPRequestHandler):
    double: StripeDouble
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        path, _, query = self.path.partition("?")
        params = _nest(parse_qsl(body or query, keep_blank_values=True))
        if not self.headers.get("Authorization", "").startswith("Bearer sk_test_"):
            status, payload, replayed, delay = (
                401,
                _error("invalid_request_error", "Invalid API Key provided."),
                False,
                0.0,
            )
        else:
            status, payload, replayed, delay = self.double.serve(
                method, path, self.headers.get("Idempotency-Key"), params
            )
        if delay:
            time.sleep(delay)
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", _id("req"))
            if replayed:
                self.send_header("Idempotent-Replayed", "true")
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timed out) before the answer came

    def do_GET(self):
        self._answer("GET")

    def do_POST(self):
        self._answer("POST")

    def do_DELETE(self):
        self._answer("DELETE")
