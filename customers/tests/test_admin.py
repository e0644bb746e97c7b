"""The customers dashboard: tenancy, search, the tags filter, inlines, the CSV export."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from core import services as core_services
from customers import selectors
from customers.models import Address, Customer
from webhooks.models import Event

CHANGELIST = "/admin/customers/customer/"


@pytest.fixture
def merchant(shop):
    user, _ = core_services.merchant_add(store=shop.store, email="owner@acme.test")
    client = Client()
    client.force_login(user)
    return client


def _ids(response):
    return {c.pk for c in response.context["cl"].result_list}


def test_merchant_sees_only_their_stores_customers(
    merchant, shop, other_shop, make_customer
):
    mine = make_customer(shop.store, "mine@example.com")
    theirs = make_customer(other_shop.store, "theirs@example.com")

    response = merchant.get(CHANGELIST)

    assert response.status_code == 200
    assert _ids(response) == {mine.pk}
    assert merchant.get(f"{CHANGELIST}{theirs.pk}/change/").status_code == 404


def test_search_by_name_and_email(merchant, shop, make_customer):
    sam = make_customer(
        shop.store, "sam@example.com", first_name="Sam", last_name="Buyer"
    )
    make_customer(shop.store, "jo@example.com", first_name="Jo", last_name="Trader")

    assert _ids(merchant.get(CHANGELIST, {"q": "buyer"})) == {sam.pk}
    assert _ids(merchant.get(CHANGELIST, {"q": "sam@"})) == {sam.pk}


def test_tag_filter_matches_whole_tags_only(merchant, shop, other_shop, make_customer):
    vip = make_customer(shop.store, tags=["vip", "wholesale"])
    gold = make_customer(shop.store, tags=["vip-gold"])
    make_customer(shop.store, tags=[])
    make_customer(other_shop.store, tags=["secret-segment"])

    listing = merchant.get(CHANGELIST)
    tag_filter = next(
        f
        for f in listing.context["cl"].filter_specs
        if getattr(f, "parameter_name", None) == "tag"
    )
    assert [value for value, _ in tag_filter.lookup_choices] == [
        "vip",
        "vip-gold",
        "wholesale",
    ]

    assert _ids(merchant.get(CHANGELIST, {"tag": "vip"})) == {vip.pk}
    assert _ids(merchant.get(CHANGELIST, {"tag": "vip-gold"})) == {gold.pk}
    assert _ids(merchant.get(CHANGELIST, {"tag": "VIP"})) == set()
    assert _ids(merchant.get(CHANGELIST, {"tag": 'vip"'})) == set()


def test_customers_with_tag_selector_is_exact(shop, make_customer):
    a = make_customer(shop.store, tags=["café", "b"])
    make_customer(shop.store, tags=["cafés"])
    make_customer(shop.store, tags={"café": 1})  # not a list: never matches
    found = selectors.customers_with_tag(Customer.objects.all(), "café")
    assert list(found) == [a]


def test_account_filter(merchant, shop, make_customer):
    claimed = make_customer(shop.store, claimed=True)
    guest = make_customer(shop.store)
    assert _ids(merchant.get(CHANGELIST, {"account": "claimed"})) == {claimed.pk}
    assert _ids(merchant.get(CHANGELIST, {"account": "guest"})) == {guest.pk}


def test_change_page_shows_order_history_and_addresses(
    merchant, shop, make_customer, make_order
):
    sam = make_customer(shop.store, "sam@example.com")
    make_order(shop.store, sam, total=12400, order_number=1024)
    make_order(shop.store, sam, total=999, type="cart")
    Address.objects.create(
        customer=sam,
        line1="221B Baker Street",
        city="London",
        country_code="GB",
        is_default=True,
    )

    response = merchant.get(f"{CHANGELIST}{sam.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "#1024" in html and "£124.00" in html
    assert "£9.99" not in html
    assert "221B Baker Street" in html


def _formset_data(customer, addresses, **overrides):
    data = {
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "phone": customer.phone,
        "tags": '["vip"]',
        "metadata": "{}",
        "addresses-TOTAL_FORMS": str(len(addresses)),
        "addresses-INITIAL_FORMS": str(len(addresses)),
        "addresses-MIN_NUM_FORMS": "0",
        "addresses-MAX_NUM_FORMS": "1000",
        "orders-TOTAL_FORMS": "0",
        "orders-INITIAL_FORMS": "0",
        "orders-MIN_NUM_FORMS": "0",
        "orders-MAX_NUM_FORMS": "0",
    }
    for i, (address, is_default) in enumerate(addresses):
        prefix = f"addresses-{i}-"
        data.update(
            {
                f"{prefix}id": address.pk,
                f"{prefix}customer": customer.pk,
                f"{prefix}line1": address.line1,
                f"{prefix}city": address.city,
                f"{prefix}country_code": address.country_code,
            }
        )
        if is_default:
            data[f"{prefix}is_default"] = "on"
    data.update(overrides)
    return data


def test_moving_the_default_address_in_the_dashboard(merchant, shop, make_customer):
    sam = make_customer(shop.store, "sam@example.com")
    a = Address.objects.create(
        customer=sam, line1="A street", city="Leeds", country_code="GB", is_default=True
    )
    b = Address.objects.create(
        customer=sam, line1="B street", city="York", country_code="GB"
    )

    response = merchant.post(
        f"{CHANGELIST}{sam.pk}/change/", _formset_data(sam, [(a, False), (b, True)])
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    assert list(Address.objects.filter(customer=sam, is_default=True)) == [b]
    sam.refresh_from_db()
    assert sam.tags == ["vip"]
    assert Event.objects.get(type="customer.updated").data["tags"] == ["vip"]


def test_two_default_addresses_are_refused(merchant, shop, make_customer):
    sam = make_customer(shop.store, "sam@example.com")
    a = Address.objects.create(
        customer=sam, line1="A street", city="Leeds", country_code="GB", is_default=True
    )
    b = Address.objects.create(
        customer=sam, line1="B street", city="York", country_code="GB"
    )

    response = merchant.post(
        f"{CHANGELIST}{sam.pk}/change/", _formset_data(sam, [(a, True), (b, True)])
    )

    assert response.status_code == 200
    assert "Only one saved address can be the default." in response.content.decode()
    assert list(Address.objects.filter(is_default=True)) == [a]


def test_dashboard_validates_phone_and_tags(merchant, shop, make_customer):
    sam = make_customer(shop.store, "sam@example.com")
    bad = _formset_data(sam, [], phone="0770", tags='["ok", 5]')

    response = merchant.post(f"{CHANGELIST}{sam.pk}/change/", bad)

    assert response.status_code == 200
    html = response.content.decode()
    assert "E.164" in html and "Each tag must be a string." in html
    sam.refresh_from_db()
    assert sam.phone == "" and sam.tags == []


def test_adding_a_customer_in_the_dashboard_records_the_event(merchant, shop):
    data = _formset_data(Customer(email="new@example.com"), [], store=shop.store.pk)

    response = merchant.post(f"{CHANGELIST}add/", data)

    assert response.status_code == 302, response.context and response.context["errors"]
    customer = Customer.objects.get(email="new@example.com")
    assert customer.store_id == shop.store.pk and customer.tags == ["vip"]
    assert Event.objects.get(type="customer.created").data["id"] == customer.pk


def test_adding_a_duplicate_email_is_a_form_error(merchant, shop, make_customer):
    make_customer(shop.store, "taken@example.com", mode="live")
    data = _formset_data(Customer(email="TAKEN@example.com"), [], store=shop.store.pk)

    response = merchant.post(f"{CHANGELIST}add/", data)

    assert response.status_code == 200
    assert Customer.objects.count() == 1


def test_marketing_export_csv(merchant, shop, make_customer):
    a = make_customer(
        shop.store,
        "a@example.com",
        first_name="Ann",
        last_name="Lee",
        marketing_opt_in=True,
        tags=["vip", "wholesale"],
    )
    b = make_customer(
        shop.store, "b@example.com", first_name="=HYPERLINK(1)", marketing_opt_in=True
    )
    c = make_customer(shop.store, "c@example.com", marketing_opt_in=False)

    response = merchant.post(
        CHANGELIST,
        {"action": "export_marketing_csv", "_selected_action": [a.pk, b.pk, c.pk]},
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["email", "first_name", "last_name", "tags"],
        ["a@example.com", "Ann", "Lee", "vip, wholesale"],
        ["b@example.com", "'=HYPERLINK(1)", "", ""],
    ]


def test_marketing_export_with_nobody_opted_in_shows_a_message(
    merchant, shop, make_customer
):
    c = make_customer(shop.store, marketing_opt_in=False)

    response = merchant.post(
        CHANGELIST,
        {"action": "export_marketing_csv", "_selected_action": [c.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "None of the selected customers opted in" in response.content.decode()


def test_marketing_export_cannot_reach_another_store(
    merchant, shop, other_shop, make_customer
):
    theirs = make_customer(other_shop.store, marketing_opt_in=True)

    response = merchant.post(
        CHANGELIST,
        {"action": "export_marketing_csv", "_selected_action": [theirs.pk]},
        follow=True,
    )

    assert not response["Content-Type"].startswith("text/csv")
    assert theirs.email not in response.content.decode()


def test_saved_address_place_checked_by_the_api_rules(merchant, shop, make_customer):
    sam = make_customer(shop.store, "sam@example.com")
    home = Address.objects.create(
        customer=sam, line1="1 Main St", city="Austin", country_code="GB"
    )
    page = merchant.get(f"{CHANGELIST}{sam.pk}/change/").content.decode()
    assert '<optgroup label="United States (US)">' in page

    def post(**fields):
        data = _formset_data(sam, [(home, True)])
        data.update({f"addresses-0-{name}": value for name, value in fields.items()})
        return merchant.post(f"{CHANGELIST}{sam.pk}/change/", data)

    # The US needs a state of its own: a Canadian province is refused, nothing saved.
    response = post(country_code="US", state="CA-ON", postcode="78701")
    assert response.status_code == 200
    assert "Enter a valid state code of United States" in response.content.decode()
    home.refresh_from_db()
    assert home.country_code == "GB"

    response = post(country_code="US", state="US-TX", postcode="78701")
    assert response.status_code == 302
    home.refresh_from_db()
    assert (home.country_code, home.state, home.postcode) == ("US", "TX", "78701")

    # A UK postcode typed without its space is normalised as at checkout.
    response = post(country_code="GB", state="", postcode="sw1a1aa")
    assert response.status_code == 302
    home.refresh_from_db()
    assert (home.state, home.postcode) == ("", "SW1A 1AA")
