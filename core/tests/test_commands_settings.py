"""createstore and the refusal to run with the development secret key."""

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client

from core.models import ApiKey, Store, StoreMembership

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_createstore_json_document_and_working_keys():
    document = json.loads(
        run(
            "createstore",
            "--name",
            "Acme",
            "--currency",
            "EUR",
            "--country",
            "DE",
            "--json",
        )
    )
    assert set(document) == {"id", "name", "currency", "keys"}
    assert document["id"].startswith("str_") and document["currency"] == "EUR"
    assert set(document["keys"]) == {"test", "live"}
    for mode in ("test", "live"):
        pair = document["keys"][mode]
        assert pair["publishable"].startswith(f"pk_{mode}_") and pair[
            "secret"
        ].startswith(f"sk_{mode}_")
    client = Client()
    sk = document["keys"]["live"]["secret"]
    response = client.get(
        "/v3/private/store", headers={"Authorization": f"Bearer {sk}"}
    )
    assert response.json()["data"]["id"] == document["id"]
    assert ApiKey.objects.filter(store_id=document["id"]).count() == 4


def test_createstore_with_owner_email_creates_a_merchant():
    document = json.loads(
        run(
            "createstore",
            "--name",
            "Acme",
            "--owner-email",
            "Owner@Example.com",
            "--json",
        )
    )
    user = get_user_model().objects.get(email="owner@example.com")
    assert user.is_staff and not user.is_superuser
    assert StoreMembership.objects.filter(
        user=user, store_id=document["id"], role="owner"
    ).exists()
    run(
        "createstore",
        "--name",
        "Second",
        "--owner-email",
        "owner@example.com",
        "--json",
    )
    assert get_user_model().objects.filter(email="owner@example.com").count() == 1
    assert user.stores.count() == 2


def test_createstore_refuses_bad_currency():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        run("createstore", "--name", "Acme", "--currency", "ZZZ", "--json")
    assert not Store.objects.exists()


def test_refuses_to_start_without_debug_and_with_the_development_key(settings):
    from core.checks import (
        DEVELOPMENT_SECRET_KEY,
        check_secret_key,
        refuse_insecure_secret_key,
    )

    settings.DEBUG = False
    settings.SECRET_KEY = DEVELOPMENT_SECRET_KEY
    with pytest.raises(ImproperlyConfigured):
        refuse_insecure_secret_key()
    assert [e.id for e in check_secret_key(None)] == ["core.E001"]
    settings.SECRET_KEY = "a-real-secret-" * 4
    refuse_insecure_secret_key()
    assert check_secret_key(None) == []
    settings.SECRET_KEY = DEVELOPMENT_SECRET_KEY
    settings.DEBUG = True
    assert check_secret_key(None) == []


def test_settings_defaults_need_no_services(monkeypatch):
    """With no DATABASE_URL/REDIS_URL the settings module picks SQLite, locmem and eager Celery."""
    import importlib
    import sys

    for name in ("DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    sys.modules.pop("shoprocket_site._settings_probe", None)
    spec = importlib.util.spec_from_file_location(
        "shoprocket_site._settings_probe",
        importlib.import_module("shoprocket_site.settings").__file__,
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.DATABASES["default"]["ENGINE"] == "core.backends.sqlite3"
    assert module.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert module.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    assert module.CELERY_TASK_ALWAYS_EAGER is True
    # Named with a host: kombu warns "No hostname was supplied" on every eager apply_async.
    from kombu import Connection

    assert Connection(module.CELERY_BROKER_URL).hostname == "localhost"
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db:5432/shop")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    spec.loader.exec_module(module)
    assert module.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert module.CACHES["default"]["BACKEND"].endswith("RedisCache")
    assert (
        module.CELERY_BROKER_URL == "redis://cache:6379/0"
        and module.CELERY_TASK_ALWAYS_EAGER is False
    )


def test_ids_are_prefixed_ulids(shop):
    import re

    assert re.fullmatch(r"str_[0-9A-HJKMNP-TV-Z]{26}", shop.store.id)
