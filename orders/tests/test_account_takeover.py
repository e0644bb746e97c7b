"""Account pre-hijacking through create-account (issue 12, part 1).

An attacker creates an "account" for the victim's email on their own cart token; the victim
later checks out as a guest on their own device. Until a login link proves the email, the
attacker's session sees only what its own token created; signing in with a link ends it.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail

from customers.models import Customer, CustomerSession

from .conftest import Shopper

pytestmark = pytest.mark.django_db

VICTIM = "victim@example.com"
PHONE = "+447700900555"
VICTIM_ADDRESS = {
    "firstName": "Vera",
    "lastName": "Victim",
    "line1": "1 Private Lane",
    "city": "York",
    "postcode": "YO1 7HH",
    "countryCode": "GB",
    "phone": PHONE,
}


def data(response) -> dict:
    assert response.status_code == 200, response.json()
    return response.json()["data"]


def create_account(public, token: str, email: str, **names):
    return public.post("/cart/create-account", {"email": email, **names}, cart=token)


def guest_checkout(public, shop, token: str, email: str) -> str:
    shopper = Shopper(public, token)
    shopper.add(shop.candle)
    shopper.save(email=email, shippingAddress=dict(VICTIM_ADDRESS), sameAsShipping=True)
    shopper.ship(shop.method)
    return data(shopper.checkout("pm_card_visa"))["orderId"]


def sign_in_with_link(public, token: str, email: str) -> None:
    mail.outbox.clear()
    assert public.post("/cart/send-auth", {"email": email}).status_code == 200
    link = re.search(r"lnk_[A-Za-z0-9_-]{43}", mail.outbox[-1].body).group(0)
    data(public.post("/cart/verify-auth", {"token": link}, cart=token))


def test_a_pre_created_account_does_not_see_the_victims_later_guest_checkout(
    public, checkout_shop
):
    created = data(create_account(public, "attacker", VICTIM))
    assert created["authenticated"] is True and created["email"] == VICTIM

    order_id = guest_checkout(public, checkout_shop, "victims-phone", VICTIM)

    order = public.get(f"/account/orders/{order_id}", cart="attacker")
    assert order.status_code == 404
    assert public.get(f"/orders/{order_id}", cart="attacker").status_code == 404
    assert data(public.get("/account/orders", cart="attacker")) == []
    profile = data(public.get("/account/profile", cart="attacker"))
    assert profile["id"] == created["customerId"]
    assert (profile["firstName"], profile["lastName"], profile["phone"]) == (
        "",
        "",
        None,
    )
    assert profile["defaultAddress"] is None
    status = data(public.get("/cart/auth-status", cart="attacker"))
    assert status["authenticated"] is True
    assert "Vera" not in str(status) and "Victim" not in str(status)
    # The merchant's record has it all: the order belongs to the victim's email.
    customer = Customer.objects.get(pk=created["customerId"])
    assert (customer.first_name, customer.orders.count()) == ("Vera", 1)
    # The victim, on their own device, sees their order.
    assert public.get(f"/orders/{order_id}", cart="victims-phone").status_code == 200


def test_signing_in_with_the_link_ends_the_pre_created_session(public, checkout_shop):
    data(create_account(public, "attacker", VICTIM))
    order_id = guest_checkout(public, checkout_shop, "victims-phone", VICTIM)

    sign_in_with_link(public, "victims-phone", VICTIM)

    assert public.get("/account/profile", cart="attacker").status_code == 401
    assert public.get("/account/orders", cart="attacker").status_code == 401
    assert not data(public.get("/cart/auth-status", cart="attacker"))["authenticated"]
    mine = data(public.get(f"/account/orders/{order_id}", cart="victims-phone"))
    assert mine["id"] == order_id
    profile = data(public.get("/account/profile", cart="victims-phone"))
    assert (profile["firstName"], profile["phone"]) == ("Vera", None)
    assert profile["defaultAddress"]["line1"] == "1 Private Lane"
    assert list(CustomerSession.objects.values_list("cart_token", flat=True)) == [
        "victims-phone"
    ]


def test_create_account_for_a_guest_with_orders_from_another_token_starts_no_session(
    public, checkout_shop
):
    """The attacker places a cheap order with the victim's email on their own token too:
    an order "here" is not enough while another token placed one."""
    guest_checkout(public, checkout_shop, "victims-phone", VICTIM)
    guest_checkout(public, checkout_shop, "attacker", VICTIM)

    response = create_account(public, "attacker", VICTIM, firstName="Mallory")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "login_link_required"
    assert "send-auth" in response.json()["error"]["message"]
    assert not CustomerSession.objects.exists()
    assert public.get("/account/orders", cart="attacker").status_code == 401
    assert Customer.objects.get(email=VICTIM).first_name == "Vera"


def test_create_account_for_an_existing_account_starts_no_session(
    public, checkout_shop
):
    data(create_account(public, "first-device", VICTIM))

    response = create_account(public, "second-device", VICTIM)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "account_exists"
    assert not data(public.get("/cart/auth-status", cart="second-device"))[
        "authenticated"
    ]


def test_the_reference_case_create_account_right_after_a_guest_checkout(
    public, checkout_shop
):
    order_id = guest_checkout(public, checkout_shop, "my-phone", VICTIM)

    created = data(
        create_account(public, "my-phone", VICTIM, firstName="Vera", lastName="V.")
    )

    assert created == {
        "customerId": created["customerId"],
        "email": VICTIM,
        "authenticated": True,
    }
    orders = data(public.get("/account/orders", cart="my-phone"))
    assert [o["id"] for o in orders] == [order_id]
    assert data(public.get(f"/account/orders/{order_id}", cart="my-phone"))["id"] == (
        order_id
    )
    profile = data(public.get("/account/profile", cart="my-phone"))
    assert (profile["firstName"], profile["lastName"]) == ("Vera", "V.")
    assert profile["defaultAddress"]["line1"] == "1 Private Lane"


def test_an_unverified_session_edits_only_what_it_sees_and_fills_blanks(
    public, checkout_shop
):
    created = data(create_account(public, "attacker", VICTIM))
    guest_checkout(public, checkout_shop, "victims-phone", VICTIM)

    updated = public.put(
        "/account/profile",
        {"firstName": "Mallory", "phone": "+447700900999"},
        cart="attacker",
    )

    body = data(updated)
    assert (body["firstName"], body["phone"]) == ("Mallory", "+447700900999")
    customer = Customer.objects.get(pk=created["customerId"])
    # The victim's name stays; the blank phone is filled, as a guest checkout could.
    assert (customer.first_name, customer.phone) == ("Vera", "+447700900999")
    again = data(public.get("/account/profile", cart="attacker"))
    assert again["firstName"] == "Mallory" and again["lastName"] == ""


def test_the_owner_verifying_on_the_same_token_sees_everything(public, checkout_shop):
    """The shopper who created the account proves the email with a link on the same
    token: the session becomes verified and shows orders from other devices too."""
    data(create_account(public, "my-laptop", VICTIM, firstName="Vera"))
    order_id = guest_checkout(public, checkout_shop, "my-phone", VICTIM)
    assert data(public.get("/account/orders", cart="my-laptop")) == []

    sign_in_with_link(public, "my-laptop", VICTIM)

    orders = data(public.get("/account/orders", cart="my-laptop"))
    assert [o["id"] for o in orders] == [order_id]
    session = CustomerSession.objects.get(cart_token="my-laptop")
    assert session.verified_at is not None and session.details == {}
