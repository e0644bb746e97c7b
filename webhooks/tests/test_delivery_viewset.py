"""The delivery log as a viewset: its FilterSet (``webhooks/filters.py``), the retry action's
own route and limit, and another store's endpoint a 404 before any filter is read."""

from __future__ import annotations

import pytest
from django.db import transaction

from webhooks import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint_id(private, receiver, insecure):
    response = private.post(
        "/webhooks", {"url": receiver.url, "events": ["order.paid"]}
    )
    assert response.status_code == 201, response.content
    return response.json()["data"]["id"]


def _record(store, capture):
    with capture(execute=True):
        with transaction.atomic():
            return services.event_record(
                store=store, type="order.paid", data={"id": "ord_1"}
            )


def test_deliveries_filter_by_event_and_status(
    private, shop, endpoint_id, django_capture_on_commit_callbacks
):
    first = _record(shop.store, django_capture_on_commit_callbacks)
    second = _record(shop.store, django_capture_on_commit_callbacks)
    url = f"/webhooks/{endpoint_id}/deliveries"

    listed = private.get(url, query={"event": first.pk}).json()["data"]
    assert [d["eventId"] for d in listed] == [first.pk]
    both = private.get(url, query={"event": "", "status": "succeeded"}).json()["data"]
    assert {d["eventId"] for d in both} == {first.pk, second.pk}
    assert private.get(url, query={"status": "failed"}).json()["data"] == []

    response = private.get(url, query={"event": "e" * 41, "status": "lost"})
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"event", "status"}


def test_an_unknown_endpoint_is_404_before_its_filters(private, endpoint_id):
    missing = "whk_01J9Z3K8Q4T6V0W2X5Y7A9BCDE"
    response = private.get(f"/webhooks/{missing}/deliveries", query={"status": "lost"})
    assert response.status_code == 404
    retry = private.post(
        f"/webhooks/{missing}/deliveries/dlv_01J9Z3K8Q4T6V0W2X5Y7A9BCDE/retry"
    )
    assert retry.status_code == 404


def test_retry_has_its_own_route_and_limit(private, endpoint_id):
    url = f"/webhooks/{endpoint_id}/deliveries/dlv_01J9Z3K8Q4T6V0W2X5Y7A9BCDE"
    response = private.post(url + "/retry")
    assert response.status_code == 404  # no such delivery
    assert response["X-RateLimit-Limit"] == "120"
    assert private.get(url + "/retry").status_code == 405
    assert private.get(url).status_code == 404  # a delivery is not read on its own
    listed = private.get(f"/webhooks/{endpoint_id}/deliveries")
    assert listed["X-RateLimit-Limit"] == "240"
    assert private.post(f"/webhooks/{endpoint_id}/deliveries").status_code == 405
