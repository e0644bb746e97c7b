"""Faults against the real services: Redis killed, the email worker stopped, PostgreSQL
connections terminated, a webhook receiver hanging, bad input.

The module starts its own redis-server (on a free port), a gunicorn (2 workers) and one Celery
worker per queue, all on the test database, with production settings (DEBUG off); each test
talks to them over HTTP as a client would, and every process is stopped by its own id.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import quote, urlencode
from urllib.request import HTTPCookieProcessor, ProxyHandler, Request, build_opener

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from tests.processes import (
    Process,
    RedisServer,
    app_database_url,
    app_environment,
    celery_worker,
    free_port,
    gunicorn,
    manage,
    tool_missing,
    wait_until,
    worker_ready,
)

pytestmark = [
    pytest.mark.faults,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

ADDRESS = {
    "firstName": "Sam",
    "lastName": "Buyer",
    "line1": "221B Baker Street",
    "city": "London",
    "postcode": "NW1 6XE",
    "countryCode": "GB",
}
WORKER_QUEUES = {
    "emails": "emails",
    "webhooks": "webhooks",
    "other": "default,housekeeping",
}


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Http:
    """A tiny HTTP client for the app (cookies kept, no proxies: loopback only)."""

    base: str
    opener: object = field(init=False)

    def __post_init__(self):
        self.opener = build_opener(ProxyHandler({}), HTTPCookieProcessor(CookieJar()))

    def request(self, method, path, body=None, *, headers=None, raw=None, form=None):
        headers = dict(headers or {})
        data = raw
        if form is not None:
            data = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            headers.setdefault("Content-Type", "application/json")
        request = Request(self.base + path, data=data, headers=headers, method=method)
        try:
            with self.opener.open(request, timeout=30) as response:
                return Response(
                    response.status, dict(response.headers), response.read()
                )
        except HTTPError as error:
            return Response(error.code, dict(error.headers), error.read())

    def cookie(self, name: str) -> str:
        handler = next(
            h for h in self.opener.handlers if isinstance(h, HTTPCookieProcessor)
        )
        return next(c.value for c in handler.cookiejar if c.name == name)


@dataclass
class Stack:
    redis: RedisServer
    web: Process
    workers: dict
    env: dict
    base_url: str
    emails_dir: Path
    app_name: str
    log_dir: Path

    def client(self) -> Http:
        return Http(self.base_url)

    def emails_to(self, address: str) -> list:
        """Every email the app has sent to ``address`` (file backend), oldest first."""
        found = []
        for path in sorted(self.emails_dir.glob("*.log")):
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if not chunk.strip():
                    continue
                message = message_from_bytes(chunk.strip(), policy=policy.default)
                if address in (message["To"] or ""):
                    found.append(message)
        return found

    def logs(self) -> str:
        parts = [self.web, self.redis, *self.workers.values()]
        return "\n".join(f"== {p.name}\n{p.log(2500)}" for p in parts)

    def start_worker(self, role: str) -> Process:
        worker = celery_worker(
            queues=WORKER_QUEUES[role],
            concurrency=2 if role == "webhooks" else 1,
            env=self.env,
            log_dir=self.log_dir,
        ).start()
        self.workers[role] = worker
        return worker

    def wait_for_workers(self) -> None:
        for worker in self.workers.values():
            assert wait_until(lambda w=worker: worker_ready(w), 60), self.logs()


@pytest.fixture(scope="module")
def stack(django_db_setup, tmp_path_factory):
    if shutil.which("redis-server") is None:
        tool_missing("needs redis-server")
    log_dir = tmp_path_factory.mktemp("faults")
    emails_dir = log_dir / "emails"
    emails_dir.mkdir()
    app_name = f"faults-{uuid.uuid4().hex[:8]}"
    redis = RedisServer(log_dir=log_dir).start()
    port = free_port()
    env = app_environment(
        DATABASE_URL=app_database_url(application_name=app_name),
        REDIS_URL=redis.url,
        CACHE_KEY_PREFIX=app_name,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(emails_dir),
        WEBHOOKS_ALLOW_INSECURE_URLS="true",
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        MEDIA_ROOT=str(log_dir / "media"),
    )
    web = gunicorn(port=port, env=env, log_dir=log_dir).start()
    built = Stack(
        redis=redis,
        web=web,
        workers={},
        env=env,
        base_url=f"http://127.0.0.1:{port}",
        emails_dir=emails_dir,
        app_name=app_name,
        log_dir=log_dir,
    )
    try:
        for role in WORKER_QUEUES:
            built.start_worker(role)
        http = built.client()
        assert wait_until(lambda: _answers(http), 60), built.logs()
        built.wait_for_workers()
        yield built
    finally:
        for worker in built.workers.values():
            worker.stop()
        web.stop()
        redis.stop()


def _answers(http: Http) -> bool:
    try:
        return http.request("GET", "/v3/private/health").status == 401
    except OSError:
        return False


@pytest.fixture
def receiver():
    from webhooks.tests.receiver import Receiver, start_receiver

    rec = Receiver()
    server = start_receiver(rec)
    yield rec
    rec.delay = 0
    server.shutdown()
    server.server_close()


@pytest.fixture
def shop_with_stock(make_store, settings):
    """A store with a £24 candle (50 in stock), GB shipping, card and bank transfer."""
    from carts.tests.factories import make_shipping_method
    from catalog.tests.factories import make_product

    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True

    def make(name: str):
        slug = uuid.uuid4().hex[:8]
        keys = make_store(
            name=name,
            notification_email=f"orders-{slug}@shop.test",
            payment_methods=["card", "bank_transfer"],
        )
        keys.method = make_shipping_method(keys.store, countries=["GB"])
        keys.candle = make_product(keys.store, name="Candle", price=2400, stock=50)
        return keys

    return make


def public(http: Http, keys, method, path, body=None, *, cart=None, **kw):
    headers = {"Authorization": f"Bearer {keys.pk}", **kw.pop("headers", {})}
    if cart:
        headers["X-Cart-Token"] = cart
    return http.request(
        method, f"/v3/public/{keys.pk}{path}", body, headers=headers, **kw
    )


def private(http: Http, keys, method, path, body=None, **kw):
    headers = {"Authorization": f"Bearer {keys.sk}", **kw.pop("headers", {})}
    return http.request(method, f"/v3/private{path}", body, headers=headers, **kw)


def checkout(http: Http, keys, *, email: str, payment_method="pm_card_visa") -> dict:
    """Browse, fill a cart and check out over HTTP; every step must answer 2xx."""
    cart = uuid.uuid4().hex
    steps = [
        public(http, keys, "GET", "/products"),
        public(http, keys, "GET", f"/products/{keys.candle.pk}"),
        public(
            http,
            keys,
            "POST",
            "/cart/items",
            {"productId": keys.candle.pk, "quantity": 2},
            cart=cart,
        ),
        public(
            http,
            keys,
            "PUT",
            "/cart/checkout-data",
            {"email": email, "shippingAddress": ADDRESS, "sameAsShipping": True},
            cart=cart,
        ),
        public(
            http,
            keys,
            "POST",
            "/cart/shipping-option",
            {"shippingOptionId": keys.method.pk},
            cart=cart,
        ),
        public(
            http,
            keys,
            "POST",
            "/cart/checkout",
            {"paymentMethod": payment_method},
            cart=cart,
        ),
    ]
    for response in steps:
        assert 200 <= response.status < 300, (response.status, response.body[:300])
    return steps[-1].json()["data"]


def merchant_client(stack: Stack, keys) -> Http:
    """A dashboard session of the store's merchant, logged in through the login form."""
    from django.conf import global_settings
    from django.test.utils import override_settings

    from core import services

    # Hashed as the app checks it (the suite's fast MD5 hasher is not the app's).
    with override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS):
        return _merchant_login(stack, keys, services)


def _merchant_login(stack: Stack, keys, services) -> Http:
    email = f"merchant-{uuid.uuid4().hex[:6]}@shop.test"
    services.merchant_add(store=keys.store, email=email, password="pw-merchant-123")
    http = stack.client()
    http.request("GET", "/admin/login/")
    login = http.request(
        "POST",
        "/admin/login/?next=/admin/",
        form={
            "username": email,
            "password": "pw-merchant-123",
            "csrfmiddlewaretoken": http.cookie("csrftoken"),
            "next": "/admin/",
        },
    )
    assert login.status == 200 and b"Log out" in login.body, login.body[:500]
    return http


# -- Redis killed -------------------------------------------------------------------------------


def test_redis_down_the_shop_still_sells_and_nothing_queued_is_lost(
    stack, shop_with_stock, receiver
):
    from webhooks import services as webhooks
    from webhooks.models import Event, WebhookEndpoint

    keys = shop_with_stock("Outage Candles")
    endpoint = webhooks.webhook_endpoint_create(
        store=keys.store, url=receiver.url, events=["order.created", "order.paid"]
    )
    # Registered well before the events (the sweeper only delivers to endpoints that were).
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    http = stack.client()
    before = private(http, keys, "GET", "/store")
    assert before.status == 200 and before.headers["X-RateLimit-Limit"] == "240"

    stack.redis.kill()
    started = time.monotonic()
    orders = [checkout(http, keys, email=f"sam{n}@outage.test") for n in range(2)]
    assert all(o["status"] == "paid" for o in orders)
    assert private(http, keys, "GET", "/orders").status == 200
    assert private(http, keys, "GET", f"/orders/{orders[0]['orderId']}").status == 200
    health = private(http, keys, "GET", "/health")
    assert health.status == 503, health.body
    checks = health.json()["data"]["checks"]
    assert checks["redis"].startswith("error:") and checks["database"] == "ok"
    assert checks["queue"].startswith("error:")
    # 17 requests with Redis gone, none waiting on it for long (a refused connection is
    # instant, and after the first the breakers skip it).
    assert time.monotonic() - started < 15
    assert stack.emails_to("sam0@outage.test") == []

    stack.redis.start()  # Redis is back (empty: what it held is lost)
    # A minute later, as beat would: the sweepers hand over what the broker never got
    # (the webhooks sweeper leaves events younger than a minute to their own task).
    Event.objects.filter(store=keys.store, dispatched_at__isnull=True).update(
        created_at=F("created_at") - timedelta(minutes=2)
    )
    # Two emails per order (confirmation, new order); every event of the outage.
    assert "Queued 4 message(s)" in manage("outbox_sweep", env=stack.env)
    undispatched = Event.objects.filter(store=keys.store, dispatched_at__isnull=True)
    assert f"Queued {undispatched.count()} event(s)" in manage(
        "webhooks_sweep", env=stack.env
    )

    def delivered():
        seen = {(r.json()["type"], r.json()["data"]["id"]) for r in receiver.requests}
        return seen >= {
            (t, o["orderId"]) for t in ("order.created", "order.paid") for o in orders
        }

    assert wait_until(delivered, 60), stack.logs()
    for n in range(2):
        assert wait_until(lambda n=n: stack.emails_to(f"sam{n}@outage.test"), 30)
    assert wait_until(
        lambda: len(stack.emails_to(keys.store.notification_email)) == 2, 30
    ), stack.logs()
    [confirmation] = stack.emails_to("sam0@outage.test")
    assert confirmation["Subject"] == (
        f"Your Outage Candles order #{orders[0]['orderNumber']} is confirmed"
    )

    # The web processes' breakers stay open for a while after the outage: the next tests
    # start on fresh ones (HUP makes gunicorn replace its workers).
    old_workers = _web_worker_pids(stack)
    os.kill(stack.web.proc.pid, signal.SIGHUP)
    assert wait_until(lambda: not (_web_worker_pids(stack) & old_workers), 30)
    assert wait_until(lambda: _answers(http), 30), stack.logs()


def _web_worker_pids(stack: Stack) -> set[int]:
    children = Path(f"/proc/{stack.web.proc.pid}/task/{stack.web.proc.pid}/children")
    return {int(pid) for pid in children.read_text().split()}


# -- the email worker stopped, the broker up --------------------------------------------------


def test_a_dashboard_action_succeeds_while_the_worker_is_down_and_its_email_follows(
    stack, shop_with_stock
):
    from orders.models import Order

    keys = shop_with_stock("Stopped Worker Candles")
    http = stack.client()
    placed = checkout(
        http, keys, email="pat@stopped.test", payment_method="bank_transfer"
    )
    order_id = placed["orderId"]
    merchant = merchant_client(stack, keys)

    stack.workers["emails"].stop()
    url = f"/admin/orders/order/{order_id}/mark-paid/"
    page = merchant.request("GET", url)
    assert page.status == 200, page.body[:300]
    done = merchant.request(
        "POST", url, form={"csrfmiddlewaretoken": merchant.cookie("csrftoken")}
    )
    assert done.status == 200 and b"marked paid" in done.body, done.body[:500]
    assert Order.objects.get(pk=order_id).payment_status == "paid"
    time.sleep(1)
    assert stack.emails_to("pat@stopped.test") == []  # no worker: waiting in Redis

    worker = stack.start_worker("emails")
    assert wait_until(lambda: worker_ready(worker), 60), worker.log()
    assert wait_until(lambda: stack.emails_to("pat@stopped.test"), 30), stack.logs()
    [confirmation] = stack.emails_to("pat@stopped.test")
    assert "confirmed" in confirmation["Subject"]


# -- PostgreSQL connections terminated -------------------------------------------------------


def _backends(app_name: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [app_name]
        )
        return [row[0] for row in cursor.fetchall()]


def test_terminated_database_connections_cost_no_request(stack, shop_with_stock):
    from customers import services as customers

    keys = shop_with_stock("Reconnect Candles")
    customers.customer_create(store=keys.store, email="kim@reconnect.test", mode="test")
    http = stack.client()
    for _ in range(8):  # both gunicorn workers hold a persistent connection
        assert private(http, keys, "GET", "/store").status == 200
    pids = _backends(stack.app_name)
    assert pids, "the app keeps no persistent connection"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s",
            [stack.app_name],
        )
        assert cursor.fetchone()[0] == len(pids)
    assert wait_until(lambda: not set(_backends(stack.app_name)) & set(pids), 5)

    statuses = []
    cart = uuid.uuid4().hex
    for _ in range(6):
        statuses.append(private(http, keys, "GET", "/store").status)
        statuses.append(public(http, keys, "GET", "/products").status)
        statuses.append(
            public(
                http,
                keys,
                "POST",
                "/cart/items",
                {"productId": keys.candle.pk},
                cart=cart,
            ).status
        )
    assert statuses == [200] * 18, stack.web.log()
    # The workers lost theirs too: an email still goes out.
    response = public(
        http, keys, "POST", "/cart/send-auth", {"email": "kim@reconnect.test"}
    )
    assert response.status == 200
    assert wait_until(lambda: stack.emails_to("kim@reconnect.test"), 30), stack.logs()


# -- a webhook receiver hanging ----------------------------------------------------------------


def test_a_hanging_webhook_receiver_does_not_delay_another_stores_email(
    stack, shop_with_stock, receiver
):
    from customers import services as customers
    from webhooks import services as webhooks

    receiver.delay = 15  # longer than the 10 s a delivery may take
    slow = shop_with_stock("Slow Hooks")
    for n in range(12):
        webhooks.webhook_endpoint_create(
            store=slow.store, url=f"{receiver.url}?n={n}", events=["product.created"]
        )
    http = stack.client()
    for n in range(4):
        created = private(
            http, slow, "POST", "/products", {"name": f"P{n}", "price": 100}
        )
        assert created.status == 201, created.body[:300]
    assert wait_until(lambda: len(receiver.requests) >= 2, 20), stack.logs()

    other = shop_with_stock("Other Store")
    customers.customer_create(store=other.store, email="lee@other.test", mode="test")
    asked = time.monotonic()
    response = public(
        http, other, "POST", "/cart/send-auth", {"email": "lee@other.test"}
    )
    assert response.status == 200
    assert wait_until(lambda: stack.emails_to("lee@other.test"), 10), stack.logs()
    assert time.monotonic() - asked < 10
    # Meanwhile the webhooks queue is still stuck on the slow receiver.
    assert len(receiver.requests) < 48


# -- bad input -----------------------------------------------------------------------------------


def test_bad_input_is_a_4xx_and_changes_nothing(stack, shop_with_stock):
    from core.tests.test_bad_input import operations_with_path_ids, snapshot

    keys = shop_with_stock("Bad Input Candles")
    http = stack.client()
    merchant = merchant_client(stack, keys)
    before = snapshot()
    failures = []
    for method, template, params in operations_with_path_ids():
        for bad in ("x\x00", "ord_%00"):
            path = template.replace("{publishable_key}", keys.pk)
            for name in params:
                path = path.replace("{" + name + "}", quote(bad, safe="%"))
            key = keys.pk if path.startswith("/v3/public/") else keys.sk
            response = http.request(
                method,
                path,
                {} if method in {"POST", "PUT", "PATCH"} else None,
                headers={"Authorization": f"Bearer {key}", "X-Cart-Token": "c1"},
            )
            if (
                response.status != 404
                or response.json()["error"]["code"] != "not_found"
            ):
                failures.append((method, template, bad, response.status))
    assert failures == [], stack.web.log()

    big = json.dumps({"name": "x" * 3_000_000, "price": 100}).encode()
    for response in (
        private(http, keys, "POST", "/products", raw=big),
        public(http, keys, "POST", "/cart/items", raw=big, cart="c1"),
    ):
        assert response.status == 413
        assert response.json()["error"]["code"] == "payload_too_large"
    deep = ("[" * 1000 + "]" * 1000).encode()
    response = private(http, keys, "POST", "/products", raw=deep)
    assert response.status == 400
    assert response.json()["error"]["code"] == "malformed_json"

    for url in (
        "/admin/orders/order/x%00/change/",
        "/admin/orders/order/x%00/fulfil/",
        "/admin/catalog/product/x%00/change/",
        "/admin/catalog/product/x%00/stock/",
        "/admin/webhooks/webhookendpoint/x%00/delete/",
    ):
        assert merchant.request("GET", url).status == 404, url
    assert snapshot() == before
