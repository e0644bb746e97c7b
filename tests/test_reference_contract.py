"""The API reference's example payloads are the contract: every field they show is expected.

One shopper's and one merchant's day is played through HTTP on the demo store, touching every
endpoint of the reference; each response is then compared with the reference's example for
that endpoint (``tests/reference_examples.json``, extracted from the reference): every key of
the example must be present in the response, recursively (lists compare their first items),
and every Money object of the example must be a Money object in the response.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core import mail

EXAMPLES = json.loads((Path(__file__).parent / "reference_examples.json").read_text())
MONEY_KEYS = {"amount", "currency", "formatted"}


def missing_keys(example, actual, where="") -> list[str]:
    """Paths of keys the example has and the response lacks (or of mismatched kinds)."""
    problems = []
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            return [f"{where or '.'}: expected an object, got {type(actual).__name__}"]
        if set(example) >= MONEY_KEYS and not set(actual) >= MONEY_KEYS:
            problems.append(f"{where}: expected a Money object")
        for key, value in example.items():
            if key not in actual:
                problems.append(f"{where}.{key}")
            elif value is not None and actual[key] is not None:
                problems += missing_keys(value, actual[key], f"{where}.{key}")
    elif isinstance(example, list) and example:
        if not isinstance(actual, list):
            return [f"{where}: expected a list, got {type(actual).__name__}"]
        if actual:
            problems += missing_keys(example[0], actual[0], f"{where}[0]")
    return problems


@pytest.fixture
def demo(make_store, settings, tmp_path):
    from carts.demo import seed as seed_carts
    from catalog.demo import seed as seed_catalog

    settings.RATELIMIT_ENABLE = False
    settings.MEDIA_ROOT = tmp_path
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True
    shop = make_store(
        name="Acme Candles",
        shipping_countries=["GB", "US", "DE"],
        payment_methods=["card", "bank_transfer"],
    )
    seed_catalog(store=shop.store)
    seed_carts(store=shop.store)
    return shop


def play(public, private) -> dict[tuple[str, str, str], list[tuple[int, object]]]:
    """Call every endpoint once (or more); return the statuses and JSON bodies by
    (surface, method, path)."""
    seen: dict[tuple[str, str, str], list[tuple[int, object]]] = {}

    def call(
        client, surface, method, template, concrete=None, body=None, status=None, **kw
    ):
        response = client.request(method, concrete or template, body, **kw)
        expected = status or ((200, 201) if method != "DELETE" else (200, 204))
        expected = expected if isinstance(expected, tuple) else (expected,)
        assert response.status_code in expected, (
            method,
            concrete or template,
            response.content[:500],
        )
        data = response.json() if response.content else None
        seen.setdefault((surface, method, template), []).append(
            (response.status_code, data)
        )
        return data

    cart = "contract-cart"
    pub = lambda *a, **k: call(public, "public", *a, **k)  # noqa: E731
    prv = lambda *a, **k: call(private, "private", *a, **k)  # noqa: E731

    # Store, reference data, catalogue.
    pub("GET", "/")
    pub("GET", "/countries")
    pub("GET", "/countries/{country_code}/states", "/countries/US/states")
    pub("GET", "/payment-methods")
    products = pub("GET", "/products", query={"perPage": 2})["data"]
    assert products
    pub("GET", "/products/{product}", "/products/hand-poured-candle")
    candle = pub("GET", "/products/{product}", "/products/hand-poured-candle")["data"]
    pub("GET", "/products/{product}/reviews", f"/products/{candle['id']}/reviews")
    pub(
        "POST",
        "/products/{product}/reviews",
        f"/products/{candle['id']}/reviews",
        {
            "rating": 5,
            "title": "Love it",
            "body": "Smells incredible.",
            "authorName": "Sam B.",
            "authorEmail": "reviewer@example.com",
        },
    )
    pub("GET", "/categories")
    pub("GET", "/categories/{category}", "/categories/candles")
    pub(
        "POST",
        "/tax/calculate",
        body={
            "items": [{"productId": candle["id"], "quantity": 2}],
            "countryCode": "GB",
        },
    )

    # The cart.
    pub("GET", "/cart", cart=cart)
    item = pub(
        "POST",
        "/cart/items",
        body={"productId": candle["id"], "quantity": 3},
        cart=cart,
    )
    line = item["data"]["items"][0]["id"]
    pub("PUT", "/cart/items/{item}", f"/cart/items/{line}", {"quantity": 5}, cart=cart)
    pub("DELETE", "/cart/items/{item}", f"/cart/items/{line}", cart=cart)
    pub(
        "POST",
        "/cart/items",
        body={"productId": "hand-poured-candle", "quantity": 3},
        cart=cart,
    )
    pub("POST", "/cart/discount", body={"code": "SPRING20"}, cart=cart)
    pub("DELETE", "/cart/discount", cart=cart)
    pub(
        "POST",
        "/cart/estimate",
        body={"countryCode": "GB", "postcode": "NW1 6XE"},
        cart=cart,
    )
    address = {
        "firstName": "Sam",
        "lastName": "Buyer",
        "line1": "221B Baker Street",
        "city": "London",
        "postcode": "NW1 6XE",
        "countryCode": "GB",
        "phone": "+447700900123",
    }
    pub(
        "PUT",
        "/cart/checkout-data",
        body={
            "email": "sam@example.com",
            "shippingAddress": address,
            "sameAsShipping": True,
        },
        cart=cart,
    )
    pub("GET", "/cart/checkout-data", cart=cart)
    options = pub("GET", "/cart/shipping-options", cart=cart)["data"]
    pub(
        "POST",
        "/cart/shipping-option",
        body={"shippingOptionId": options[0]["id"]},
        cart=cart,
    )
    pub("GET", "/cart", cart=cart)
    paid = pub(
        "POST",
        "/cart/checkout",
        body={
            "paymentMethod": "pm_card_visa",
            "returnUrl": "https://yoursite.com/thanks",
        },
        cart=cart,
    )["data"]
    order_id = paid["orderId"]
    pub("GET", "/orders/{order}", f"/orders/{order_id}", cart=cart)
    pub("GET", "/orders/{order}/status", f"/orders/{order_id}/status", cart=cart)

    # A second cart that needs 3-D Secure.
    cart2 = "contract-cart-3ds"
    pub("POST", "/cart/items", body={"productId": "hand-poured-candle"}, cart=cart2)
    pub(
        "PUT",
        "/cart/checkout-data",
        body={"email": "ola@example.com", "shippingAddress": address},
        cart=cart2,
    )
    pub(
        "POST",
        "/cart/shipping-option",
        body={"shippingOptionId": options[0]["id"]},
        cart=cart2,
    )
    pub(
        "POST",
        "/cart/checkout",
        body={
            "paymentMethod": "pm_card_authenticationRequired",
            "returnUrl": "https://yoursite.com/thanks",
        },
        cart=cart2,
    )

    # The customer: passwordless login on the first cart's token.
    pub("POST", "/cart/check-customer", body={"email": "sam@example.com"})
    mail.outbox.clear()
    pub("POST", "/cart/send-auth", body={"email": "sam@example.com"})
    token = re.search(r"lnk_[A-Za-z0-9_\-]+", mail.outbox[-1].body).group(0)
    pub("POST", "/cart/verify-auth", body={"token": token}, cart=cart)
    pub("GET", "/cart/auth-status", cart=cart)
    pub("GET", "/account/profile", cart=cart)
    pub("PUT", "/account/profile", body={"phone": "+447700900999"}, cart=cart)
    pub("GET", "/account/orders", cart=cart)
    pub("GET", "/account/orders/{order}", f"/account/orders/{order_id}", cart=cart)
    pub("POST", "/account/logout", cart=cart)
    pub(
        "POST",
        "/cart/create-account",
        body={
            "email": "new@example.com",
            "firstName": "New",
            "lastName": "Buyer",
            "marketingOptIn": False,
        },
        cart="contract-cart-new",
    )

    # Conversations.
    conv = pub(
        "POST",
        "/conversations",
        body={
            "subject": "Question about shipping",
            "initialMessage": "Do you ship to Norway?",
        },
        cart=cart,
    )["data"]["id"]
    pub("GET", "/conversations/current", cart=cart)
    pub(
        "POST",
        "/conversations/{conversationId}/email",
        f"/conversations/{conv}/email",
        {"email": "sam@example.com"},
        cart=cart,
    )
    pub(
        "POST",
        "/conversations/{conversationId}/messages",
        f"/conversations/{conv}/messages",
        {"body": "Great, thanks!"},
        cart=cart,
    )
    pub(
        "GET",
        "/conversations/{conversationId}/messages",
        f"/conversations/{conv}/messages",
        cart=cart,
    )

    # The merchant.
    prv("GET", "/store")
    prv("PATCH", "/store", body={"name": "Acme Candles Ltd"})
    prv("GET", "/health")
    prv("GET", "/products", query={"status": "published", "perPage": 2})
    created = prv(
        "POST",
        "/products",
        body={
            "name": "Hand-poured candle XL",
            "price": 2400,
            "stock": 50,
            "status": "published",
        },
    )["data"]
    prv("GET", "/products/{product}", f"/products/{candle['id']}")
    prv("PATCH", "/products/{product}", f"/products/{created['id']}", {"price": 2600})
    prv(
        "PATCH",
        "/products/{product}/inventory",
        f"/products/{candle['id']}/inventory",
        {"operation": "increment", "quantity": 50, "reason": "Restock"},
    )
    prv("GET", "/orders", query={"status": "paid", "perPage": 2})
    prv("GET", "/orders/{order}", f"/orders/{order_id}")
    prv(
        "PATCH",
        "/orders/{order}",
        f"/orders/{order_id}",
        {"internalNotes": "Called customer, confirmed delivery window"},
    )
    prv(
        "POST",
        "/orders/{order}/refund",
        f"/orders/{order_id}/refund",
        {"amount": 2400, "reason": "customer_request"},
    )
    prv(
        "POST",
        "/orders/{order}/fulfill",
        f"/orders/{order_id}/fulfill",
        {
            "trackingNumber": "JD0002123456",
            "carrier": "Royal Mail",
            "trackingUrl": "https://royalmail.com/track/JD0002123456",
        },
    )
    cart3 = "contract-cart-cancel"
    pub("POST", "/cart/items", body={"productId": "hand-poured-candle"}, cart=cart3)
    pub(
        "PUT",
        "/cart/checkout-data",
        body={"email": "cancel@example.com", "shippingAddress": address},
        cart=cart3,
    )
    pub(
        "POST",
        "/cart/shipping-option",
        body={"shippingOptionId": options[0]["id"]},
        cart=cart3,
    )
    to_cancel = pub(
        "POST", "/cart/checkout", body={"paymentMethod": "pm_card_visa"}, cart=cart3
    )
    prv(
        "POST",
        "/orders/{order}/cancel",
        f"/orders/{to_cancel['data']['orderId']}/cancel",
        {"reason": "Out of stock"},
    )
    customers = prv("GET", "/customers", query={"q": "sam"})["data"]
    prv("GET", "/customers/{customer}", f"/customers/{customers[0]['id']}")
    prv(
        "PATCH",
        "/customers/{customer}",
        f"/customers/{customers[0]['id']}",
        {"tags": ["vip", "wholesale"]},
    )
    hook = prv(
        "POST",
        "/webhooks",
        body={
            "url": "http://127.0.0.1:9/hooks/shoprocket",
            "events": ["order.paid", "order.refunded"],
        },
    )["data"]
    prv("GET", "/webhooks")
    prv("DELETE", "/webhooks/{webhook}", f"/webhooks/{hook['id']}")
    prv("DELETE", "/products/{product}", f"/products/{created['id']}")
    return seen


@pytest.mark.django_db
def test_every_reference_example_is_matched(demo, api_client_for):
    public = api_client_for("public", demo.pk)
    private = api_client_for("private", demo.sk)
    seen = play(public, private)

    problems = []
    for entry in EXAMPLES:
        key = (entry["surface"], entry["method"], entry["path"])
        responses = [body for _, body in seen.get(key, []) if body is not None]
        assert responses, f"the flow never called {key}"
        # A response of the same endpoint that matches the example (e.g. the paid and the
        # 3-D Secure answers of checkout are two examples of one endpoint).
        best = min((missing_keys(entry["example"], r) for r in responses), key=len)
        if best:
            problems.append(
                f"{entry['method']} {entry['path']} ({entry['surface']}): {best}"
            )
    assert problems == []


@pytest.mark.django_db
def test_every_response_of_the_day_satisfies_the_schema_strictly(demo, api_client_for):
    """What a client generated from /v3/schema receives is what the schema says: every
    response of the shopper's and the merchant's day (every JSON endpoint of the
    reference, GETs included) validates under JSON Schema 2020-12, nulls and enums included."""
    from tests.openapi_strict import ResponseValidator, generated_schema

    validator = ResponseValidator(generated_schema())
    seen = play(api_client_for("public", demo.pk), api_client_for("private", demo.sk))

    problems = [
        problem
        for (surface, method, template), calls in seen.items()
        for status, body in calls
        for problem in validator.errors(surface, method, template, status, body)
    ]
    assert len(seen) >= 60  # endpoints called
    assert problems == []


def test_the_comparison_catches_a_missing_field():
    example = {
        "data": {
            "id": "x",
            "price": {"amount": 1, "currency": "GBP", "formatted": "£0.01"},
            "items": [{"id": "a", "qty": 1}],
        }
    }
    assert missing_keys(example, example) == []
    actual = {"data": {"id": "x", "price": {"amount": 1}, "items": [{"id": "a"}]}}
    assert missing_keys(example, actual) == [
        ".data.price: expected a Money object",
        ".data.price.currency",
        ".data.price.formatted",
        ".data.items[0].qty",
    ]
    assert missing_keys(example, {"data": {"id": "x", "price": 1, "items": []}}) == [
        ".data.price: expected an object, got int"
    ]
