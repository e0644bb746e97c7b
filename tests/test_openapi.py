"""The OpenAPI schema: valid, camelCase, served with its docs page, and true to the server.

The fuzz test generates requests for every documented operation with schemathesis (seeded with
the demo store's data so list endpoints return real objects) and fails on any 5xx, any status
the schema does not document, and any response body that does not match the schema.
"""

import json
import re

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from jsonschema import Draft202012Validator
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import openapi_strict as strict

FUZZ_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CALLER_DEFINED_MAPS = {"metadata", "optionValues"}


def generated_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_is_valid_openapi_3_1():
    schema = generated_schema()
    validate_schema(schema)
    assert schema["openapi"] == "3.1.0"
    assert any(
        path.startswith("/v3/public/{publishable_key}") for path in schema["paths"]
    )
    assert any(path.startswith("/v3/private/") for path in schema["paths"])
    assert not any(path.startswith("/v3/private/stores/") for path in schema["paths"])


def test_component_schemas_are_strict_json_schema_2020_12():
    """Nullable means a null branch or a type array (OpenAPI 3.1), never 3.0's ``nullable``,
    which strict validators ignore; a oneOf never lists the same branch twice (null would
    then match two branches and be rejected)."""
    schema = strict.generated_schema()
    offenders = []

    def walk(node, where):
        if isinstance(node, dict):
            if "nullable" in node:
                offenders.append(f"{where}: nullable")
            for key in ("oneOf", "anyOf"):
                branches = [json.dumps(b, sort_keys=True) for b in node.get(key, [])]
                if len(branches) != len(set(branches)):
                    offenders.append(f"{where}: repeated {key} branch")
            for key, child in node.items():
                walk(child, f"{where}.{key}")
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, f"{where}[{index}]")

    for name, component in schema["components"]["schemas"].items():
        Draft202012Validator.check_schema(component)
        walk(component, name)
    assert offenders == []


def test_strict_validation_rejects_what_a_strict_client_would():
    """The validator behind the contract test's schema check is not a rubber stamp."""
    validator = strict.ResponseValidator(strict.generated_schema())
    money = {"amount": 2400, "currency": "GBP", "formatted": "£24.00"}
    body = {
        "data": {
            "orderId": "ord_1",
            "orderNumber": "1001",
            "status": "paid",
            "paymentStatus": "succeeded",
            "requiresAction": False,
            "nextActionUrl": None,
            "redirectUrl": None,
        }
    }
    assert validator.errors("public", "POST", "/cart/checkout", 200, body) == []

    def errors_with(**changes):
        bad = json.loads(json.dumps(body))
        bad["data"].update(changes)
        return validator.errors("public", "POST", "/cart/checkout", 200, bad)

    assert errors_with(status="shipped")  # not in CheckoutStatusEnum
    assert errors_with(requiresAction=None)  # not nullable
    assert errors_with(surprise=1)  # not in the schema
    assert errors_with(orderId=money)  # wrong type
    assert validator.errors("public", "POST", "/cart/checkout", 299, body)


def test_every_operation_has_a_one_line_summary():
    schema = generated_schema()
    summaries = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            summary = operation.get("summary") or ""
            where = f"{method.upper()} {path}"
            assert summary.strip(), f"{where} has no summary"
            assert "\n" not in summary and len(summary) <= 60, where
            surface = "public" if path.startswith("/v3/public/") else "private"
            summaries.setdefault((surface, summary), []).append(where)
    assert [w for w in summaries.values() if len(w) > 1] == []


def test_schema_names_its_server_and_license(client):
    schema = client.get("/v3/schema", HTTP_HOST="localhost:9000", format="json")
    import yaml

    document = yaml.safe_load(schema.content)
    assert document["servers"] == [
        {"url": "http://localhost:9000", "description": "This installation"}
    ]
    assert document["info"]["license"] == {"name": "MIT", "identifier": "MIT"}


@pytest.mark.parametrize(
    ("component", "field", "enum"),
    [
        ("Order", "paymentStatus", "OrderPaymentStatusEnum"),
        ("Order", "fulfillmentStatus", "OrderFulfillmentStatusEnum"),
        ("Order", "type", "OrderTypeEnum"),
        ("PublicOrder", "paymentStatus", "OrderPaymentStatusEnum"),
        ("PrivateOrderListItem", "paymentStatus", "OrderPaymentStatusEnum"),
        ("OrderStatus", "paymentStatus", "PaymentIntentStatusEnum"),
        ("OrderStatus", "fulfillmentStatus", "OrderFulfillmentStatusEnum"),
        ("Product", "status", "ProductStatusEnum"),
        ("PrivateProduct", "status", "ProductStatusEnum"),
        ("CheckoutResult", "status", "CheckoutStatusEnum"),
        ("CheckoutResult", "paymentStatus", "CheckoutPaymentStatusEnum"),
        ("Discount", "type", "DiscountTypeEnum"),
    ],
)
def test_statuses_are_named_enums(component, field, enum):
    from orders.models import Order

    schema = generated_schema()
    prop = schema["components"]["schemas"][component]["properties"][field]
    refs = json.dumps(prop)
    assert f'"#/components/schemas/{enum}"' in refs, prop
    values = schema["components"]["schemas"][enum]["enum"]
    if enum == "OrderPaymentStatusEnum":
        assert values == list(Order.PaymentStatus.values)


def test_schema_property_names_are_camel_case():
    schema = generated_schema()
    offenders = []

    def walk(node, where):
        if isinstance(node, dict):
            for name, child in (node.get("properties") or {}).items():
                if "_" in name:
                    offenders.append(f"{where}.{name}")
                if name not in CALLER_DEFINED_MAPS:
                    walk(child, f"{where}.{name}")
            for key in ("items", "allOf", "oneOf", "anyOf"):
                if key in node:
                    walk(node[key], where)
        elif isinstance(node, list):
            for child in node:
                walk(child, where)

    for name, component in schema["components"]["schemas"].items():
        walk(component, name)
    assert offenders == []


def test_every_operation_documents_the_error_envelope():
    schema = generated_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation["responses"]
            for code in ("401", "422", "429"):
                assert code in responses, f"{method.upper()} {path} lacks {code}"
            assert operation.get("security"), f"{method.upper()} {path} has no security"


@pytest.mark.django_db
def test_schema_is_served(client):
    response = client.get("/v3/schema")
    assert response.status_code == 200
    assert b"openapi: 3.1.0" in response.content


@pytest.mark.parametrize("path", ["/v3/docs", "/v3/docs/", "/v3/redoc", "/v3/redoc/"])
def test_docs_pages_load_everything_from_this_server(client, path):
    """Swagger UI and ReDoc render offline: every script, stylesheet and icon they reference
    is one of this server's static files (drf-spectacular-sidecar), none from a CDN."""
    response = client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(ref.endswith(".js") for ref in refs), refs
    for ref in refs:
        assert not re.match(r"^(https?:)?//", ref), f"{path} loads {ref} from elsewhere"
        if ref.startswith("/static/"):
            assert finders.find(ref.removeprefix("/static/")), ref
    assert "googleapis" not in html and "jsdelivr" not in html


# -- fuzzing ------------------------------------------------------------------------------

application = get_wsgi_application()
fuzz_schema = schemathesis.openapi.from_wsgi("/v3/schema", application)


@pytest.fixture
def wsgi_keeps_test_connection():
    """Requests go through the real WSGI handler, which would close the test's database
    connection after each request (Django's test client suspends this the same way)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_store(db, settings, make_store, tmp_path, wsgi_keeps_test_connection):
    """A demo store with data of every app that has demo data; rate limits off."""
    import importlib

    from core.services import MERCHANT_APPS

    settings.RATELIMIT_ENABLE = False
    settings.MEDIA_ROOT = tmp_path
    keys = make_store(name="Fuzz Candles")
    for app in MERCHANT_APPS:
        try:
            module = importlib.import_module(f"{app}.demo")
        except ModuleNotFoundError:
            continue
        module.seed(store=keys.store)
    return keys


@fuzz_schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_fuzz_api_conforms_to_schema(case, fuzz_store):
    if "publishable_key" in (case.path_parameters or {}):
        case.path_parameters["publishable_key"] = fuzz_store.pk
    key = fuzz_store.pk if case.path.startswith("/v3/public/") else fuzz_store.sk
    headers = dict(case.headers or {})
    headers["Authorization"] = f"Bearer {key}"
    case.headers = headers
    case.call_and_validate(checks=FUZZ_CHECKS)
