"""Key authentication on both surfaces, and store isolation."""

import pytest
from django.utils import timezone

from core.models import ApiKey, hash_key

pytestmark = pytest.mark.django_db


def get(client, url, key=None, **headers):
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return client.get(url, headers=headers)


def assert_401(response):
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "unauthenticated"
    assert "WWW-Authenticate" in response


class TestPublicSurface:
    def test_publishable_key_in_path_and_header(self, client, shop):
        response = get(client, f"/v3/public/{shop.pk}", shop.pk)
        assert response.status_code == 200
        assert response.json()["data"]["id"] == shop.store.id

    def test_live_publishable_key_works_too(self, client, shop):
        assert (
            get(client, f"/v3/public/{shop.live_pk}", shop.live_pk).status_code == 200
        )

    def test_missing_header(self, client, shop):
        assert_401(get(client, f"/v3/public/{shop.pk}"))

    def test_non_bearer_scheme(self, client, shop):
        assert_401(
            client.get(
                f"/v3/public/{shop.pk}", headers={"Authorization": f"Basic {shop.pk}"}
            )
        )

    def test_header_key_differs_from_path_key(self, client, shop, other_shop):
        assert_401(get(client, f"/v3/public/{shop.pk}", other_shop.pk))
        assert_401(get(client, f"/v3/public/{shop.pk}", shop.live_pk))

    def test_secret_key_in_public_url_is_refused_and_not_echoed(self, client, shop):
        response = get(client, f"/v3/public/{shop.sk}", shop.sk)
        assert_401(response)
        assert shop.sk not in response.content.decode()

    def test_secret_key_in_header_of_public_url(self, client, shop):
        response = get(client, f"/v3/public/{shop.pk}", shop.sk)
        assert_401(response)
        assert shop.sk not in response.content.decode()

    def test_unknown_publishable_key(self, client, db):
        key = "pk_test_" + "x" * 32
        assert_401(get(client, f"/v3/public/{key}", key))

    def test_revoked_key(self, client, shop):
        ApiKey.objects.filter(publishable_key=shop.pk).update(revoked_at=timezone.now())
        assert_401(get(client, f"/v3/public/{shop.pk}", shop.pk))


class TestPrivateSurface:
    def test_secret_key(self, client, shop):
        response = get(client, "/v3/private/store", shop.sk)
        assert response.status_code == 200
        assert response.json()["data"]["id"] == shop.store.id

    def test_store_scoped_alias(self, client, shop):
        response = get(client, f"/v3/private/stores/{shop.store.id}/store", shop.sk)
        assert response.status_code == 200
        assert response.json()["data"]["id"] == shop.store.id

    def test_alias_with_another_stores_id_is_404(self, client, shop, other_shop):
        response = get(
            client, f"/v3/private/stores/{other_shop.store.id}/store", shop.sk
        )
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        assert other_shop.store.name not in response.content.decode()

    def test_publishable_key_refused(self, client, shop):
        assert_401(get(client, "/v3/private/store", shop.pk))

    def test_missing_and_unknown_keys(self, client, shop):
        assert_401(get(client, "/v3/private/store"))
        assert_401(get(client, "/v3/private/store", "sk_test_" + "y" * 32))
        assert_401(get(client, "/v3/private/store", "x" * 500))

    def test_revoked_secret_key(self, client, shop):
        ApiKey.objects.filter(hashed_key=hash_key(shop.sk)).update(
            revoked_at=timezone.now()
        )
        assert_401(get(client, "/v3/private/store", shop.sk))

    def test_each_key_sees_only_its_store(self, client, shop, other_shop):
        assert (
            get(client, "/v3/private/store", shop.sk).json()["data"]["id"]
            == shop.store.id
        )
        assert (
            get(client, "/v3/private/store", other_shop.sk).json()["data"]["id"]
            == other_shop.store.id
        )


def test_secret_keys_are_stored_hashed(shop):
    rows = list(
        ApiKey.objects.filter(store=shop.store).values_list(
            "hashed_key", "publishable_key", "display_prefix"
        )
    )
    stored = " ".join(str(value) for row in rows for value in row)
    assert shop.sk not in stored and shop.live_sk not in stored
    assert ApiKey.objects.filter(hashed_key=hash_key(shop.sk), kind="secret").exists()


def test_rolling_a_key_revokes_the_old_one(client, shop):
    from core import services

    old = ApiKey.objects.get(hashed_key=hash_key(shop.sk))
    issued = services.api_key_roll(api_key=old)
    assert_401(get(client, "/v3/private/store", shop.sk))
    assert get(client, "/v3/private/store", issued.raw).status_code == 200
