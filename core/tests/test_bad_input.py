"""Bad input is a clear 4xx in the error envelope and changes nothing: malformed path ids (a NUL
byte, another kind of id) on every operation and dashboard page, oversized bodies, deep JSON."""

from __future__ import annotations

import json
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.db.models import Max
from django.test import Client
from django.urls import reverse

from core import services
from core.admin import StoreScopedAdmin

pytestmark = pytest.mark.django_db

ULID = "01J9Z3K8Q4T6V0W2X5Y7A9BCDE"
#: What a path id must never reach the database as.
BAD_IDS = ["x\x00", "prod_\x00", f"zzz_{ULID}", f"ord_{ULID.lower()}", "a b", "é"]
PROJECT_APPS = ("core", "catalog", "carts", "orders", "customers", "conversations")


def operations_with_path_ids() -> list[tuple[str, str, list[str]]]:
    """(method, path template, path parameters) of every documented operation with ids."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in schema["paths"].items():
        params = [p for p in re.findall(r"\{([^}]+)\}", path) if p != "publishable_key"]
        if not params:
            continue
        for method in operations:
            if method in {"get", "post", "put", "patch", "delete"}:
                found.append((method.upper(), path, params))
    return found


def snapshot() -> dict:
    """Row counts and last changes of every table of the project: 'nothing changed'."""
    state = {}
    for label in (*PROJECT_APPS, "webhooks"):
        for model in apps.get_app_config(label).get_models():
            fields = {f.name for f in model._meta.fields}
            aggregate = (
                model.objects.aggregate(last=Max("updated_at"))["last"]
                if "updated_at" in fields
                else None
            )
            state[model._meta.label] = (model.objects.count(), aggregate)
    return state


def url_quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def test_every_operation_with_a_path_id_answers_404_for_a_malformed_id(
    shop, api_client_for
):
    ops = operations_with_path_ids()
    assert len(ops) >= 40  # every operation of the reference with an id in its path
    before = snapshot()
    failures = []
    for method, template, params in ops:
        public = template.startswith("/v3/public/")
        key = shop.pk if public else shop.sk
        for bad in BAD_IDS:
            path = template.replace("{publishable_key}", shop.pk)
            for name in params:
                path = path.replace("{" + name + "}", url_quote(bad))
            headers = {"Authorization": f"Bearer {key}", "X-Cart-Token": "visitor-1"}
            response = Client().generic(
                method, path, "{}", content_type="application/json", headers=headers
            )
            body = response.json() if "json" in response["Content-Type"] else None
            if response.status_code != 404 or body["error"]["code"] != "not_found":
                failures.append((method, template, repr(bad), response.status_code))
    assert failures == []
    assert snapshot() == before


def test_the_store_alias_refuses_a_malformed_store_id(private, shop):
    for bad in ("str_x", "str_\x00", f"ord_{ULID}"):
        response = Client().get(
            f"/v3/private/stores/{url_quote(bad)}/store",
            headers={"Authorization": f"Bearer {shop.sk}"},
        )
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    ok = Client().get(
        f"/v3/private/stores/{shop.store.pk}/store",
        headers={"Authorization": f"Bearer {shop.sk}"},
    )
    assert ok.status_code == 200


def test_well_formed_ids_and_slugs_still_resolve(private, public, shop):
    from catalog.tests.factories import make_product

    product = make_product(shop.store, name="Candle", status="published")
    assert private.get(f"/products/{product.pk}").status_code == 200
    assert public.get(f"/products/{product.slug}").status_code == 200
    assert private.get(f"/orders/ord_{ULID}").status_code == 404  # well formed, unknown


def dashboard_urls_with_object_ids() -> list[str]:
    """Every dashboard URL of a store's objects that takes an object id."""
    urls = []
    for model_admin in admin.site._registry.values():
        if not isinstance(model_admin, StoreScopedAdmin):
            continue
        for pattern in model_admin.get_urls():
            if "object_id" in str(pattern.pattern) and pattern.name:
                urls.append(
                    reverse(f"admin:{pattern.name}", kwargs={"object_id": "XID"})
                )
    return urls


def test_the_dashboard_answers_404_for_malformed_object_ids(shop):
    services.merchant_add(
        store=shop.store, email="a@merchant.test", password="pw-a-123456"
    )
    client = Client()
    assert client.login(username="a@merchant.test", password="pw-a-123456")
    urls = dashboard_urls_with_object_ids()
    assert len(urls) >= 40
    before = snapshot()
    failures = []
    for url in urls:
        for bad in ("x\x00", f"zzz_{ULID}"):
            target = url.replace("XID", url_quote(bad))
            for method in ("get", "post"):
                status = getattr(client, method)(target).status_code
                if status != 404:
                    failures.append((method, target, status))
    assert failures == []
    assert snapshot() == before


# -- bodies ------------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_a_413_in_the_envelope(private, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    before = snapshot()
    body = json.dumps({"name": "x" * 2000, "price": 100})
    response = private.post("/products", raw_body=body)
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "payload_too_large"
    assert "1,000 bytes" in error["message"]
    keyed = private.post("/products", raw_body=body, idempotency_key="big-1")
    assert keyed.status_code == 413
    assert snapshot() == before


def test_a_3_mb_body_is_a_413_with_the_default_limit(private, public):
    before = snapshot()
    big = json.dumps({"name": "x" * 3_000_000})
    assert private.post("/products", raw_body=big).status_code == 413
    response = public.post("/cart/items", raw_body=big, cart="visitor-1")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        "[" * 1000 + "]" * 1000,
        '{"name": ' + "[" * 1000 + "]" * 1000 + "}",
        '{"metadata": ' + '{"a": ' * 33 + "1" + "}" * 33 + "}",
        "[" * 100_000,
    ],
    ids=["array-1000", "field-1000", "object-34", "unclosed-100000"],
)
def test_deeply_nested_json_is_a_400_in_the_envelope(private, body):
    before = snapshot()
    response = private.post("/products", raw_body=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed_json"
    assert "nested" in error["message"] or "JSON" in error["message"]
    assert snapshot() == before


def test_json_nested_within_the_limit_is_accepted(private):
    metadata = 1
    for _ in range(30):
        metadata = {"a": metadata}
    response = private.post(
        "/products", {"name": "Nested", "price": 100, "metadata": metadata}
    )
    assert response.status_code == 201, response.content
