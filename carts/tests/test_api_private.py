"""Private configuration endpoints: /discounts, /shipping-methods, /tax-rates."""

from __future__ import annotations

import pytest
from django.urls import resolve

from carts.api import private as private_views
from carts.models import Discount, ShippingMethod, TaxRate

from .factories import (
    make_category,
    make_discount,
    make_product,
    make_shipping_method,
    make_tax_rate,
)


def data(response):
    return response.json()["data"]


def fields(response):
    return response.json()["error"]["fields"]


# -- discounts -----------------------------------------------------------------------------------


def test_create_discount_with_every_field(private, shop):
    product = make_product(shop.store)
    category = make_category(shop.store)
    response = private.post(
        "/discounts",
        {
            "code": "SPRING20",
            "type": "percentage",
            "value": 20,
            "active": True,
            "startsAt": "2026-03-01T00:00:00Z",
            "expiresAt": "2026-06-01T00:00:00Z",
            "usageLimit": 100,
            "usageLimitPerCustomer": 1,
            "minimumSubtotal": 5000,
            "productIds": [product.pk],
            "categoryIds": [category.pk],
        },
    )
    assert response.status_code == 201
    body = data(response)
    assert body["id"].startswith("disc_")
    assert {
        k: body[k]
        for k in (
            "code",
            "type",
            "value",
            "active",
            "startsAt",
            "expiresAt",
            "usageLimit",
            "usageLimitPerCustomer",
            "usageCount",
        )
    } == {
        "code": "SPRING20",
        "type": "percentage",
        "value": 20,
        "active": True,
        "startsAt": "2026-03-01T00:00:00Z",
        "expiresAt": "2026-06-01T00:00:00Z",
        "usageLimit": 100,
        "usageLimitPerCustomer": 1,
        "usageCount": 0,
    }
    assert body["minimumSubtotal"] == {
        "amount": 5000,
        "currency": "GBP",
        "formatted": "£50.00",
    }
    assert body["productIds"] == [product.pk] and body["categoryIds"] == [category.pk]
    assert data(private.get(f"/discounts/{body['id']}")) == body


def test_discount_code_is_unique_per_store_case_insensitively(
    private, shop, other_shop, api_client_for
):
    assert (
        private.post(
            "/discounts", {"code": "SALE", "type": "fixed", "value": 500}
        ).status_code
        == 201
    )
    response = private.post(
        "/discounts", {"code": "sale", "type": "fixed", "value": 100}
    )
    assert response.status_code == 422
    assert fields(response) == {"code": ["A discount with this code already exists."]}
    other = api_client_for("private", other_shop.sk)
    assert (
        other.post(
            "/discounts", {"code": "SALE", "type": "fixed", "value": 1}
        ).status_code
        == 201
    )


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"type": "percentage", "value": 10}, "code"),
        ({"code": "A B", "type": "percentage", "value": 10}, "code"),
        ({"code": "X", "type": "bogus", "value": 10}, "type"),
        ({"code": "X", "type": "percentage", "value": 101}, "value"),
        ({"code": "X", "type": "percentage", "value": 0}, "value"),
        ({"code": "X", "type": "fixed", "value": 0}, "value"),
        ({"code": "X", "type": "fixed", "value": "5"}, "value"),
        ({"code": "X", "type": "fixed", "value": 5, "usageLimit": 0}, "usageLimit"),
        (
            {"code": "X", "type": "fixed", "value": 5, "minimumSubtotal": -1},
            "minimumSubtotal",
        ),
        (
            {
                "code": "X",
                "type": "fixed",
                "value": 5,
                "startsAt": "2026-05-01T00:00:00Z",
                "expiresAt": "2026-04-01T00:00:00Z",
            },
            "expiresAt",
        ),
        (
            {"code": "X", "type": "fixed", "value": 5, "productIds": ["prod_nope"]},
            "productIds",
        ),
        (
            {"code": "X", "type": "fixed", "value": 5, "categoryIds": ["cat_nope"]},
            "categoryIds",
        ),
        ({"code": "X", "type": "fixed", "value": 5, "active": "yes"}, "active"),
    ],
)
def test_discount_validation(private, payload, field):
    response = private.post("/discounts", payload)
    assert response.status_code == 422
    assert field in fields(response)
    assert not Discount.objects.exists()


def test_discount_ids_must_belong_to_the_store(private, other_shop):
    foreign = make_product(other_shop.store)
    response = private.post(
        "/discounts",
        {"code": "X", "type": "fixed", "value": 5, "productIds": [foreign.pk]},
    )
    assert response.status_code == 422 and "productIds" in fields(response)


def test_free_shipping_value_is_zero(private):
    body = data(
        private.post(
            "/discounts", {"code": "SHIP", "type": "free_shipping", "value": 7}
        )
    )
    assert body["value"] == 0


def test_patch_discount(api_client_for, shop):
    # The live key shows live usage (the test key shows test-mode uses).
    private = api_client_for("private", shop.live_sk)
    discount = make_discount(shop.store, usage_limit=10)
    Discount.objects.filter(pk=discount.pk).update(usage_count=4)
    product = make_product(shop.store)
    body = data(
        private.patch(
            f"/discounts/{discount.pk}",
            {"value": 30, "productIds": [product.pk], "usageCount": 99},
        )
    )
    assert body["value"] == 30 and body["productIds"] == [product.pk]
    assert body["usageCount"] == 4 and body["code"] == "SPRING20"
    response = private.patch(f"/discounts/{discount.pk}", {"usageLimit": 3})
    assert response.status_code == 422
    assert fields(response) == {
        "usageLimit": ["Cannot be below the current usage count (4)."]
    }
    response = private.patch(f"/discounts/{discount.pk}", {"type": "fixed", "value": 0})
    assert response.status_code == 422
    body = data(private.patch(f"/discounts/{discount.pk}", {"productIds": []}))
    assert body["productIds"] == []


def test_patch_to_a_taken_code_is_a_422(private, shop):
    make_discount(shop.store, code="ONE")
    two = make_discount(shop.store, code="TWO")
    response = private.patch(f"/discounts/{two.pk}", {"code": "one"})
    assert response.status_code == 422
    assert Discount.objects.get(pk=two.pk).code == "TWO"


def test_list_filter_and_delete_discounts(private, shop, django_assert_max_num_queries):
    for i in range(5):
        make_discount(
            shop.store,
            code=f"CODE{i}",
            active=i % 2 == 0,
            products=[make_product(shop.store)],
        )
    with django_assert_max_num_queries(6):
        response = private.get("/discounts", query={"perPage": 2})
    body = response.json()
    assert len(body["data"]) == 2
    assert body["meta"] == {"currentPage": 1, "perPage": 2, "total": 5, "lastPage": 3}
    assert len(data(private.get("/discounts", query={"active": "false"}))) == 2
    assert [
        d["code"] for d in data(private.get("/discounts", query={"code": "code3"}))
    ] == ["CODE3"]
    target = Discount.objects.get(code="CODE1")
    assert private.delete(f"/discounts/{target.pk}").status_code == 204
    assert private.get(f"/discounts/{target.pk}").status_code == 404


def test_other_store_discounts_are_invisible(private, other_shop):
    theirs = make_discount(other_shop.store, code="THEIRS")
    assert private.get(f"/discounts/{theirs.pk}").status_code == 404
    assert private.patch(f"/discounts/{theirs.pk}", {"value": 1}).status_code == 404
    assert private.delete(f"/discounts/{theirs.pk}").status_code == 404
    assert data(private.get("/discounts")) == []
    assert Discount.objects.filter(pk=theirs.pk).exists()


def test_store_id_alias_and_auth(private, shop, public, api_client_for):
    make_discount(shop.store)
    response = private.get(f"/stores/{shop.store.pk}/discounts")
    assert response.status_code == 200 and len(data(response)) == 1
    assert private.get("/stores/str_other/discounts").status_code == 404
    assert api_client_for("private", shop.pk).get("/discounts").status_code == 401


# -- shipping methods ----------------------------------------------------------------------------


def test_shipping_method_crud(private, shop):
    response = private.post(
        "/shipping-methods",
        {
            "name": "Royal Mail · Tracked 48",
            "description": "2-3 working days",
            "price": 395,
            "countries": ["gb"],
            "estimatedMinDays": 2,
            "estimatedMaxDays": 3,
            "freeAbove": 5000,
            "minWeightGrams": 0,
            "maxWeightGrams": 2000,
            "sortOrder": 1,
        },
    )
    assert response.status_code == 201
    body = data(response)
    assert body["id"].startswith("shm_")
    assert body["price"] == {"amount": 395, "currency": "GBP", "formatted": "£3.95"}
    assert body["freeAbove"]["amount"] == 5000 and body["countries"] == ["GB"]
    assert body["active"] is True and body["maxWeightGrams"] == 2000
    method_id = body["id"]
    body = data(
        private.patch(
            f"/shipping-methods/{method_id}",
            {"price": 450, "freeAbove": None, "active": False},
        )
    )
    assert (
        body["price"]["amount"] == 450
        and body["freeAbove"] is None
        and body["active"] is False
    )
    assert (
        data(private.get(f"/shipping-methods/{method_id}"))["name"]
        == "Royal Mail · Tracked 48"
    )
    assert len(data(private.get("/shipping-methods", query={"active": "true"}))) == 0
    assert private.delete(f"/shipping-methods/{method_id}").status_code == 204
    assert not ShippingMethod.objects.exists()


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"price": 100}, "name"),
        ({"name": "X"}, "price"),
        ({"name": "X", "price": -1}, "price"),
        ({"name": "X", "price": 1.5}, "price"),
        ({"name": "X", "price": 1, "countries": ["XX"]}, "countries"),
        (
            {"name": "X", "price": 1, "estimatedMinDays": 5, "estimatedMaxDays": 2},
            "estimatedMaxDays",
        ),
        (
            {"name": "X", "price": 1, "minWeightGrams": 500, "maxWeightGrams": 100},
            "maxWeightGrams",
        ),
    ],
)
def test_shipping_method_validation(private, payload, field):
    response = private.post("/shipping-methods", payload)
    assert response.status_code == 422
    assert field in fields(response)


def test_other_store_shipping_methods_are_invisible(private, other_shop):
    theirs = make_shipping_method(other_shop.store)
    assert private.get(f"/shipping-methods/{theirs.pk}").status_code == 404
    assert private.delete(f"/shipping-methods/{theirs.pk}").status_code == 404
    assert data(private.get("/shipping-methods")) == []


# -- tax rates -----------------------------------------------------------------------------------


def test_tax_rate_crud(private, shop):
    response = private.post(
        "/tax-rates",
        {
            "countryCode": "US",
            "state": "us-ca",
            "name": "Sales tax",
            "rate": 0.0725,
            "appliesToShipping": False,
        },
    )
    assert response.status_code == 201
    body = data(response)
    assert body["id"].startswith("txr_")
    assert (
        body["countryCode"],
        body["state"],
        body["postcodePrefix"],
        body["rate"],
        body["appliesToShipping"],
    ) == ("US", "CA", None, 0.0725, False)
    body = data(
        private.patch(
            f"/tax-rates/{body['id']}", {"rate": "0.08", "postcodePrefix": "900 1"}
        )
    )
    assert body["rate"] == 0.08 and body["postcodePrefix"] == "9001"
    gb = data(private.post("/tax-rates", {"countryCode": "GB", "rate": 0.2}))
    assert (
        gb["name"] == "VAT" and gb["state"] is None and gb["appliesToShipping"] is True
    )
    listed = data(private.get("/tax-rates", query={"countryCode": "gb"}))
    assert [r["id"] for r in listed] == [gb["id"]]
    assert private.delete(f"/tax-rates/{gb['id']}").status_code == 204
    assert TaxRate.objects.count() == 1


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"rate": 0.2}, "countryCode"),
        ({"countryCode": "XX", "rate": 0.2}, "countryCode"),
        ({"countryCode": "GB"}, "rate"),
        ({"countryCode": "GB", "rate": 1.5}, "rate"),
        ({"countryCode": "GB", "rate": -0.1}, "rate"),
        ({"countryCode": "GB", "rate": 0.123456}, "rate"),
        ({"countryCode": "GB", "rate": True}, "rate"),
        ({"countryCode": "US", "state": "ZZ", "rate": 0.05}, "state"),
        ({"countryCode": "GB", "rate": 0.2, "name": "  "}, "name"),
    ],
)
def test_tax_rate_validation(private, payload, field):
    response = private.post("/tax-rates", payload)
    assert response.status_code == 422
    assert field in fields(response)


def test_duplicate_tax_rate_scope_and_name_is_a_422(private, shop):
    make_tax_rate(shop.store, country_code="GB", name="VAT")
    response = private.post(
        "/tax-rates", {"countryCode": "GB", "name": "vat", "rate": 0.05}
    )
    assert response.status_code == 422 and "name" in fields(response)
    assert (
        private.post(
            "/tax-rates", {"countryCode": "GB", "name": "Levy", "rate": 0.01}
        ).status_code
        == 201
    )


def test_patching_country_revalidates_the_state(private, shop):
    rate = make_tax_rate(shop.store, country_code="US", state="CA", name="Sales tax")
    response = private.patch(f"/tax-rates/{rate.pk}", {"countryCode": "DE"})
    assert response.status_code == 422 and "state" in fields(response)


def test_other_store_tax_rates_are_invisible(private, other_shop):
    theirs = make_tax_rate(other_shop.store)
    assert private.get(f"/tax-rates/{theirs.pk}").status_code == 404
    assert private.patch(f"/tax-rates/{theirs.pk}", {"rate": 0.1}).status_code == 404
    assert data(private.get("/tax-rates")) == []


def test_configured_rates_drive_the_public_cart(private, public, shop):
    from .conftest import Cart

    private.post("/tax-rates", {"countryCode": "GB", "rate": 0.2})
    cart = Cart(public)
    cart.add(make_product(shop.store, price=1000))
    assert data(cart.get())["totals"]["tax"]["amount"] == 200


# -- rate limits -----------------------------------------------------------------------------------


def route_limits(path: str) -> dict[str, str]:
    """The limit of each method the route at ``path`` handles (its viewset's actions)."""
    view = resolve("/v3/private" + path).func
    methods = [m.upper() for m in view.actions if m != "head"]  # HEAD counts as GET
    return {
        method: view.cls(**view.initkwargs).rate_limits[method] for method in methods
    }


@pytest.mark.parametrize(
    "collection, viewset, ref",
    [
        ("/discounts", private_views.DiscountViewSet, "disc_"),
        ("/shipping-methods", private_views.ShippingMethodViewSet, "shm_"),
        ("/tax-rates", private_views.TaxRateViewSet, "txr_"),
    ],
)
def test_rate_limits_of_the_configuration_endpoints(collection, viewset, ref):
    detail = f"{collection}/{ref}01J9Z3K8Q4T6V0W2X5Y7A9BCDE"
    assert resolve("/v3/private" + collection).func.cls is viewset
    assert resolve("/v3/private" + detail).func.cls is viewset
    assert route_limits(collection) == {"GET": "240/m", "POST": "120/m"}
    assert route_limits(detail) == {"GET": "240/m", "PATCH": "120/m", "DELETE": "60/m"}


def test_delete_is_rate_limited_at_60_per_minute(private, shop):
    from django.test import override_settings

    with override_settings(RATELIMIT_ENABLE=True):
        statuses = [
            private.delete("/tax-rates/txr_01J9Z3K8Q4T6V0W2X5Y7A9BCDE").status_code
            for _ in range(61)
        ]
    assert statuses[:60] == [404] * 60 and statuses[60] == 429


# -- list filters (carts/filters.py FilterSets) -------------------------------------------------


@pytest.mark.parametrize(
    "path, query, field",
    [
        ("/discounts", {"active": "maybe"}, "active"),
        ("/discounts", {"type": "half_off"}, "type"),
        ("/discounts", {"code": "x" * 65}, "code"),
        ("/shipping-methods", {"active": "2"}, "active"),
        ("/tax-rates", {"countryCode": "GBR"}, "countryCode"),
    ],
)
def test_a_bad_filter_value_is_a_422_naming_the_parameter(
    private, shop, path, query, field
):
    response = private.get(path, query=query)
    assert response.status_code == 422
    assert list(fields(response)) == [field]


def test_discount_filters_combine_and_empty_values_do_not_filter(private, shop):
    make_discount(shop.store, code="SPRING", type="percentage", active=True)
    make_discount(shop.store, code="SPRINGFREE", type="free_shipping", active=True)
    make_discount(shop.store, code="OLDSPRING", type="percentage", active=False)
    codes = [
        d["code"]
        for d in data(
            private.get(
                "/discounts",
                query={"code": "spring", "type": "percentage", "active": "true"},
            )
        )
    ]
    assert codes == ["SPRING"]
    assert len(data(private.get("/discounts", query={"active": "", "type": ""}))) == 3


def test_list_and_detail_of_a_viewset_count_their_limits_apart(private, shop):
    from django.test import override_settings

    rate = make_tax_rate(shop.store, country_code="GB", name="VAT")
    with override_settings(RATELIMIT_ENABLE=True):
        listed = [private.get("/tax-rates").status_code for _ in range(240)]
        fetched = private.get(f"/tax-rates/{rate.pk}")
        over = private.get("/tax-rates")
    assert listed == [200] * 240
    assert fetched.status_code == 200
    assert fetched["X-RateLimit-Remaining"] == "239"
    assert over.status_code == 429


def test_viewset_routes_keep_idempotency_and_the_store_alias(private, shop):
    body = {"countryCode": "FR", "rate": 0.2}
    first = private.post("/tax-rates", body, idempotency_key="fr-vat")
    again = private.post("/tax-rates", body, idempotency_key="fr-vat")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert TaxRate.objects.filter(store=shop.store).count() == 1
    rate_id = first.json()["data"]["id"]
    alias = f"/stores/{shop.store.pk}/tax-rates/{rate_id}"
    assert data(private.get(alias))["id"] == rate_id
    assert private.put(f"/tax-rates/{rate_id}", body).status_code == 405
    assert private.post(f"/tax-rates/{rate_id}", body).status_code == 405
