"""GET / (public metadata), GET/PATCH /store, GET /health."""

import re

import pytest

from core.models import Store

pytestmark = pytest.mark.django_db


def test_public_metadata_has_exactly_the_reference_shape(public, shop):
    data = public.get("").json()["data"]
    assert set(data) == {
        "id",
        "name",
        "currency",
        "supportedCurrencies",
        "supportedLocales",
        "defaultLocale",
        "features",
        "branding",
        # Issue 18: the currencies a shopper can pick (X-Currency), the store's own first.
        "currencies",
    }
    assert data["id"].startswith("str_") and data["currency"] == "GBP"
    assert data["currencies"] == ["GBP"]
    assert {"reviews", "discounts", "multiCurrency"} <= set(data["features"])
    assert set(data["branding"]) == {"primaryColor", "logoUrl"}


def test_private_store_shape(private, shop):
    data = private.get("/store").json()["data"]
    for key in (
        "id",
        "name",
        "currency",
        "country",
        "timezone",
        "plan",
        "supportedCurrencies",
        "supportedLocales",
        "defaultLocale",
        "features",
        "branding",
        "taxInclusive",
        "shippingCountries",
        "paymentMethods",
        "notificationEmail",
        "createdAt",
        "updatedAt",
    ):
        assert key in data
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["createdAt"])


def test_patch_store_changes_only_sent_fields(private, shop):
    response = private.patch(
        "/store",
        {
            "name": "Acme Candles Ltd",
            "timezone": "Europe/Paris",
            "supportedCurrencies": ["GBP", "EUR"],
            "supportedLocales": ["en", "fr"],
            "defaultLocale": "fr",
            "features": {"multiCurrency": True},
            "branding": {"primaryColor": "#112233"},
            "taxInclusive": True,
            "shippingCountries": ["GB", "FR", "GB"],
            "paymentMethods": ["bank_transfer", "card"],
            "notificationEmail": "orders@acme.test",
        },
    )
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["name"] == "Acme Candles Ltd" and data["currency"] == "GBP"
    assert (
        data["features"]["multiCurrency"] is True
        and data["features"]["reviews"] is True
    )
    assert data["branding"] == {"primaryColor": "#112233", "logoUrl": None}
    assert data["shippingCountries"] == ["GB", "FR"]
    assert data["paymentMethods"] == ["bank_transfer", "card"]
    store = Store.objects.get(pk=shop.store.pk)
    assert store.tax_inclusive is True and store.default_locale == "fr"
    assert store.features["multi_currency"] is True


def test_patch_currency_keeps_it_in_supported_currencies(private):
    data = private.patch("/store", {"currency": "JPY"}).json()["data"]
    assert data["currency"] == "JPY" and "JPY" in data["supportedCurrencies"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": ""}, "name"),
        ({"name": 12}, "name"),
        ({"currency": "ZZZ"}, "currency"),
        ({"currency": "gbp"}, "currency"),
        ({"country": "XX"}, "country"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"supportedLocales": ["en", "zz-ZZ-invalid"]}, "supportedLocales[1]"),
        ({"shippingCountries": ["GB", "UK"]}, "shippingCountries[1]"),
        ({"paymentMethods": ["card", "card"]}, "paymentMethods"),
        ({"paymentMethods": ["bitcoin"]}, "paymentMethods[0]"),
        ({"notificationEmail": "not-an-email"}, "notificationEmail"),
        ({"taxInclusive": "yes"}, "taxInclusive"),
        ({"features": {"reviews": "true"}}, "features.reviews"),
        ({"branding": {"primaryColor": "orange"}}, "branding.primaryColor"),
        ({"branding": {"logoUrl": "javascript:alert(1)"}}, "branding.logoUrl"),
    ],
)
def test_patch_store_validation(private, shop, body, field):
    before = Store.objects.get(pk=shop.store.pk)
    response = private.patch("/store", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["fields"]
    after = Store.objects.get(pk=shop.store.pk)
    assert (after.name, after.currency, after.updated_at) == (
        before.name,
        before.currency,
        before.updated_at,
    )


def test_health_ok(private):
    response = private.get("/health")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "ok"
    assert data["checks"] == {
        "database": "ok",
        "redis": "ok",
        "queue": "ok",
        "storage": "ok",
    }


def test_health_reports_a_failing_subsystem_with_503(private, monkeypatch):
    from django.core.files.storage import default_storage

    def broken_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(default_storage, "save", broken_save)
    response = private.get("/health")
    assert response.status_code == 503
    data = response.json()["data"]
    assert data["status"] == "degraded"
    assert data["checks"]["storage"].startswith("error: OSError: disk full")
    assert data["checks"]["database"] == "ok"


def test_health_needs_a_secret_key(public, shop, client):
    assert (
        client.get(
            "/v3/private/health", headers={"Authorization": f"Bearer {shop.pk}"}
        ).status_code
        == 401
    )
