"""Private webhooks API: endpoints CRUD, delivery log, retry, the event log."""

from __future__ import annotations

import pytest
from django.db import transaction

from webhooks import services
from webhooks.models import Delivery, Event, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def created(private, receiver, insecure):
    response = private.post(
        "/webhooks", {"url": receiver.url, "events": ["order.paid", "order.refunded"]}
    )
    assert response.status_code == 201, response.content
    return response.json()["data"]


def test_create_returns_the_signing_secret_once(private, created, receiver):
    assert created["id"].startswith("whk_")
    assert created["url"] == receiver.url
    assert created["events"] == ["order.paid", "order.refunded"]
    assert created["active"] is True
    assert created["lastDeliveryAt"] is None
    assert created["signingSecret"].startswith("whsec_")
    assert len(created["signingSecret"]) > 40
    assert (
        WebhookEndpoint.objects.get(pk=created["id"]).signing_secret
        == created["signingSecret"]
    )

    listed = private.get("/webhooks").json()
    assert [w["id"] for w in listed["data"]] == [created["id"]]
    assert "signingSecret" not in listed["data"][0]
    assert listed["meta"]["total"] == 1
    detail = private.get(f"/webhooks/{created['id']}").json()["data"]
    assert "signingSecret" not in detail
    page = private.get(f"/webhooks/{created['id']}").content.decode()
    assert created["signingSecret"] not in page


def test_create_validation(private, insecure, receiver):
    response = private.post(
        "/webhooks",
        {"url": receiver.url, "events": ["order.paid", "order.exploded", "nope"]},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert "order.exploded, nope" in error["fields"]["events"][0]
    assert "order.exploded" in error["message"]

    for body, field in [
        ({"url": receiver.url, "events": []}, "events"),
        ({"url": receiver.url}, "events"),
        ({"events": ["order.paid"]}, "url"),
        ({"url": receiver.url, "events": "order.paid"}, "events"),
        ({"url": receiver.url, "events": ["order.paid"], "active": "yes"}, "active"),
    ]:
        response = private.post("/webhooks", body)
        assert response.status_code == 422, (body, response.content)
        assert field in response.json()["error"]["fields"], body
    assert not WebhookEndpoint.objects.exists()


def test_duplicate_events_are_collapsed_and_inactive_registration(
    private, insecure, receiver
):
    response = private.post(
        "/webhooks",
        {"url": receiver.url, "events": ["order.paid", "order.paid"], "active": False},
    )
    assert response.status_code == 201
    assert response.json()["data"]["events"] == ["order.paid"]
    assert response.json()["data"]["active"] is False


def test_every_catalogue_type_is_accepted(private, insecure, receiver):
    response = private.post(
        "/webhooks", {"url": receiver.url, "events": list(services.EVENT_TYPES)}
    )
    assert response.status_code == 201
    assert len(services.EVENT_TYPES) == 17
    assert "conversation.message_created" in services.EVENT_TYPES
    assert {
        "subscription.renewed",
        "subscription.payment_failed",
        "subscription.cancelled",
    } <= set(services.EVENT_TYPES)


def test_update_and_delete(private, created, receiver):
    url = f"/webhooks/{created['id']}"
    response = private.patch(url, {"events": ["product.created"], "active": False})
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["events"] == ["product.created"] and data["active"] is False

    assert private.patch(url, {"events": ["bogus"]}).status_code == 422
    assert (
        private.patch(url, {"url": "https://127.0.0.1/x"}).status_code == 200
    )  # insecure mode
    assert private.patch(url, {"url": "ftp://x"}).status_code == 422

    response = private.delete(url)
    assert response.status_code == 204
    assert response.content == b""
    assert private.get(url).status_code == 404
    assert private.delete(url).status_code == 404


def test_reactivating_clears_the_disabled_state(private, created):
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    from django.utils import timezone

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        active=False,
        disabled_at=timezone.now(),
        disabled_reason="x",
        failing_since=timezone.now(),
    )
    assert (
        private.get(f"/webhooks/{endpoint.pk}").json()["data"]["disabledAt"] is not None
    )
    data = private.patch(f"/webhooks/{endpoint.pk}", {"active": True}).json()["data"]
    assert data["active"] is True and data["disabledAt"] is None
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_another_store_cannot_see_or_touch_an_endpoint(
    created, other_shop, api_client_for
):
    other = api_client_for("private", other_shop.sk)
    assert other.get("/webhooks").json()["data"] == []
    for method in ("get", "patch", "delete"):
        assert getattr(other, method)(f"/webhooks/{created['id']}").status_code == 404
    assert other.get(f"/webhooks/{created['id']}/deliveries").status_code == 404
    assert WebhookEndpoint.objects.filter(pk=created["id"]).exists()


def test_store_scoped_alias_path(created, shop, api_client_for, other_shop):
    client = api_client_for("private", shop.sk)
    assert (
        client.get(f"/stores/{shop.store.id}/webhooks").json()["data"][0]["id"]
        == created["id"]
    )
    assert client.get(f"/stores/{other_shop.store.id}/webhooks").status_code == 404


def _deliver(store, capture, type="order.paid"):
    with capture(execute=True):
        with transaction.atomic():
            return services.event_record(store=store, type=type, data={"id": "ord_1"})


def test_delivery_log_and_retry(
    private, created, shop, receiver, django_capture_on_commit_callbacks
):
    receiver.status = 500
    receiver.reply = b"nope"
    event = _deliver(shop.store, django_capture_on_commit_callbacks)

    response = private.get(f"/webhooks/{created['id']}/deliveries")
    assert response.status_code == 200
    data = response.json()["data"]
    assert [d["attempt"] for d in data] == [2, 1]
    pending, failed = data
    assert failed["eventId"] == event.pk and failed["eventType"] == "order.paid"
    assert failed["webhookId"] == created["id"]
    assert failed["status"] == "failed" and failed["statusCode"] == 500
    assert failed["responseExcerpt"] == "nope"
    assert failed["error"] == "Non-2xx response: HTTP 500."
    assert isinstance(failed["durationMs"], int)
    assert failed["attemptedAt"].endswith("Z")
    assert failed["nextRetryAt"] == pending["scheduledAt"]
    assert pending["status"] == "pending" and pending["attemptedAt"] is None

    failed_only = private.get(
        f"/webhooks/{created['id']}/deliveries", query={"status": "failed"}
    )
    assert [d["id"] for d in failed_only.json()["data"]] == [failed["id"]]
    assert (
        private.get(
            f"/webhooks/{created['id']}/deliveries", query={"status": "x"}
        ).status_code
        == 422
    )

    # Retrying brings the pending attempt forward rather than adding another.
    receiver.status = 200
    response = private.post(
        f"/webhooks/{created['id']}/deliveries/{failed['id']}/retry"
    )
    assert response.status_code == 202, response.content
    assert response.json()["data"]["id"] == pending["id"]
    assert Delivery.objects.get(pk=pending["id"]).status == Delivery.Status.SUCCEEDED
    assert len(receiver.requests) == 2
    assert (
        private.get(f"/webhooks/{created['id']}").json()["data"]["lastDeliveryAt"]
        is not None
    )

    # Retrying a delivered event sends it again as a new attempt.
    response = private.post(
        f"/webhooks/{created['id']}/deliveries/{failed['id']}/retry"
    )
    assert response.json()["data"]["attempt"] == 3
    assert len(receiver.requests) == 3

    assert (
        private.post(f"/webhooks/{created['id']}/deliveries/dlv_nope/retry").status_code
        == 404
    )


def test_retry_on_an_inactive_endpoint_is_a_conflict(
    private, created, shop, receiver, django_capture_on_commit_callbacks
):
    _deliver(shop.store, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    private.patch(f"/webhooks/{created['id']}", {"active": False})
    response = private.post(f"/webhooks/{created['id']}/deliveries/{delivery.pk}/retry")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "webhook_inactive"


def test_delivery_list_query_count_is_constant(
    private,
    created,
    shop,
    receiver,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    for _ in range(6):
        _deliver(shop.store, django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(8):
        response = private.get(f"/webhooks/{created['id']}/deliveries")
    assert len(response.json()["data"]) == 6


def test_event_log(private, shop, other_shop, django_capture_on_commit_callbacks):
    paid = _deliver(shop.store, django_capture_on_commit_callbacks)
    created = _deliver(
        shop.store, django_capture_on_commit_callbacks, type="product.created"
    )
    _deliver(other_shop.store, django_capture_on_commit_callbacks)

    data = private.get("/events").json()
    assert [e["id"] for e in data["data"]] == [created.pk, paid.pk]
    assert data["meta"] == {"currentPage": 1, "perPage": 20, "total": 2, "lastPage": 1}
    first = data["data"][1]
    assert first["type"] == "order.paid" and first["mode"] == "test"
    assert first["data"] == {"id": "ord_1"}
    assert first["dispatchedAt"] is not None

    filtered = private.get("/events", query={"type": "product.created"}).json()["data"]
    assert [e["id"] for e in filtered] == [created.pk]
    assert private.get("/events", query={"type": "order.exploded"}).status_code == 422
    refused = private.get("/events", query={"type": "order.exploded"}).json()["error"]
    assert refused["fields"] == {"type": ['"order.exploded" is not a valid choice.']}
    paged = private.get("/events", query={"perPage": 1, "page": 2}).json()
    assert [e["id"] for e in paged["data"]] == [paid.pk]
    assert Event.objects.count() == 3


def test_rate_limits_follow_endpoints_md(private, created):
    wid = created["id"]
    expected = [
        ("get", "/webhooks", "60"),
        ("post", "/webhooks", "30"),
        ("get", f"/webhooks/{wid}", "240"),
        ("patch", f"/webhooks/{wid}", "120"),
        ("get", f"/webhooks/{wid}/deliveries", "240"),
        ("get", "/events", "240"),
        ("delete", f"/webhooks/{wid}", "30"),
    ]
    for method, path, limit in expected:
        response = getattr(private, method)(path)
        assert response["X-RateLimit-Limit"] == limit, (method, path)


def test_endpoint_limit_per_store(private, insecure, receiver, monkeypatch):
    monkeypatch.setattr(services, "MAX_ENDPOINTS_PER_STORE", 2)
    for _ in range(2):
        assert (
            private.post(
                "/webhooks", {"url": receiver.url, "events": ["order.paid"]}
            ).status_code
            == 201
        )
    response = private.post(
        "/webhooks", {"url": receiver.url, "events": ["order.paid"]}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "webhook_limit_reached"
