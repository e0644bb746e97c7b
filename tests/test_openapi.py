"""The OpenAPI schema: valid, camelCase, served with its docs page, and true to the server.

The fuzz test generates requests for every documented operation with schemathesis (seeded with
the demo store's data so list endpoints return real objects) and fails on any 5xx, any status
the schema does not document, and any response body that does not match the schema.
"""

import re

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

FUZZ_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CALLER_DEFINED_MAPS = {"metadata", "optionValues"}


def generated_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_is_valid_openapi_3():
    schema = generated_schema()
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert any(
        path.startswith("/v3/public/{publishable_key}") for path in schema["paths"]
    )
    assert any(path.startswith("/v3/private/") for path in schema["paths"])
    assert not any(path.startswith("/v3/private/stores/") for path in schema["paths"])


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
    assert b"openapi: 3" in response.content


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
