"""The account endpoints: profile and logout, on a customer session."""

from __future__ import annotations

import pytest
from django.utils import timezone

from customers.models import Address, Customer, CustomerSession
from orders.models import Order
from webhooks.models import Event

CART = "account-cart-token"


@pytest.fixture
def signed_in(shop, make_customer):
    """A claimed customer with a session on ``CART`` (test mode)."""
    customer = make_customer(
        shop.store,
        "sam@example.com",
        claimed=True,
        first_name="Sam",
        last_name="Buyer",
        phone="+447700900123",
    )
    CustomerSession.objects.create(
        store=shop.store,
        mode="test",
        cart_token=CART,
        customer=customer,
        verified_at=timezone.now(),
    )
    return customer


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/account/profile"),
        ("PUT", "/account/profile"),
        ("POST", "/account/logout"),
    ],
)
@pytest.mark.parametrize("cart", [None, "no-session-here"])
def test_account_endpoints_are_401_without_a_session(
    public, shop, signed_in, method, path, cart
):
    response = public.request(method, path, {"firstName": "Mallory"}, cart=cart)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    signed_in.refresh_from_db()
    assert signed_in.first_name == "Sam"
    assert CustomerSession.objects.count() == 1


def test_a_session_of_the_other_key_mode_does_not_count(
    shop, signed_in, api_client_for
):
    live = api_client_for("public", shop.live_pk)
    assert live.get("/account/profile", cart=CART).status_code == 401


def test_a_session_does_not_cross_stores(other_shop, signed_in, api_client_for):
    other = api_client_for("public", other_shop.pk)
    assert other.get("/account/profile", cart=CART).status_code == 401


def test_profile_is_the_customer_object(public, shop, signed_in):
    Address.objects.create(
        customer=signed_in,
        line1="1 Old Road",
        city="Leeds",
        country_code="GB",
        is_default=False,
    )
    Address.objects.create(
        customer=signed_in,
        line1="221B Baker Street",
        city="London",
        postcode="NW1 6XE",
        country_code="GB",
        is_default=True,
    )

    response = public.get("/account/profile", cart=CART)

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == signed_in.pk
    assert data["email"] == "sam@example.com"
    assert (data["firstName"], data["lastName"], data["phone"]) == (
        "Sam",
        "Buyer",
        "+447700900123",
    )
    assert data["marketingOptIn"] is False
    assert data["createdAt"].endswith("Z")
    address = data["defaultAddress"]
    assert address["line1"] == "221B Baker Street" and address["postcode"] == "NW1 6XE"
    assert address["countryCode"] == "GB" and address["isDefault"] is True
    assert address["line2"] is None and address["id"].startswith("addr_")
    # Private fields stay private.
    assert not {"tags", "metadata", "totalOrders", "addresses"} & set(data)


def test_profile_without_addresses_has_a_null_default(public, signed_in):
    assert (
        public.get("/account/profile", cart=CART).json()["data"]["defaultAddress"]
        is None
    )


def test_put_profile_changes_only_the_fields_sent(public, shop, signed_in):
    response = public.put("/account/profile", {"phone": "+447700900999"}, cart=CART)

    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["phone"] == "+447700900999"
    assert (data["firstName"], data["lastName"], data["marketingOptIn"]) == (
        "Sam",
        "Buyer",
        False,
    )
    assert data["updatedAt"].endswith("Z")
    signed_in.refresh_from_db()
    assert signed_in.phone == "+447700900999" and signed_in.first_name == "Sam"
    event = Event.objects.get(type="customer.updated")
    assert event.data["id"] == signed_in.pk and event.data["phone"] == "+447700900999"
    assert "totalSpend" in event.data and "tags" in event.data


def test_put_profile_all_fields_and_clearing_the_phone(public, signed_in):
    response = public.put(
        "/account/profile",
        {
            "firstName": "Samantha",
            "lastName": "B",
            "phone": None,
            "marketingOptIn": True,
        },
        cart=CART,
    )

    assert response.status_code == 200
    signed_in.refresh_from_db()
    assert (signed_in.first_name, signed_in.last_name, signed_in.phone) == (
        "Samantha",
        "B",
        "",
    )
    assert signed_in.marketing_opt_in is True
    assert response.json()["data"]["phone"] is None


def test_put_profile_without_changes_records_no_event(public, signed_in):
    response = public.put("/account/profile", {"firstName": "Sam"}, cart=CART)
    assert response.status_code == 200
    assert not Event.objects.filter(type="customer.updated").exists()


def test_put_profile_ignores_the_email(public, signed_in):
    public.put("/account/profile", {"email": "mallory@example.com"}, cart=CART)
    signed_in.refresh_from_db()
    assert signed_in.email == "sam@example.com"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"phone": "07700900123"}, "phone"),
        ({"phone": "+44 7700 900123"}, "phone"),
        ({"phone": "+0123456789"}, "phone"),
        ({"phone": "+1234"}, "phone"),
        ({"phone": 447700900123}, "phone"),
        ({"phone": "+44770090012345678"}, "phone"),
        ({"firstName": "x" * 101}, "firstName"),
        ({"lastName": None}, "lastName"),
        ({"marketingOptIn": "true"}, "marketingOptIn"),
        ({"marketingOptIn": 1}, "marketingOptIn"),
    ],
)
def test_put_profile_validation(public, signed_in, body, field):
    response = public.put(
        "/account/profile", {"firstName": "Changed", **body}, cart=CART
    )

    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    signed_in.refresh_from_db()
    assert signed_in.first_name == "Sam" and signed_in.phone == "+447700900123"


def test_put_profile_rejects_a_non_object_body(public, signed_in):
    response = public.put("/account/profile", ["phone"], cart=CART)
    assert response.status_code == 422


def test_logout_ends_the_session_and_unlinks_the_cart(public, shop, signed_in):
    cart = Order.objects.create(
        store=shop.store,
        mode="test",
        cart_token=CART,
        currency="GBP",
        customer=signed_in,
    )
    other_visitor = CustomerSession.objects.create(
        store=shop.store, mode="test", cart_token="phone-browser", customer=signed_in
    )

    response = public.post("/account/logout", cart=CART)

    assert response.status_code == 200
    assert response.json() == {"data": {"authenticated": False}}
    assert not CustomerSession.objects.filter(cart_token=CART).exists()
    assert CustomerSession.objects.filter(pk=other_visitor.pk).exists()
    cart.refresh_from_db()
    assert cart.customer_id is None and cart.type == "cart" and cart.cart_token == CART
    assert Order.objects.filter(pk=cart.pk).exists()
    assert (
        public.get("/cart/auth-status", cart=CART).json()["data"]["authenticated"]
        is False
    )
    assert public.get("/account/profile", cart=CART).status_code == 401
    assert Customer.objects.filter(pk=signed_in.pk).exists()


def test_logout_keeps_placed_orders_linked(public, shop, signed_in, make_order):
    order = make_order(shop.store, signed_in, cart_token=CART)
    public.post("/account/logout", cart=CART)
    order.refresh_from_db()
    assert order.customer_id == signed_in.pk
