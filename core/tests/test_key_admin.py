"""API keys in the dashboard: a revoked key stays revoked; revoking and rolling ask first."""

import pytest
from django.test import Client
from django.utils import timezone

from core import services
from core.models import ApiKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant(shop):
    services.merchant_add(
        store=shop.store, email="keys@merchant.test", password="pw-keys-123456"
    )
    client = Client()
    assert client.login(username="keys@merchant.test", password="pw-keys-123456")
    return client


def secret_key(shop, mode="live") -> ApiKey:
    return ApiKey.objects.get(store=shop.store, kind="secret", mode=mode)


def works(raw: str) -> bool:
    response = Client().get(
        "/v3/private/store", headers={"Authorization": f"Bearer {raw}"}
    )
    return response.status_code == 200


def test_the_change_page_cannot_clear_revoked_at(merchant, shop):
    key = secret_key(shop)
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
    assert not works(shop.live_sk)
    url = f"/admin/core/apikey/{key.pk}/change/"
    assert merchant.get(url).status_code == 200

    # What the old change form accepted: revoked_at emptied.
    merchant.post(url, {"revoked_at_0": "", "revoked_at_1": "", "_save": "Save"})

    key.refresh_from_db()
    assert key.revoked_at is not None
    assert not works(shop.live_sk)


def test_revoking_asks_to_confirm_first(merchant, shop):
    key = secret_key(shop)
    selection = {"action": "revoke", "_selected_action": [key.pk]}

    page = merchant.post("/admin/core/apikey/", selection)

    assert page.status_code == 200
    body = page.content.decode()
    assert "can never be enabled again" in body and key.display_prefix in body
    key.refresh_from_db()
    assert key.revoked_at is None and works(shop.live_sk)

    merchant.post("/admin/core/apikey/", {**selection, "post": "yes"})

    key.refresh_from_db()
    assert key.revoked_at is not None and not works(shop.live_sk)


def test_rolling_asks_to_confirm_first(merchant, shop):
    selection = {"action": "roll_live_secret_key", "_selected_action": [shop.store.pk]}

    page = merchant.post("/admin/core/store/", selection)

    assert page.status_code == 200
    assert "Yes, roll the live secret key" in page.content.decode()
    assert works(shop.live_sk)
    assert ApiKey.objects.filter(store=shop.store, kind="secret").count() == 2

    done = merchant.post(
        "/admin/core/store/", {**selection, "post": "yes"}, follow=True
    )

    new_key = done.content.decode().split("<code>")[1].split("</code>")[0]
    assert new_key.startswith("sk_live_") and works(new_key)
    assert not works(shop.live_sk)


def test_revoke_is_for_good(shop):
    key = secret_key(shop, "test")
    assert services.api_key_revoke(api_key=key) is True
    first = ApiKey.objects.get(pk=key.pk).revoked_at
    assert services.api_key_revoke(api_key=key) is False
    assert ApiKey.objects.get(pk=key.pk).revoked_at == first
