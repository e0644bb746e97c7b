"""`make run`'s demo store: seeded once, never undoing what the merchant did, and a short
summary of what to open (seed_demo and rundemo)."""

from __future__ import annotations

import io
import json
import logging
import warnings

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from core import services
from core.models import ApiKey, Store, hash_key

pytestmark = pytest.mark.django_db

BASE = "http://127.0.0.1:9000"


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--base-url", BASE, *args, stdout=out)
    return out.getvalue()


def seed_json() -> dict:
    return json.loads(seed("--json"))


@pytest.fixture
def var(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.EMAIL_FILE_PATH = str(tmp_path / "var" / "emails")
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    return tmp_path / "var"


@pytest.fixture
def no_app_data(monkeypatch):
    """The store, keys and login only: for tests about those, not the catalogue."""
    monkeypatch.setattr("core.demo_store._demo_modules", lambda: {})


def private_status(sk: str) -> int:
    return (
        Client()
        .get("/v3/private/store", headers={"Authorization": f"Bearer {sk}"})
        .status_code
    )


# Real commits: the demo data's emails are queued on commit, as in `make run`.
@pytest.mark.django_db(transaction=True)
def test_first_run_prints_one_short_block_and_nothing_else(var, caplog):
    caplog.set_level(logging.WARNING)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        text = seed()

    info = seed_json()
    pk, sk = info["keys"]["test"]["publishable"], info["keys"]["test"]["secret"]
    lines = text.strip().splitlines()
    assert lines == [
        "Acme Candles (demo) is ready (test mode, no real payments):",
        f"  Storefront   {BASE}/storefront/{pk}/",
        f"  Dashboard    {BASE}/admin/   merchant@demo.shop / demo-merchant",
        f"  API docs     {BASE}/v3/docs",
        f"  Test keys    {pk}  (publishable)",
        f"               {sk}  (secret)",
        f"  Try          curl -H 'Authorization: Bearer {pk}' "
        f"{BASE}/v3/public/{pk}/products",
    ]
    # The demo data's emails went to files, not to the console (or the test outbox).
    assert mail.outbox == []
    assert len(list((var / "emails").iterdir())) >= 3
    assert [r.getMessage() for r in caplog.records] == []
    assert [str(w.message) for w in caught] == []
    # What it prints works.
    assert private_status(sk) == 200
    assert Client().get(f"/storefront/{pk}/").status_code == 200
    assert Client().login(username="merchant@demo.shop", password="demo-merchant")


def test_second_run_reuses_everything(var, no_app_data):
    first = seed_json()
    second = seed_json()
    assert first == second
    assert Store.objects.count() == 1
    assert ApiKey.objects.count() == 4


def test_a_key_rolled_by_the_merchant_stays_rolled(var, no_app_data):
    first = seed_json()
    old = ApiKey.objects.get(hashed_key=hash_key(first["keys"]["test"]["secret"]))
    rolled = services.api_key_roll(api_key=old)  # the dashboard's "Roll" action

    text = seed()

    # Nothing was issued or revoked behind the merchant's back.
    assert ApiKey.objects.count() == 5
    assert private_status(rolled.raw) == 200
    assert private_status(first["keys"]["test"]["secret"]) == 401
    # The old raw key is not shown as if it worked; the current one's prefix and how to
    # get a new one are.
    assert first["keys"]["test"]["secret"] not in text
    assert f"{rolled.api_key.display_prefix}…" in text
    assert "can't be shown again" in text and "Roll the test secret key" in text
    assert seed_json()["keys"]["test"]["secret"] is None
    stored = json.loads((var / "demo.json").read_text())
    assert stored["keys"]["test"]["secret"] is None
    assert stored["keys"]["live"]["secret"] == first["keys"]["live"]["secret"]


def test_a_revoked_key_is_not_replaced(var, no_app_data):
    first = seed_json()
    ApiKey.objects.filter(store_id=first["store"]["id"], mode="test").update(
        revoked_at=timezone.now()
    )

    text = seed()

    assert ApiKey.objects.filter(revoked_at__isnull=True).count() == 2  # live only
    assert "no active publishable test key" in text
    assert "no active secret test key" in text
    assert "curl" not in text


def test_the_merchants_password_is_not_reset(var, no_app_data):
    seed()
    user = get_user_model().objects.get(email="merchant@demo.shop")
    user.set_password("mine-now-1234")
    user.save()

    text = seed()

    assert "merchant@demo.shop / the password you set" in text
    assert "demo-merchant" not in text
    assert Client().login(username="merchant@demo.shop", password="mine-now-1234")


def test_deleted_demo_data_is_not_recreated_and_new_apps_are_seeded(var):
    from carts.models import Discount
    from conversations.models import Conversation

    seed()
    Discount.objects.filter(code="SPRING20").delete()
    seed()
    assert not Discount.objects.filter(code="SPRING20").exists()

    # An app whose demo data was never seeded (say, added by an upgrade) is seeded once.
    Conversation.objects.all().delete()
    state = json.loads((var / "demo.json").read_text())
    state["seeded"].remove("conversations")
    (var / "demo.json").write_text(json.dumps(state))
    seed()
    assert Conversation.objects.count() == 1
    assert not Discount.objects.filter(code="SPRING20").exists()
    assert "conversations" in json.loads((var / "demo.json").read_text())["seeded"]


def test_demo_json_is_private(var, no_app_data):
    seed()
    assert (var / "demo.json").stat().st_mode & 0o777 == 0o600


def test_rundemo_ends_its_banner_with_the_summary(var, no_app_data, settings):
    """`make run` serves with rundemo: the last lines on screen are the summary, with the
    address the server listens on (a wildcard address as the loopback address)."""
    from core.management.commands.rundemo import Command

    settings.PUBLIC_BASE_URL = ""
    info = seed_json()
    out = io.StringIO()
    command = Command(stdout=out)
    command.addr, command._raw_ipv6 = "0.0.0.0", False

    command.on_bind(18123)

    text = out.getvalue()
    assert "Starting development server at http://0.0.0.0:18123/" in text
    pk = info["keys"]["test"]["publishable"]
    tail = text.strip().splitlines()[-7:]
    assert tail[0] == "Acme Candles (demo) is ready (test mode, no real payments):"
    assert tail[1] == f"  Storefront   http://127.0.0.1:18123/storefront/{pk}/"
    assert tail[-1].startswith("  Try          curl")
