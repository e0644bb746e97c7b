"""Dashboard pages for webhook endpoints, deliveries and events."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from core import services as core_services
from webhooks import services
from webhooks.models import Delivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant(shop):
    user, _ = core_services.merchant_add(store=shop.store, email="owner@acme.test")
    client = Client()
    client.force_login(user)
    return client


def change_url(endpoint):
    return f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/"


def test_pages_render_without_the_secret(
    shop, merchant, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(shop.store, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            services.event_record(
                store=shop.store, type="order.paid", data={"id": "<b>o</b>"}
            )
    for url in [
        "/admin/webhooks/webhookendpoint/",
        change_url(endpoint),
        "/admin/webhooks/event/",
        "/admin/webhooks/delivery/",
    ]:
        response = merchant.get(url)
        assert response.status_code == 200, url
        assert endpoint.signing_secret not in response.content.decode()
    event_page = merchant.get("/admin/webhooks/event/").content.decode()
    assert "order.paid" in event_page


def test_edit_is_validated_like_the_api(
    shop, merchant, receiver, make_endpoint, settings
):
    endpoint = make_endpoint(shop.store, receiver.url)
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = False
    response = merchant.post(
        change_url(endpoint),
        {"url": "https://127.0.0.1/internal", "events": ["order.paid"], "active": "on"},
    )
    assert response.status_code == 200
    assert "loopback address" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.url == receiver.url

    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True
    response = merchant.post(
        change_url(endpoint),
        {"url": receiver.url, "events": ["order.paid", "product.created"]},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.events == ["order.paid", "product.created"]
    assert endpoint.active is False  # the checkbox was left unticked


def test_actions_and_tenancy(
    shop,
    other_shop,
    merchant,
    receiver,
    make_endpoint,
    django_capture_on_commit_callbacks,
):
    mine = make_endpoint(shop.store, receiver.url)
    theirs = make_endpoint(other_shop.store, receiver.url)
    assert merchant.get(change_url(theirs)).status_code == 404
    listing = merchant.get("/admin/webhooks/webhookendpoint/")
    assert [e.pk for e in listing.context["cl"].result_list] == [mine.pk]

    merchant.post(
        "/admin/webhooks/webhookendpoint/",
        {"action": "disable", "_selected_action": [mine.pk, theirs.pk]},
    )
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.active is False and theirs.active is True
    merchant.post(
        "/admin/webhooks/webhookendpoint/",
        {"action": "enable", "_selected_action": [mine.pk]},
    )
    mine.refresh_from_db()
    assert mine.active is True

    receiver.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            services.event_record(store=shop.store, type="order.paid", data={"id": "o"})
    failed = Delivery.objects.get(attempt=1)
    receiver.status = 200
    with django_capture_on_commit_callbacks(execute=True):
        response = merchant.post(
            "/admin/webhooks/delivery/",
            {"action": "retry", "_selected_action": [failed.pk]},
        )
    assert response.status_code == 302
    assert Delivery.objects.get(attempt=2).status == Delivery.Status.SUCCEEDED


def test_add_pause_and_delete_from_the_dashboard(
    shop, other_shop, merchant, receiver, insecure
):
    add = merchant.get("/admin/webhooks/webhookendpoint/add/")
    assert add.status_code == 200
    response = merchant.post(
        "/admin/webhooks/webhookendpoint/add/",
        {
            "store": shop.store.pk,
            "mode": "live",
            "url": receiver.url,
            "events": ["order.paid", "order.created"],
            "active": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.store, endpoint.mode) == (shop.store, "live")
    assert endpoint.events == ["order.paid", "order.created"]
    # The signing secret is shown once, right after saving, and never again.
    assert endpoint.signing_secret in response.content.decode()
    again = merchant.get(change_url(endpoint)).content.decode()
    assert endpoint.signing_secret not in again

    merchant.post(
        "/admin/webhooks/webhookendpoint/",
        {"action": "disable", "_selected_action": [endpoint.pk]},
    )
    endpoint.refresh_from_db()
    assert endpoint.active is False

    response = merchant.post(
        f"/admin/webhooks/webhookendpoint/{endpoint.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_add_refused_by_the_service_keeps_the_input(
    shop, other_shop, merchant, receiver, insecure, monkeypatch
):
    monkeypatch.setattr(services, "MAX_ENDPOINTS_PER_STORE", 0)
    response = merchant.post(
        "/admin/webhooks/webhookendpoint/add/",
        {
            "store": shop.store.pk,
            "mode": "test",
            "url": receiver.url,
            "events": ["order.paid"],
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "at most 0 webhook endpoints" in page
    assert receiver.url in page  # what was typed is still there
    assert not WebhookEndpoint.objects.exists()

    # Another store is not a choice.
    response = merchant.post(
        "/admin/webhooks/webhookendpoint/add/",
        {
            "store": other_shop.store.pk,
            "mode": "test",
            "url": receiver.url,
            "events": ["order.paid"],
        },
    )
    assert response.status_code == 200
    assert not WebhookEndpoint.objects.exists()
