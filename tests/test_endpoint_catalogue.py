"""Every endpoint of the API reference exists, on its surface, with its documented rate limit.

The table is ENDPOINTS.md's (surface, method, path, limit), kept here so the suite needs nothing
outside the repository. Path parameters are filled with placeholders; the URL must resolve to a
view that handles the method and declares exactly that limit.
"""

import re

import pytest
from django.urls import resolve

ENDPOINTS = [
    ("public", "GET", "/", "120/min"),
    ("public", "GET", "/cart", "120/min"),
    ("public", "POST", "/cart/items", "120/min"),
    ("public", "PUT", "/cart/items/{item}", "120/min"),
    ("public", "DELETE", "/cart/items/{item}", "120/min"),
    ("public", "POST", "/cart/discount", "60/min"),
    ("public", "DELETE", "/cart/discount", "60/min"),
    ("public", "POST", "/cart/estimate", "120/min"),
    ("public", "GET", "/cart/shipping-options", "120/min"),
    ("public", "POST", "/cart/shipping-option", "120/min"),
    ("public", "GET", "/cart/checkout-data", "120/min"),
    ("public", "PUT", "/cart/checkout-data", "120/min"),
    ("public", "POST", "/cart/checkout", "30/min"),
    ("public", "POST", "/cart/check-customer", "30/min"),
    ("public", "POST", "/cart/send-auth", "10/min"),
    ("public", "POST", "/cart/verify-auth", "30/min"),
    ("public", "POST", "/cart/create-account", "10/min"),
    ("public", "GET", "/cart/auth-status", "120/min"),
    ("public", "GET", "/account/profile", "120/min"),
    ("public", "PUT", "/account/profile", "30/min"),
    ("public", "GET", "/account/orders", "120/min"),
    ("public", "GET", "/account/orders/{order}", "120/min"),
    ("public", "POST", "/account/logout", "30/min"),
    ("public", "GET", "/products", "120/min"),
    ("public", "GET", "/products/{product}", "120/min"),
    ("public", "GET", "/products/{product}/reviews", "120/min"),
    ("public", "POST", "/products/{product}/reviews", "5/min"),
    ("public", "GET", "/categories", "120/min"),
    ("public", "GET", "/categories/{category}", "120/min"),
    ("public", "GET", "/orders/{order}", "60/min"),
    ("public", "GET", "/orders/{order}/status", "120/min"),
    ("public", "GET", "/countries", "120/min"),
    ("public", "GET", "/countries/{country_code}/states", "120/min"),
    ("public", "POST", "/tax/calculate", "120/min"),
    ("public", "GET", "/payment-methods", "120/min"),
    ("public", "POST", "/conversations", "10/min"),
    ("public", "GET", "/conversations/current", "120/min"),
    ("public", "POST", "/conversations/{conversationId}/email", "30/min"),
    ("public", "GET", "/conversations/{conversationId}/messages", "120/min"),
    ("public", "POST", "/conversations/{conversationId}/messages", "30/min"),
    ("public", "GET", "/feeds/{platform}.xml", "30/min"),
    ("private", "GET", "/products", "240/min"),
    ("private", "POST", "/products", "120/min"),
    ("private", "GET", "/products/{product}", "240/min"),
    ("private", "PATCH", "/products/{product}", "120/min"),
    ("private", "DELETE", "/products/{product}", "60/min"),
    ("private", "PATCH", "/products/{product}/inventory", "240/min"),
    ("private", "GET", "/orders", "240/min"),
    ("private", "GET", "/orders/{order}", "240/min"),
    ("private", "PATCH", "/orders/{order}", "120/min"),
    ("private", "POST", "/orders/{order}/fulfill", "60/min"),
    ("private", "POST", "/orders/{order}/refund", "30/min"),
    ("private", "POST", "/orders/{order}/cancel", "30/min"),
    ("private", "GET", "/customers", "240/min"),
    ("private", "GET", "/customers/{customer}", "240/min"),
    ("private", "PATCH", "/customers/{customer}", "120/min"),
    ("private", "GET", "/webhooks", "60/min"),
    ("private", "POST", "/webhooks", "30/min"),
    ("private", "DELETE", "/webhooks/{webhook}", "30/min"),
    ("private", "GET", "/store", "240/min"),
    ("private", "PATCH", "/store", "30/min"),
    ("private", "GET", "/health", "600/min"),
]


#: Path ids are matched by prefix and alphabet (core/converters.py): a well-formed id of each.
ULID = "01J9Z3K8Q4T6V0W2X5Y7A9BCDE"
PLACEHOLDERS = {
    "item": f"oitm_{ULID}",
    "order": f"ord_{ULID}",
    "product": "x1",  # an id or a slug
    "category": "x1",
    "conversationId": f"conv_{ULID}",
    "customer": f"cust_{ULID}",
    "webhook": f"whk_{ULID}",
}


def route_view(match) -> tuple[object, set[str]]:
    """The view a resolved route dispatches to, built as for a request, and the methods it
    handles: an ``APIView``'s handlers, or the methods a viewset route maps to actions (a
    viewset's ``rate_limits`` are its route's: list and detail routes differ)."""
    func = match.func
    if hasattr(func, "actions"):
        return func.cls(**func.initkwargs), set(func.actions)
    view = func.view_class(**func.view_initkwargs)
    return view, {m for m in view.http_method_names if hasattr(view, m)}


def concrete(surface: str, path: str) -> str:
    path = re.sub(r"\{([^}]+)\}", lambda m: PLACEHOLDERS.get(m.group(1), "x1"), path)
    if surface == "public":
        return "/v3/public/pk_test_placeholder" + ("" if path == "/" else path)
    return "/v3/private" + path


def test_the_table_is_the_whole_reference():
    assert len(ENDPOINTS) == 62
    assert len({(s, m, p) for s, m, p, _ in ENDPOINTS}) == 62


@pytest.mark.parametrize(
    "surface, method, path, limit",
    ENDPOINTS,
    ids=[f"{s} {m} {p}" for s, m, p, _ in ENDPOINTS],
)
def test_endpoint_exists_with_its_rate_limit(surface, method, path, limit):
    match = resolve(concrete(surface, path))
    view, methods = route_view(match)
    name = view.__class__.__name__
    assert method.lower() in methods, f"{name} does not handle {method}"
    assert getattr(view, "surface", None) == surface
    expected = limit.replace("/min", "/m")
    assert view.rate_limits.get(method) == expected, (
        f"{name}.{method}: {view.rate_limits.get(method)} != {expected}"
    )


@pytest.mark.parametrize(
    "surface, method, path, limit", [e for e in ENDPOINTS if e[0] == "private"]
)
def test_private_endpoints_answer_under_the_store_alias_too(
    surface, method, path, limit
):
    store_id = f"str_{ULID}"
    match = resolve(f"/v3/private/stores/{store_id}" + concrete("private", path)[11:])
    assert match.kwargs["store_id"] == store_id
    assert method.lower() in route_view(match)[1]
