"""The dashboard shows a merchant only their own stores' rows, everywhere."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from core import services
from core.models import ApiKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant(shop):
    user, _ = services.merchant_add(
        store=shop.store, email="a@merchant.test", password="pw-a-123456"
    )
    client = Client()
    assert client.login(username="a@merchant.test", password="pw-a-123456")
    return client


def test_store_list_and_pages_are_scoped(merchant, shop, other_shop):
    listing = merchant.get("/admin/core/store/")
    assert listing.status_code == 200
    assert shop.store.name in listing.content.decode()
    assert other_shop.store.name not in listing.content.decode()
    assert merchant.get(f"/admin/core/store/{shop.store.pk}/change/").status_code == 200
    assert (
        merchant.get(f"/admin/core/store/{other_shop.store.pk}/change/").status_code
        == 404
    )
    assert (
        merchant.get(f"/admin/core/store/{other_shop.store.pk}/history/").status_code
        == 404
    )


def test_merchant_cannot_add_or_delete_stores(merchant, shop):
    assert merchant.get("/admin/core/store/add/").status_code == 403
    assert merchant.get(f"/admin/core/store/{shop.store.pk}/delete/").status_code == 403


def test_domain_rows_are_scoped_in_list_search_pages_and_actions(
    merchant, shop, other_shop
):
    theirs = ApiKey.objects.filter(store=other_shop.store, kind="publishable").first()
    mine = ApiKey.objects.filter(store=shop.store, kind="publishable").first()
    listing = merchant.get("/admin/core/apikey/").content.decode()
    assert mine.display_prefix in listing and theirs.display_prefix not in listing
    search = merchant.get(
        "/admin/core/apikey/", {"q": other_shop.store.name}
    ).content.decode()
    assert theirs.display_prefix not in search
    assert merchant.get(f"/admin/core/apikey/{theirs.pk}/change/").status_code == 404
    assert merchant.get(f"/admin/core/apikey/{mine.pk}/change/").status_code == 200
    merchant.post(
        "/admin/core/apikey/",
        {"action": "revoke", "_selected_action": [theirs.pk, mine.pk], "post": "yes"},
    )
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.revoked_at is None
    assert mine.revoked_at is not None


def test_change_form_inlines_show_only_own_keys(merchant, shop, other_shop):
    page = merchant.get(f"/admin/core/store/{shop.store.pk}/change/").content.decode()
    for key in ApiKey.objects.filter(store=other_shop.store):
        assert key.display_prefix not in page
    assert shop.pk in page


def test_roll_action_shows_the_new_secret_once(merchant, shop):
    response = merchant.post(
        "/admin/core/store/",
        {
            "action": "roll_test_secret_key",
            "_selected_action": [shop.store.pk],
            "post": "yes",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "New test secret key" in page
    new_key = page.split("<code>")[1].split("</code>")[0]
    assert new_key.startswith("sk_test_")
    client = Client()
    assert (
        client.get(
            "/v3/private/store", headers={"Authorization": f"Bearer {shop.sk}"}
        ).status_code
        == 401
    )
    assert (
        client.get(
            "/v3/private/store", headers={"Authorization": f"Bearer {new_key}"}
        ).status_code
        == 200
    )


def test_superuser_sees_every_store(shop, other_shop):
    get_user_model().objects.create_superuser("root", "root@x.test", "pw-root-123")
    client = Client()
    client.login(username="root", password="pw-root-123")
    listing = client.get("/admin/core/store/").content.decode()
    assert shop.store.name in listing and other_shop.store.name in listing
    assert (
        client.get(f"/admin/core/store/{other_shop.store.pk}/change/").status_code
        == 200
    )


def test_member_of_two_stores_sees_both(shop, other_shop):
    services.merchant_add(
        store=shop.store, email="both@merchant.test", password="pw-both-123"
    )
    services.merchant_add(store=other_shop.store, email="both@merchant.test")
    client = Client()
    client.login(username="both@merchant.test", password="pw-both-123")
    listing = client.get("/admin/core/store/").content.decode()
    assert shop.store.name in listing and other_shop.store.name in listing


def test_domain_admin_autocomplete_and_relation_choices_are_scoped(
    merchant, shop, other_shop
):
    """The same base classes scope a domain model's admin: catalog categories."""
    from catalog import services as catalog_services

    mine = catalog_services.category_create(
        store=shop.store, data={"name": "Mine candles"}
    )
    theirs = catalog_services.category_create(
        store=other_shop.store, data={"name": "Their candles"}
    )
    response = merchant.get(
        "/admin/autocomplete/",
        {
            "app_label": "catalog",
            "model_name": "category",
            "field_name": "parent",
            "term": "candles",
        },
    )
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {mine.pk}
    form = merchant.get("/admin/catalog/product/add/").context["adminform"].form
    assert set(form.fields["categories"].queryset) == {mine}
    assert (
        merchant.get(f"/admin/catalog/category/{theirs.pk}/change/").status_code == 404
    )
    listing = merchant.get("/admin/catalog/category/").content.decode()
    assert "Mine candles" in listing and "Their candles" not in listing
