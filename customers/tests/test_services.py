"""Services other areas call (guests, saved addresses) and the login-token lifecycle."""

from __future__ import annotations

import io
import threading
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from core.exceptions import Conflict, ValidationFailed
from customers import services, tasks
from customers.models import Address, Customer, LoginToken
from webhooks.models import Event

# -- customer_get_or_create_guest -------------------------------------------------------


def test_guest_is_created_unclaimed_with_an_event(shop):
    customer = services.customer_get_or_create_guest(
        store=shop.store,
        email="  Sam@Example.COM ",
        first_name="Sam",
        last_name="Buyer",
        marketing_opt_in=True,
        mode="live",
    )

    assert customer.email == "Sam@example.com"
    assert (customer.first_name, customer.last_name, customer.marketing_opt_in) == (
        "Sam",
        "Buyer",
        True,
    )
    assert customer.claimed_at is None
    event = Event.objects.get(type="customer.created")
    assert event.mode == "live" and event.store_id == shop.store.pk
    assert event.data["id"] == customer.pk and event.data["authenticated"] is False
    assert event.data["totalSpend"]["currency"] == "GBP"


def test_guest_email_matches_case_insensitively(shop):
    first = services.customer_get_or_create_guest(
        store=shop.store, email="sam@example.com"
    )
    again = services.customer_get_or_create_guest(
        store=shop.store, email="SAM@EXAMPLE.com"
    )

    assert again.pk == first.pk
    assert Customer.objects.count() == 1
    assert Event.objects.filter(type="customer.created").count() == 1


def test_same_email_in_two_stores_is_two_customers(shop, other_shop):
    a = services.customer_get_or_create_guest(store=shop.store, email="sam@example.com")
    b = services.customer_get_or_create_guest(
        store=other_shop.store, email="sam@example.com"
    )
    assert a.pk != b.pk
    assert {a.store_id, b.store_id} == {shop.store.pk, other_shop.store.pk}


def test_existing_customer_gets_blank_names_filled_and_opt_in_never_revoked(
    shop, make_customer
):
    existing = make_customer(
        shop.store, "sam@example.com", first_name="Sam", marketing_opt_in=True
    )

    same = services.customer_get_or_create_guest(
        store=shop.store,
        email="sam@example.com",
        first_name="Other",
        last_name="Buyer",
        marketing_opt_in=False,
    )

    assert same.pk == existing.pk
    existing.refresh_from_db()
    assert (existing.first_name, existing.last_name) == ("Sam", "Buyer")
    assert existing.marketing_opt_in is True
    assert Event.objects.filter(type="customer.updated").count() == 1


def test_existing_customer_opts_in_but_nothing_else_changes_without_an_event(
    shop, make_customer
):
    existing = make_customer(
        shop.store, "sam@example.com", first_name="Sam", last_name="B"
    )
    services.customer_get_or_create_guest(store=shop.store, email="sam@example.com")
    assert not Event.objects.exists()

    services.customer_get_or_create_guest(
        store=shop.store, email="sam@example.com", marketing_opt_in=True
    )
    existing.refresh_from_db()
    assert existing.marketing_opt_in is True


@pytest.mark.parametrize(
    "email", ["", "not-an-email", "a@", "x" * 250 + "@example.com"]
)
def test_guest_with_an_invalid_email_is_refused(shop, email):
    with pytest.raises(ValidationFailed) as exc:
        services.customer_get_or_create_guest(store=shop.store, email=email)
    assert "email" in exc.value.fields
    assert Customer.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_guest_creation_makes_one_customer(make_store):
    shop = make_store()
    barrier = threading.Barrier(6)
    results, errors = [], []

    def work():
        try:
            barrier.wait()
            customer = services.customer_get_or_create_guest(
                store=shop.store, email="Race@Example.com"
            )
            results.append(customer.pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    assert len(set(results)) == 1 and len(results) == 6
    assert Customer.objects.filter(store=shop.store).count() == 1
    assert Event.objects.filter(type="customer.created").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_login_token_can_be_used_once_under_concurrency(make_store, make_customer):
    shop = make_store()
    make_customer(shop.store, "sam@example.com")
    token = services.login_link_request(
        store=shop.store, mode="test", email="sam@example.com"
    )
    raw = mail.outbox[-1].body.split("login_token=")[1].split()[0]
    assert services.login_token_digest(raw) == token.token_hash
    barrier = threading.Barrier(5)
    wins, refusals = [], []

    def work(i):
        try:
            barrier.wait()
            services.login_token_verify(
                store=shop.store, mode="test", cart_token=f"cart-{i}", raw_token=raw
            )
            wins.append(i)
        except ValidationFailed as exc:
            refusals.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(wins) == 1
    assert refusals == ["login_token_used"] * 4
    from customers.models import CustomerSession

    assert list(CustomerSession.objects.values_list("cart_token", flat=True)) == [
        f"cart-{wins[0]}"
    ]


# -- customer_address_save_from_order ---------------------------------------------------

ORDER_ADDRESS = {
    "first_name": "Sam",
    "last_name": "Buyer",
    "line1": "221B Baker Street",
    "line2": None,
    "city": "London",
    "postcode": "NW1 6XE",
    "country_code": "gb",
    "state": None,
    "phone": "+447700900123",
}


def test_first_order_address_is_saved_as_the_default(shop, make_customer):
    customer = make_customer(shop.store)

    address = services.customer_address_save_from_order(
        customer=customer, address=ORDER_ADDRESS
    )

    assert address.pk.startswith("addr_") and address.is_default
    assert (address.line1, address.line2, address.country_code, address.phone) == (
        "221B Baker Street",
        "",
        "GB",
        "+447700900123",
    )


def test_the_same_address_is_not_saved_twice(shop, make_customer):
    customer = make_customer(shop.store)
    first = services.customer_address_save_from_order(
        customer=customer, address=ORDER_ADDRESS
    )
    variant = {
        "firstName": "sam",
        "lastName": "BUYER",
        "line1": "221b  baker street",
        "city": "LONDON",
        "postcode": "nw16xe",
        "countryCode": "GB",
        "phone": "+447700900999",
    }

    again = services.customer_address_save_from_order(
        customer=customer, address=variant
    )

    assert again.pk == first.pk
    assert Address.objects.filter(customer=customer).count() == 1


def test_a_new_address_is_added_without_moving_the_default(shop, make_customer):
    customer = make_customer(shop.store)
    first = services.customer_address_save_from_order(
        customer=customer, address=ORDER_ADDRESS
    )

    second = services.customer_address_save_from_order(
        customer=customer,
        address={**ORDER_ADDRESS, "line1": "10 Downing Street", "postcode": "SW1A 2AA"},
    )

    assert second.pk != first.pk and second.is_default is False
    assert list(Address.objects.filter(customer=customer, is_default=True)) == [first]


def test_an_address_becomes_default_when_none_is(shop, make_customer):
    customer = make_customer(shop.store)
    Address.objects.create(
        customer=customer, line1="Old", city="Leeds", country_code="GB"
    )

    saved = services.customer_address_save_from_order(
        customer=customer, address=ORDER_ADDRESS
    )

    assert saved.is_default is True
    assert Address.objects.filter(customer=customer, is_default=True).count() == 1


@pytest.mark.parametrize(
    "address",
    [
        None,
        "221B Baker Street",
        {},
        {"line1": "x", "city": "London"},
        {**ORDER_ADDRESS, "line1": ""},
    ],
)
def test_an_incomplete_address_is_skipped(shop, make_customer, address):
    customer = make_customer(shop.store)
    assert (
        services.customer_address_save_from_order(customer=customer, address=address)
        is None
    )
    assert not Address.objects.exists()


def test_default_address_set_keeps_exactly_one(shop, make_customer):
    customer = make_customer(shop.store)
    a = services.customer_address_save_from_order(
        customer=customer, address=ORDER_ADDRESS
    )
    b = services.customer_address_save_from_order(
        customer=customer, address={**ORDER_ADDRESS, "line1": "Elsewhere 1"}
    )

    services.customer_default_address_set(customer=customer, address=b)

    assert list(Address.objects.filter(customer=customer, is_default=True)) == [b]
    Address.objects.filter(customer=customer).update(is_default=False)
    assert services.customer_default_address_set(customer=customer).pk == a.pk
    assert list(Address.objects.filter(is_default=True)) == [a]


# -- account_create and update ----------------------------------------------------------


def test_account_create_refusals_change_nothing(shop, make_customer):
    make_customer(shop.store, "taken@example.com", claimed=True, first_name="Sam")
    with pytest.raises(Conflict) as exc:
        services.account_create(
            store=shop.store,
            mode="test",
            cart_token="t",
            email="taken@example.com",
            first_name="X",
        )
    assert exc.value.code == "account_exists"
    assert Customer.objects.get().first_name == "Sam"


def test_customer_update_refuses_unknown_fields(shop, make_customer):
    customer = make_customer(shop.store)
    with pytest.raises(ValueError):
        services.customer_update(
            customer=customer, data={"email": "x@example.com"}, mode="test"
        )


def test_customer_create_refuses_a_duplicate_email(shop, make_customer):
    make_customer(shop.store, "sam@example.com")
    with pytest.raises(Conflict):
        services.customer_create(store=shop.store, email="SAM@example.com", mode="test")
    assert Customer.objects.count() == 1


# -- login tokens -----------------------------------------------------------------------


def test_login_link_request_for_an_unknown_email_creates_nothing(
    shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert (
            services.login_link_request(
                store=shop.store, mode="test", email="x@example.com"
            )
            is None
        )
    assert callbacks == []
    assert not LoginToken.objects.exists()
    assert mail.outbox == []


def test_token_is_random_and_expires_in_fifteen_minutes(
    shop, make_customer, django_capture_on_commit_callbacks
):
    make_customer(shop.store, "sam@example.com")
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        a = services.login_link_request(
            store=shop.store, mode="test", email="sam@example.com"
        )
        b = services.login_link_request(
            store=shop.store, mode="test", email="sam@example.com"
        )

    assert a.token_hash != b.token_hash and len(a.token_hash) == 64
    assert (
        timedelta(minutes=14, seconds=59)
        < a.expires_at - before
        <= timedelta(minutes=15, seconds=1)
    )
    tokens = [m.body.split("login_token=")[1].split()[0] for m in mail.outbox]
    assert all(services.LOGIN_TOKEN_PATTERN.match(t) for t in tokens)
    assert {services.login_token_digest(t) for t in tokens} == {
        a.token_hash,
        b.token_hash,
    }


def test_the_email_task_sends_nothing_for_a_used_or_expired_token(
    shop, make_customer, django_capture_on_commit_callbacks
):
    make_customer(shop.store, "sam@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        token = services.login_link_request(
            store=shop.store, mode="test", email="sam@example.com"
        )
    raw = mail.outbox[-1].body.split("login_token=")[1].split()[0]
    mail.outbox.clear()

    LoginToken.objects.filter(pk=token.pk).update(used_at=timezone.now())
    assert tasks.login_link_email_send(token.pk, raw) == 0
    LoginToken.objects.filter(pk=token.pk).update(
        used_at=None, expires_at=timezone.now()
    )
    assert tasks.login_link_email_send(token.pk, raw) == 0
    LoginToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() + timedelta(minutes=5)
    )
    assert tasks.login_link_email_send(token.pk, "lnk_" + "B" * 43) == 0
    assert mail.outbox == []
    assert tasks.login_link_email_send(token.pk, raw) == 1
    assert tasks.login_link_email_send("ltok_missing", raw) == 0


def test_purge_deletes_tokens_dead_for_a_day(shop, make_customer):
    customer = make_customer(shop.store)
    now = timezone.now()

    def make(**fields):
        fields.setdefault("expires_at", now + timedelta(minutes=10))
        return LoginToken.objects.create(
            store=shop.store,
            customer=customer,
            token_hash=uuid.uuid4().hex,
            **fields,
        )

    live = make()
    recently_expired = make(expires_at=now - timedelta(hours=2))
    old_expired = make(expires_at=now - timedelta(days=2))
    old_used = make(used_at=now - timedelta(days=2))

    assert tasks.login_tokens_purge() == 2
    assert set(LoginToken.objects.values_list("pk", flat=True)) == {
        live.pk,
        recently_expired.pk,
    }
    assert not LoginToken.objects.filter(pk__in=[old_expired.pk, old_used.pk]).exists()
    old_expired_again = make(expires_at=now - timedelta(days=3))
    call_command("purge_login_tokens", stdout=io.StringIO())
    assert not LoginToken.objects.filter(pk=old_expired_again.pk).exists()


def test_the_beat_schedule_lists_the_purge():
    from customers.schedule import BEAT_SCHEDULE
    from shoprocket_site.celery import app

    entry = BEAT_SCHEDULE["customers-purge-login-tokens"]
    assert entry["task"] in app.tasks


def test_demo_seed_is_idempotent(shop):
    from customers import demo

    demo.seed(store=shop.store)
    demo.seed(store=shop.store)

    assert Customer.objects.filter(store=shop.store).count() == len(demo.DEMO_CUSTOMERS)
    sam = Customer.objects.get(email="sam.buyer@example.com")
    assert sam.is_claimed and sam.tags == ["vip"]
    assert Address.objects.filter(customer=sam, is_default=True).count() == 1
