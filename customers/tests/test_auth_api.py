"""Passwordless login through HTTP: check-customer, send-auth, verify-auth, create-account,
auth-status."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from customers.models import Customer, CustomerSession, LoginToken
from customers.services import login_token_digest
from orders.models import Order
from webhooks.models import Event

CART = "visitor-cart-token-1"


def _send(public, email, **kw):
    return public.post("/cart/send-auth", {"email": email}, **kw)


def _verify(public, token, cart=CART):
    return public.post("/cart/verify-auth", {"token": token}, cart=cart)


# -- check-customer ---------------------------------------------------------------------


def test_check_customer_is_scoped_to_the_store(public, shop, other_shop, make_customer):
    make_customer(shop.store, "sam@example.com")
    make_customer(other_shop.store, "only-elsewhere@example.com")

    known = public.post("/cart/check-customer", {"email": "SAM@Example.com"})
    elsewhere = public.post(
        "/cart/check-customer", {"email": "only-elsewhere@example.com"}
    )
    unknown = public.post("/cart/check-customer", {"email": "nobody@example.com"})

    assert known.status_code == 200
    assert known.json() == {"data": {"exists": True, "canSendAuthLink": True}}
    assert elsewhere.json() == {"data": {"exists": False, "canSendAuthLink": False}}
    assert unknown.json() == {"data": {"exists": False, "canSendAuthLink": False}}


def test_check_customer_validates_the_email(public):
    response = public.post("/cart/check-customer", {"email": "not-an-email"})
    assert response.status_code == 422
    assert "email" in response.json()["error"]["fields"]
    assert public.post("/cart/check-customer", {}).status_code == 422


# -- the whole flow ---------------------------------------------------------------------


def test_full_login_flow_through_the_emailed_link(
    public, shop, make_customer, emailed_token
):
    customer = make_customer(shop.store, "sam@example.com", first_name="Sam")
    cart = Order.objects.create(
        store=shop.store, mode="test", cart_token=CART, currency="GBP"
    )

    sent = _send(public, "sam@example.com")
    assert sent.status_code == 200
    assert sent.json() == {"data": {"sent": True, "expiresIn": 900}}
    assert len(mail.outbox) == 1
    token, message = emailed_token()
    assert message.to == ["sam@example.com"]
    assert "Sign in" in message.subject or "sign-in" in message.subject
    html = message.alternatives[0][0]
    assert token in html and "Hello Sam" in html

    # The link points at the configured storefront with the token as a query parameter.
    link = next(line for line in message.body.splitlines() if token in line).strip()
    assert link.startswith("http://127.0.0.1:8000/storefront")
    assert parse_qs(urlsplit(link).query)["login_token"] == [token]

    # Only the digest is stored.
    row = LoginToken.objects.get()
    assert row.token_hash == login_token_digest(token) and token not in row.token_hash

    before = public.get("/cart/auth-status", cart=CART).json()["data"]
    assert before == {"authenticated": False, "customer": None}

    verified = _verify(public, token)
    assert verified.status_code == 200, verified.content
    assert verified.json() == {
        "data": {
            "customerId": customer.pk,
            "email": "sam@example.com",
            "authenticated": True,
        }
    }
    customer.refresh_from_db()
    assert customer.claimed_at is not None and customer.last_login_at is not None
    cart.refresh_from_db()
    assert cart.customer_id == customer.pk
    assert (
        CustomerSession.objects.filter(
            store=shop.store, mode="test", cart_token=CART
        ).count()
        == 1
    )

    status = public.get("/cart/auth-status", cart=CART).json()["data"]
    assert status == {
        "authenticated": True,
        "customer": {
            "id": customer.pk,
            "email": "sam@example.com",
            "firstName": "Sam",
            "lastName": "",
        },
    }
    # Another visitor token is not signed in.
    assert (
        public.get("/cart/auth-status", cart="someone-else").json()["data"][
            "authenticated"
        ]
        is False
    )

    profile = public.get("/account/profile", cart=CART)
    assert profile.status_code == 200
    assert profile.json()["data"]["id"] == customer.pk


def test_storefront_url_of_the_store_wins_and_keeps_its_query(
    public, shop, make_customer, emailed_token
):
    shop.store.storefront_url = "https://shop.example.com/account?ref=mail"
    shop.store.save()
    make_customer(shop.store, "sam@example.com")

    _send(public, "sam@example.com")

    token, message = emailed_token()
    link = next(line for line in message.body.splitlines() if token in line).strip()
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "shop.example.com",
        "/account",
    )
    assert parse_qs(parts.query) == {"ref": ["mail"], "login_token": [token]}


def test_settings_storefront_url_is_the_fallback(
    public, shop, make_customer, emailed_token, settings
):
    settings.STOREFRONT_URL = "https://fallback.example/login"
    make_customer(shop.store, "sam@example.com")

    _send(public, "sam@example.com")

    token, message = emailed_token()
    assert f"https://fallback.example/login?login_token={token}" in message.body


def test_a_guest_can_log_in_with_a_link_which_claims_it(
    public, shop, make_customer, emailed_token
):
    guest = make_customer(shop.store, "guest@example.com")
    assert guest.claimed_at is None

    _send(public, "guest@example.com")
    token, _ = emailed_token()
    assert _verify(public, token).status_code == 200

    guest.refresh_from_db()
    assert guest.is_claimed


def test_send_auth_is_identical_for_known_and_unknown_emails(
    public, shop, other_shop, make_customer
):
    make_customer(shop.store, "known@example.com")
    make_customer(other_shop.store, "elsewhere@example.com")

    known = _send(public, "known@example.com")
    unknown = _send(public, "unknown@example.com")
    elsewhere = _send(public, "elsewhere@example.com")

    assert known.status_code == unknown.status_code == elsewhere.status_code == 200
    assert known.content == unknown.content == elsewhere.content
    ignored = {"Date", "X-RateLimit-Remaining"}
    assert {k: v for k, v in known.headers.items() if k not in ignored} == {
        k: v for k, v in unknown.headers.items() if k not in ignored
    }
    # Only the known email of this store received anything.
    assert [m.to for m in mail.outbox] == [["known@example.com"]]
    assert LoginToken.objects.count() == 1


def test_send_auth_does_not_need_a_cart_token_but_verify_does(
    public, shop, make_customer, emailed_token
):
    make_customer(shop.store, "sam@example.com")
    assert _send(public, "sam@example.com", cart=None).status_code == 200
    token, _ = emailed_token()

    response = public.post("/cart/verify-auth", {"token": token})

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "cart_token_required"
    assert CustomerSession.objects.count() == 0
    assert LoginToken.objects.get().used_at is None


def test_send_auth_stops_sending_after_five_outstanding_links(
    public, shop, make_customer
):
    make_customer(shop.store, "sam@example.com")
    responses = [_send(public, "sam@example.com") for _ in range(7)]

    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert len(mail.outbox) == 5


# -- refusals of verify-auth ------------------------------------------------------------


def _issue(public, shop, make_customer, emailed_token, email="sam@example.com"):
    customer = make_customer(shop.store, email)
    _send(public, email)
    token, _ = emailed_token()
    return customer, token


def _assert_refused(response, code):
    assert response.status_code == 422, response.content
    body = response.json()["error"]
    assert body["code"] == code
    assert "token" in body["fields"]
    assert CustomerSession.objects.count() == 0 or code == "login_token_used"


def test_a_used_token_is_refused(public, shop, make_customer, emailed_token):
    _, token = _issue(public, shop, make_customer, emailed_token)
    assert _verify(public, token).status_code == 200

    again = _verify(public, token, cart="another-visitor")

    _assert_refused(again, "login_token_used")
    assert not CustomerSession.objects.filter(cart_token="another-visitor").exists()


def test_an_expired_token_is_refused(public, shop, make_customer, emailed_token):
    customer, token = _issue(public, shop, make_customer, emailed_token)
    past = timezone.now() - timedelta(minutes=16)
    LoginToken.objects.update(created_at=past, expires_at=past + timedelta(minutes=15))

    response = _verify(public, token)

    _assert_refused(response, "login_token_expired")
    customer.refresh_from_db()
    assert customer.claimed_at is None and customer.last_login_at is None
    assert LoginToken.objects.get().used_at is None


def test_a_token_just_inside_its_window_works(
    public, shop, make_customer, emailed_token
):
    _, token = _issue(public, shop, make_customer, emailed_token)
    LoginToken.objects.update(expires_at=timezone.now() + timedelta(seconds=5))

    assert _verify(public, token).status_code == 200


def test_another_stores_token_is_refused(
    public, shop, other_shop, make_customer, emailed_token, api_client_for
):
    other_public = api_client_for("public", other_shop.pk)
    make_customer(other_shop.store, "sam@example.com")
    other_public.post("/cart/send-auth", {"email": "sam@example.com"})
    token, _ = emailed_token()

    response = _verify(public, token)

    _assert_refused(response, "login_token_invalid")
    # The token still works in its own store.
    assert (
        other_public.post("/cart/verify-auth", {"token": token}, cart=CART).status_code
        == 200
    )


def test_a_token_of_the_other_key_mode_is_refused(
    public, shop, make_customer, emailed_token, api_client_for
):
    _, token = _issue(public, shop, make_customer, emailed_token)
    live = api_client_for("public", shop.live_pk)

    _assert_refused(
        live.post("/cart/verify-auth", {"token": token}, cart=CART),
        "login_token_invalid",
    )


def test_an_unknown_token_is_refused(public, shop, make_customer, emailed_token):
    _issue(public, shop, make_customer, emailed_token)
    forged = "lnk_" + "A" * 43

    _assert_refused(_verify(public, forged), "login_token_invalid")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "lnk_short",
        "LNK_" + "a" * 43,
        "lnk_" + "a" * 44,
        "lnk_" + "!" * 43,
        "tok_" + "a" * 43,
    ],
)
def test_a_malformed_token_is_refused(public, shop, token):
    response = _verify(public, token)
    assert response.status_code == 422
    assert "token" in response.json()["error"]["fields"]
    assert CustomerSession.objects.count() == 0


@pytest.mark.parametrize(
    "body", [{}, {"token": 12}, {"token": None}, {"token": ["lnk_x"]}]
)
def test_a_missing_or_non_string_token_is_refused(public, shop, body):
    response = public.post("/cart/verify-auth", body, cart=CART)
    assert response.status_code == 422
    assert "token" in response.json()["error"]["fields"]


def test_verifying_consumes_the_customers_other_links(
    public, shop, make_customer, emailed_token
):
    make_customer(shop.store, "sam@example.com")
    _send(public, "sam@example.com")
    first, _ = emailed_token()
    _send(public, "sam@example.com")
    second, _ = emailed_token()
    assert first != second

    assert _verify(public, second).status_code == 200
    _assert_refused(_verify(public, first, cart="tab-2"), "login_token_used")


def test_verify_rebinds_a_token_already_signed_in_as_someone_else(
    public, shop, make_customer, emailed_token
):
    _, token_a = _issue(public, shop, make_customer, emailed_token, "a@example.com")
    assert _verify(public, token_a).status_code == 200
    b, token_b = _issue(public, shop, make_customer, emailed_token, "b@example.com")

    assert _verify(public, token_b).status_code == 200

    session = CustomerSession.objects.get(cart_token=CART)
    assert session.customer_id == b.pk


# -- create-account ---------------------------------------------------------------------


def test_create_account_for_a_new_email(public, shop):
    cart = Order.objects.create(
        store=shop.store, mode="test", cart_token=CART, currency="GBP"
    )

    response = public.post(
        "/cart/create-account",
        {
            "email": "New@Example.COM",
            "firstName": "Sam",
            "lastName": "Buyer",
            "marketingOptIn": True,
        },
        cart=CART,
    )

    assert response.status_code == 200, response.content
    data = response.json()["data"]
    customer = Customer.objects.get(pk=data["customerId"])
    assert data == {
        "customerId": customer.pk,
        "email": "New@example.com",
        "authenticated": True,
    }
    assert (customer.first_name, customer.last_name, customer.marketing_opt_in) == (
        "Sam",
        "Buyer",
        True,
    )
    assert customer.is_claimed and customer.last_login_at is not None
    cart.refresh_from_db()
    assert cart.customer_id == customer.pk
    assert (
        public.get("/cart/auth-status", cart=CART).json()["data"]["authenticated"]
        is True
    )
    assert Event.objects.filter(type="customer.created").count() == 1


def test_create_account_claims_the_guest_of_an_order_placed_on_this_token(
    public, shop, make_customer, make_order
):
    guest = make_customer(shop.store, "guest@example.com")
    make_order(shop.store, guest, cart_token=CART)

    response = public.post(
        "/cart/create-account",
        {"email": "GUEST@example.com", "firstName": "Alex", "marketingOptIn": False},
        cart=CART,
    )

    assert response.status_code == 200, response.content
    assert response.json()["data"]["customerId"] == guest.pk
    guest.refresh_from_db()
    assert guest.is_claimed and guest.first_name == "Alex"
    assert Customer.objects.filter(store=shop.store).count() == 1
    assert Event.objects.filter(type="customer.updated").count() == 1


def test_create_account_for_a_guest_without_an_order_on_this_token_asks_for_the_link(
    public, shop, make_customer, make_order
):
    guest = make_customer(shop.store, "guest@example.com")
    make_order(shop.store, guest, cart_token="the-guests-own-token")

    response = public.post(
        "/cart/create-account", {"email": "guest@example.com"}, cart=CART
    )

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "login_link_required"
    assert "send-auth" in error["message"]
    guest.refresh_from_db()
    assert guest.claimed_at is None
    assert CustomerSession.objects.count() == 0


def test_create_account_for_a_claimed_email_is_a_409_suggesting_the_link(
    public, shop, make_customer
):
    make_customer(shop.store, "sam@example.com", claimed=True, first_name="Sam")

    response = public.post(
        "/cart/create-account",
        {"email": "sam@example.com", "firstName": "Mallory"},
        cart=CART,
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "account_exists"
    assert "login link" in response.json()["error"]["message"]
    assert Customer.objects.get().first_name == "Sam"
    assert CustomerSession.objects.count() == 0


def test_the_same_email_in_another_store_is_another_account(
    public, shop, other_shop, make_customer
):
    elsewhere = make_customer(other_shop.store, "sam@example.com", claimed=True)

    response = public.post(
        "/cart/create-account", {"email": "sam@example.com"}, cart=CART
    )

    assert response.status_code == 200
    assert response.json()["data"]["customerId"] != elsewhere.pk
    assert Customer.objects.filter(email__iexact="sam@example.com").count() == 2


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "email"),
        ({"email": "nope"}, "email"),
        ({"email": "a@example.com", "marketingOptIn": "yes"}, "marketingOptIn"),
        ({"email": "a@example.com", "firstName": 12}, "firstName"),
        ({"email": "a@example.com", "lastName": "x" * 101}, "lastName"),
    ],
)
def test_create_account_validation(public, shop, body, field):
    response = public.post("/cart/create-account", body, cart=CART)
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    assert Customer.objects.count() == 0


def test_create_account_needs_a_cart_token(public, shop):
    response = public.post("/cart/create-account", {"email": "a@example.com"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "cart_token_required"
    assert Customer.objects.count() == 0


# -- rate limits ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, body",
    [
        ("/cart/send-auth", {"email": "a@example.com"}),
        ("/cart/create-account", {"email": "taken@example.com"}),
    ],
)
def test_send_auth_and_create_account_allow_ten_a_minute(
    public, shop, make_customer, path, body
):
    make_customer(shop.store, "taken@example.com", claimed=True)
    statuses = [public.post(path, body, cart=CART).status_code for _ in range(10)]
    assert 429 not in statuses

    limited = public.post(path, body, cart=CART)

    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1
    assert limited.json()["error"]["code"] == "rate_limited"
    assert limited["X-RateLimit-Limit"] == "10"
