"""Pagination edges, rate limits with their headers, and Idempotency-Key replays."""

import pytest

from core.models import ApiKey, IdempotencyKey, Store

pytestmark = [pytest.mark.django_db, pytest.mark.urls("core.tests.urls")]


@pytest.fixture
def no_ratelimit(settings):
    settings.RATELIMIT_ENABLE = False


class TestPagination:
    def test_meta_and_slicing(self, private, shop, no_ratelimit):
        # The store has 4 keys; page through them two at a time.
        first = private.get("/_probe", query={"perPage": 3}).json()
        assert first["meta"] == {
            "currentPage": 1,
            "perPage": 3,
            "total": 4,
            "lastPage": 2,
        }
        assert len(first["data"]) == 3
        second = private.get("/_probe", query={"perPage": 3, "page": 2}).json()
        assert len(second["data"]) == 1
        ids = [k["id"] for k in first["data"] + second["data"]]
        assert sorted(ids) == sorted(
            ApiKey.objects.filter(store=shop.store).values_list("id", flat=True)
        )

    def test_defaults(self, private, no_ratelimit):
        body = private.get("/_probe").json()
        assert body["meta"]["currentPage"] == 1 and body["meta"]["perPage"] == 20

    def test_page_past_the_end_is_empty_not_an_error(self, private, no_ratelimit):
        body = private.get("/_probe", query={"page": 99}).json()
        assert (
            body["data"] == []
            and body["meta"]["total"] == 4
            and body["meta"]["lastPage"] == 1
        )

    @pytest.mark.parametrize(
        "query, field",
        [
            ({"perPage": 101}, "perPage"),
            ({"perPage": 0}, "perPage"),
            ({"page": 0}, "page"),
            ({"page": -3}, "page"),
            ({"page": "abc"}, "page"),
            ({"perPage": "1e9"}, "perPage"),
            ({"page": "99999999999999999999"}, "page"),
        ],
    )
    def test_out_of_range_is_422(self, private, no_ratelimit, query, field):
        response = private.get("/_probe", query=query)
        assert response.status_code == 422
        assert field in response.json()["error"]["fields"]

    def test_max_per_page_is_accepted(self, private, no_ratelimit):
        assert (
            private.get("/_probe", query={"perPage": 100}).json()["meta"]["perPage"]
            == 100
        )


class TestRateLimits:
    def test_429_with_envelope_and_headers(self, private):
        first = private.get("/_probe")
        assert (
            first["X-RateLimit-Limit"] == "2" and first["X-RateLimit-Remaining"] == "1"
        )
        second = private.get("/_probe")
        assert second["X-RateLimit-Remaining"] == "0"
        third = private.get("/_probe")
        assert third.status_code == 429
        assert third.json()["error"]["code"] == "rate_limited"
        assert int(third["Retry-After"]) >= 1
        assert third["X-RateLimit-Remaining"] == "0"

    def test_limits_are_per_key(self, private, other_shop, api_client_for):
        for _ in range(3):
            private.get("/_probe")
        other = api_client_for("private", other_shop.sk)
        assert other.get("/_probe").status_code == 200

    def test_public_limit_is_per_key_and_client_ip(self, public, shop):
        url = f"/v3/public/{shop.pk}"
        from django.test import Client

        headers = {"Authorization": f"Bearer {shop.pk}"}
        a, b = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")
        assert a.get(url, headers=headers)["X-RateLimit-Remaining"] == "119"
        assert a.get(url, headers=headers)["X-RateLimit-Remaining"] == "118"
        assert b.get(url, headers=headers)["X-RateLimit-Remaining"] == "119"

    def test_real_endpoints_carry_their_documented_limits(self, private, public):
        assert private.get("/store")["X-RateLimit-Limit"] == "240"
        assert private.get("/health")["X-RateLimit-Limit"] == "600"
        assert public.get("")["X-RateLimit-Limit"] == "120"

    def test_disabled_by_setting(self, private, no_ratelimit):
        statuses = {private.get("/_probe").status_code for _ in range(4)}
        assert statuses == {200}


class TestIdempotency:
    def test_same_key_same_body_replays_first_response(self, private, shop):
        first = private.patch("/store", {"name": "First"}, idempotency_key="abc-1")
        assert first.status_code == 200 and "Idempotent-Replayed" not in first
        Store.objects.filter(pk=shop.store.pk).update(name="Changed elsewhere")
        second = private.patch("/store", {"name": "First"}, idempotency_key="abc-1")
        assert second.status_code == 200
        assert second["Idempotent-Replayed"] == "true"
        assert second.content == first.content
        assert Store.objects.get(pk=shop.store.pk).name == "Changed elsewhere"

    def test_same_key_other_body_is_422(self, private):
        private.patch("/store", {"name": "First"}, idempotency_key="abc-2")
        response = private.patch("/store", {"name": "Second"}, idempotency_key="abc-2")
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "idempotency_key_reused"

    def test_duplicate_in_flight_is_409(self, private, shop):
        first = private.patch("/store", {"name": "A"}, idempotency_key="abc-3")
        IdempotencyKey.objects.filter(key="abc-3").update(state="in_flight")
        response = private.patch("/store", {"name": "A"}, idempotency_key="abc-3")
        assert first.status_code == 200
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "idempotency_in_flight"

    def test_validation_errors_are_replayed_too(self, private):
        first = private.patch("/store", {"currency": "XXXX"}, idempotency_key="abc-4")
        second = private.patch("/store", {"currency": "XXXX"}, idempotency_key="abc-4")
        assert first.status_code == second.status_code == 422
        assert second["Idempotent-Replayed"] == "true"

    def test_server_errors_are_not_kept(self, private):
        response = private.post(
            "/_probe", {"amount": 1, "someName": "x"}, idempotency_key="abc-5"
        )
        assert response.status_code == 201
        assert IdempotencyKey.objects.get(key="abc-5").response_status == 201
        private.get("/_raise/runtime", idempotency_key="abc-6")  # GET: key ignored
        assert not IdempotencyKey.objects.filter(key="abc-6").exists()

    def test_keys_are_per_store(self, private, other_shop, api_client_for):
        private.patch("/store", {"name": "Mine"}, idempotency_key="shared")
        other = api_client_for("private", other_shop.sk)
        response = other.patch("/store", {"name": "Theirs"}, idempotency_key="shared")
        assert response.status_code == 200
        assert response.json()["data"]["name"] == "Theirs"

    def test_expired_key_is_reusable(self, private):
        from datetime import timedelta

        from django.utils import timezone

        private.patch("/store", {"name": "Old"}, idempotency_key="abc-7")
        IdempotencyKey.objects.filter(key="abc-7").update(
            created_at=timezone.now() - timedelta(hours=25)
        )
        response = private.patch("/store", {"name": "New"}, idempotency_key="abc-7")
        assert response.status_code == 200 and "Idempotent-Replayed" not in response
        assert response.json()["data"]["name"] == "New"

    def test_overlong_key_is_422(self, private):
        response = private.patch("/store", {"name": "X"}, idempotency_key="k" * 300)
        assert response.status_code == 422
        assert "Idempotency-Key" in response.json()["error"]["fields"]

    def test_purge_task_deletes_old_records(self, private):
        from datetime import timedelta

        from django.utils import timezone

        from core.tasks import purge_idempotency_keys

        private.patch("/store", {"name": "Old"}, idempotency_key="old")
        private.patch("/store", {"name": "New"}, idempotency_key="new")
        IdempotencyKey.objects.filter(key="old").update(
            created_at=timezone.now() - timedelta(days=2)
        )
        assert purge_idempotency_keys() == 1
        assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
