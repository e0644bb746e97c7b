"""The private customers API: list, detail, update; totals; tenancy; query budgets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import Address, Customer
from webhooks.models import Event


def test_list_shape_and_totals(private, shop, make_customer, make_order):
    sam = make_customer(
        shop.store, "sam@example.com", first_name="Sam", last_name="Buyer"
    )
    make_order(shop.store, sam, total=10000)
    make_order(shop.store, sam, total=6000, refunded=1000, status="partially_refunded")
    make_order(
        shop.store, sam, total=3400, refunded=3400, status="refunded"
    )  # counts nothing
    make_order(shop.store, sam, total=5000, status="pending")  # unpaid
    make_order(shop.store, sam, total=7000, status="failed")
    make_order(shop.store, sam, total=8000, status="cancelled")
    make_order(shop.store, sam, total=9000, type="cart")  # an open cart
    make_order(shop.store, sam, total=9900, mode="live")  # the other key mode

    response = private.get("/customers")

    assert response.status_code == 200
    body = response.json()
    assert body["meta"] == {"currentPage": 1, "perPage": 20, "total": 1, "lastPage": 1}
    row = body["data"][0]
    assert row["id"] == sam.pk and row["email"] == "sam@example.com"
    assert (row["firstName"], row["lastName"]) == ("Sam", "Buyer")
    assert row["totalOrders"] == 2
    assert row["totalSpend"] == {
        "amount": 15000,
        "currency": "GBP",
        "formatted": "£150.00",
    }
    assert row["createdAt"].endswith("Z")
    assert row["authenticated"] is False


def test_customers_and_totals_follow_the_key_mode(
    shop, make_customer, make_order, api_client_for
):
    """The same email in test and live mode is two customers, each with its own totals; a
    key never sees the other mode's customers."""
    sam_test = make_customer(shop.store, "sam@example.com")
    sam_live = make_customer(shop.store, "sam@example.com", mode="live")
    make_order(shop.store, sam_test, total=1000)
    make_order(shop.store, sam_live, total=2500, mode="live")
    as_live = api_client_for("private", shop.live_sk)
    as_test = api_client_for("private", shop.sk)

    live = as_live.get(f"/customers/{sam_live.pk}").json()["data"]
    test = as_test.get(f"/customers/{sam_test.pk}").json()["data"]

    assert live["totalOrders"] == 1 and live["totalSpend"]["amount"] == 2500
    assert test["totalOrders"] == 1 and test["totalSpend"]["amount"] == 1000
    assert as_live.get(f"/customers/{sam_test.pk}").status_code == 404
    assert as_test.get(f"/customers/{sam_live.pk}").status_code == 404
    assert [c["id"] for c in as_live.get("/customers").json()["data"]] == [sam_live.pk]


def test_spend_is_in_the_store_currency_only(private, shop, make_customer, make_order):
    sam = make_customer(shop.store)
    make_order(shop.store, sam, total=1000)
    make_order(shop.store, sam, total=5000, currency="USD")

    data = private.get(f"/customers/{sam.pk}").json()["data"]

    assert data["totalOrders"] == 2
    assert data["totalSpend"] == {
        "amount": 1000,
        "currency": "GBP",
        "formatted": "£10.00",
    }


def test_a_customer_without_orders_has_zero_totals(private, shop, make_customer):
    sam = make_customer(shop.store)
    data = private.get(f"/customers/{sam.pk}").json()["data"]
    assert data["totalOrders"] == 0
    assert data["totalSpend"] == {"amount": 0, "currency": "GBP", "formatted": "£0.00"}


def test_totals_formatting_follows_accept_language(
    private, shop, make_customer, make_order
):
    sam = make_customer(shop.store)
    make_order(shop.store, sam, total=123456)
    data = private.get(
        f"/customers/{sam.pk}", headers={"Accept-Language": "fr"}
    ).json()["data"]
    assert (
        data["totalSpend"]["formatted"].replace("\u202f", " ").replace("\xa0", " ")
        == "1 234,56 £"
    )


def test_list_search_matches_names_and_email(private, shop, make_customer):
    make_customer(shop.store, "sam@example.com", first_name="Sam", last_name="Buyer")
    make_customer(shop.store, "jo@trader.example", first_name="Jo", last_name="Trader")
    make_customer(
        shop.store, "alex@example.com", first_name="Alex", last_name="Buyerson"
    )

    def emails(q):
        return sorted(
            c["email"] for c in private.get("/customers", query={"q": q}).json()["data"]
        )

    assert emails("buyer") == ["alex@example.com", "sam@example.com"]
    assert emails("TRADER") == ["jo@trader.example"]
    assert emails("sam buyer") == ["sam@example.com"]
    assert emails("example.com") == ["alex@example.com", "sam@example.com"]
    assert emails("nobody") == []
    assert len(emails("")) == 3


def test_list_created_after_and_order(private, shop, make_customer):
    now = timezone.now()
    old = make_customer(
        shop.store, "old@example.com", created_at=now - timedelta(days=10)
    )
    mid = make_customer(
        shop.store, "mid@example.com", created_at=now - timedelta(days=5)
    )
    new = make_customer(
        shop.store, "new@example.com", created_at=now - timedelta(days=1)
    )

    everyone = [c["id"] for c in private.get("/customers").json()["data"]]
    after = private.get(
        "/customers",
        query={
            "createdAfter": (now - timedelta(days=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
        },
    ).json()["data"]

    assert everyone == [new.pk, mid.pk, old.pk]
    assert [c["id"] for c in after] == [new.pk, mid.pk]


@pytest.mark.parametrize(
    "query", [{"createdAfter": "yesterday"}, {"perPage": 101}, {"page": 0}]
)
def test_list_refuses_bad_parameters(private, shop, query):
    response = private.get("/customers", query=query)
    assert response.status_code == 422
    assert response.json()["error"]["fields"]


def test_list_pagination(private, shop, make_customer):
    for i in range(5):
        make_customer(shop.store, f"c{i}@example.com")
    page = private.get("/customers", query={"perPage": 2, "page": 3}).json()
    assert page["meta"] == {"currentPage": 3, "perPage": 2, "total": 5, "lastPage": 3}
    assert len(page["data"]) == 1


def test_detail_shape(private, shop, make_customer, make_order):
    sam = make_customer(
        shop.store,
        "sam@example.com",
        first_name="Sam",
        last_name="Buyer",
        phone="+447700900123",
        tags=["vip"],
        metadata={"crmId": "A-1"},
        claimed=True,
    )
    Address.objects.create(
        customer=sam, line1="1 Second St", city="Leeds", country_code="GB"
    )
    Address.objects.create(
        customer=sam,
        line1="221B Baker Street",
        city="London",
        postcode="NW1 6XE",
        country_code="GB",
        is_default=True,
    )
    make_order(shop.store, sam, total=18400)

    response = private.get(f"/customers/{sam.pk}")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == sam.pk and data["phone"] == "+447700900123"
    assert data["tags"] == ["vip"] and data["metadata"] == {"crmId": "A-1"}
    assert data["marketingOptIn"] is False and data["authenticated"] is True
    assert data["totalOrders"] == 1
    assert data["totalSpend"] == {
        "amount": 18400,
        "currency": "GBP",
        "formatted": "£184.00",
    }
    assert [a["line1"] for a in data["addresses"]] == [
        "221B Baker Street",
        "1 Second St",
    ]
    assert [a["isDefault"] for a in data["addresses"]] == [True, False]
    assert data["addresses"][0]["id"].startswith("addr_")
    assert data["defaultAddress"]["line1"] == "221B Baker Street"
    assert data["createdAt"].endswith("Z")


def test_detail_and_update_of_another_store_are_404(
    private, shop, other_shop, make_customer
):
    theirs = make_customer(other_shop.store, "theirs@example.com", tags=["keep"])

    assert private.get(f"/customers/{theirs.pk}").status_code == 404
    patched = private.patch(f"/customers/{theirs.pk}", {"tags": ["stolen"]})
    assert patched.status_code == 404
    assert patched.json()["error"]["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.tags == ["keep"]
    assert private.get("/customers/cust_doesnotexist").status_code == 404


def test_list_shows_only_the_stores_customers(
    private, shop, other_shop, make_customer, make_order
):
    mine = make_customer(shop.store, "same@example.com")
    theirs = make_customer(other_shop.store, "same@example.com")
    make_order(other_shop.store, theirs, total=5000)
    # An order of another store pointing at my customer must not count (defensive).
    make_order(other_shop.store, mine, total=7000, currency="GBP")

    data = private.get("/customers").json()["data"]

    assert [c["id"] for c in data] == [mine.pk]


def test_store_alias_path_works_and_checks_the_store(
    private, shop, other_shop, make_customer
):
    sam = make_customer(shop.store)
    assert private.get(f"/stores/{shop.store.pk}/customers/{sam.pk}").status_code == 200
    assert (
        private.get(f"/stores/{other_shop.store.pk}/customers/{sam.pk}").status_code
        == 404
    )


def test_patch_replaces_tags_and_metadata_entirely(private, shop, make_customer):
    sam = make_customer(
        shop.store, tags=["old", "vip"], metadata={"a": 1, "b": 2}, first_name="Sam"
    )

    response = private.patch(
        f"/customers/{sam.pk}",
        {
            "tags": ["vip", "wholesale", " vip "],
            "metadata": {"snake_key": {"Nested": True}},
        },
    )

    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["tags"] == ["vip", "wholesale"]
    assert data["metadata"] == {"snake_key": {"Nested": True}}
    assert data["updatedAt"].endswith("Z") and data["firstName"] == "Sam"
    sam.refresh_from_db()
    assert sam.tags == ["vip", "wholesale"] and sam.metadata == {
        "snake_key": {"Nested": True}
    }
    event = Event.objects.get(type="customer.updated")
    assert event.data["tags"] == ["vip", "wholesale"] and event.mode == "test"


def test_patch_marketing_only_leaves_the_rest(private, shop, make_customer):
    sam = make_customer(shop.store, tags=["vip"], metadata={"a": 1})
    response = private.patch(f"/customers/{sam.pk}", {"marketingOptIn": True})
    assert response.status_code == 200
    sam.refresh_from_db()
    assert (
        sam.marketing_opt_in is True
        and sam.tags == ["vip"]
        and sam.metadata == {"a": 1}
    )


def test_patch_can_clear_tags_and_metadata(private, shop, make_customer):
    sam = make_customer(shop.store, tags=["vip"], metadata={"a": 1})
    private.patch(f"/customers/{sam.pk}", {"tags": [], "metadata": {}})
    sam.refresh_from_db()
    assert sam.tags == [] and sam.metadata == {}


def test_patch_without_changes_records_no_event(private, shop, make_customer):
    sam = make_customer(shop.store, tags=["vip"])
    assert private.patch(f"/customers/{sam.pk}", {"tags": ["vip"]}).status_code == 200
    assert private.patch(f"/customers/{sam.pk}", {}).status_code == 200
    assert not Event.objects.filter(type="customer.updated").exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"tags": "vip"}, "tags"),
        ({"tags": [1]}, "tags[0]"),
        ({"tags": [""]}, "tags[0]"),
        ({"tags": ["   "]}, "tags[0]"),
        ({"tags": ["x" * 51]}, "tags[0]"),
        ({"tags": [f"t{i}" for i in range(51)]}, "tags"),
        ({"tags": None}, "tags"),
        ({"metadata": []}, "metadata"),
        ({"metadata": "x"}, "metadata"),
        ({"metadata": {f"k{i}": i for i in range(51)}}, "metadata"),
        ({"metadata": {"k" * 41: 1}}, "metadata"),
        ({"metadata": {"big": "x" * 9000}}, "metadata"),
        ({"marketingOptIn": "yes"}, "marketingOptIn"),
    ],
)
def test_patch_validation(private, shop, make_customer, body, field):
    sam = make_customer(shop.store, tags=["keep"], metadata={"keep": True})

    response = private.patch(f"/customers/{sam.pk}", body)

    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["fields"], response.json()
    sam.refresh_from_db()
    assert sam.tags == ["keep"] and sam.metadata == {"keep": True}


def test_patch_is_idempotent_with_a_key(private, shop, make_customer):
    sam = make_customer(shop.store)
    first = private.patch(f"/customers/{sam.pk}", {"tags": ["a"]}, idempotency_key="k1")
    again = private.patch(f"/customers/{sam.pk}", {"tags": ["a"]}, idempotency_key="k1")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"


def test_public_key_cannot_use_the_private_api(shop, make_customer, api_client_for):
    sam = make_customer(shop.store)
    client = api_client_for("private", shop.pk)
    assert client.get(f"/customers/{sam.pk}").status_code == 401


# -- query budgets ----------------------------------------------------------------------


def _customers_with_orders(store, make_customer, make_order, count):
    for i in range(count):
        customer = make_customer(store, f"c{i}@example.com", tags=["t"])
        make_order(store, customer, total=1000 + i)
        make_order(
            store, customer, total=500, refunded=100, status="partially_refunded"
        )
        Address.objects.create(
            customer=customer,
            line1="1 Road",
            city="Leeds",
            country_code="GB",
            is_default=True,
        )


@pytest.mark.parametrize("count", [1, 100])
def test_list_costs_a_constant_number_of_queries(
    private, shop, make_customer, make_order, django_assert_max_num_queries, count
):
    _customers_with_orders(shop.store, make_customer, make_order, count)

    with django_assert_max_num_queries(5):
        response = private.get("/customers", query={"perPage": 100})

    data = response.json()["data"]
    assert len(data) == count
    assert all(row["totalOrders"] == 2 for row in data)
    assert data[-1]["totalSpend"]["amount"] == 1000 + 400


def test_detail_costs_a_constant_number_of_queries(
    private, shop, make_customer, make_order, django_assert_max_num_queries
):
    _customers_with_orders(shop.store, make_customer, make_order, 1)
    customer = Customer.objects.get()
    for i in range(10):
        Address.objects.create(
            customer=customer, line1=f"{i} Road", city="Leeds", country_code="GB"
        )

    with django_assert_max_num_queries(5):
        response = private.get(f"/customers/{customer.pk}")

    assert len(response.json()["data"]["addresses"]) == 11


@pytest.mark.parametrize(
    "metadata", [{"a": "x\x00y"}, {"a\x00": 1}, {"a": [{"b": "\x00"}]}]
)
def test_patch_refuses_nul_characters_in_metadata(
    private, shop, make_customer, metadata
):
    sam = make_customer(shop.store)
    response = private.patch(f"/customers/{sam.pk}", {"metadata": metadata})
    assert response.status_code == 422
    assert "metadata" in response.json()["error"]["fields"]


def test_patch_accepts_a_literal_backslash_u_sequence(private, shop, make_customer):
    sam = make_customer(shop.store)
    response = private.patch(
        f"/customers/{sam.pk}", {"metadata": {"note": "\\u0000 typed"}}
    )
    assert response.status_code == 200
    sam.refresh_from_db()
    assert sam.metadata == {"note": "\\u0000 typed"}


@pytest.mark.parametrize("ref", ["prod_01ABC", "cust_%00", "cust_" + "A" * 60])
def test_malformed_customer_ids_are_404(private, shop, ref):
    assert private.get(f"/customers/{ref}").status_code == 404
