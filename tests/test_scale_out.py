"""Two web machines, one shop: two gunicorns on different ports, each with its own disk
(VAR_DIR, media, emails), sharing one PostgreSQL and one Redis, serve the same visitor
interchangeably: a cart filled on one is checked out on the other, an idempotent retry and
the rate-limit counters cross between them, and a dashboard session started on one is
honoured by the other, and product images come from the object store whichever machine
served the page. Nothing a request needs is kept on a machine between requests.

Each process is started here (a private redis-server, moto as the S3-compatible store, two
gunicorns) and stopped by its id.
"""

from __future__ import annotations

import shutil
import uuid
from types import SimpleNamespace

import pytest

from tests import test_faults
from tests.processes import (
    MotoServer,
    RedisServer,
    app_database_url,
    app_environment,
    free_port,
    gunicorn,
    s3_available,
    tool_missing,
    wait_until,
)
from tests.test_faults import ADDRESS, Http, merchant_client, private, public

# The fault tests' shop (a candle in stock, GB shipping, card and bank transfer), as a fixture.
shop_with_stock = test_faults.shop_with_stock

MEDIA_BUCKET = "two-machines-media"
PRIVATE_BUCKET = "two-machines-private"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def two_machines(django_db_setup, tmp_path_factory):
    if shutil.which("redis-server") is None:
        tool_missing("needs redis-server")
    log_dir = tmp_path_factory.mktemp("scale-out")
    redis = RedisServer(log_dir=log_dir).start()
    # Media on a local S3-compatible server when moto and django-storages are installed.
    s3 = MotoServer(log_dir=log_dir).start() if s3_available() else None
    media_env = {}
    if s3 is not None:
        s3.create_buckets(public=MEDIA_BUCKET, private=PRIVATE_BUCKET)
        media_env = {
            **s3.environment(public=MEDIA_BUCKET, private=PRIVATE_BUCKET),
            "AWS_S3_URL_PROTOCOL": "http:",
        }
    # One secret key and one configuration: only the machine's own folders differ.
    shared = app_environment(
        DATABASE_URL=app_database_url(application_name="scale-out"),
        REDIS_URL=redis.url,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        **media_env,
    )
    webs = []
    try:
        for machine in ("a", "b"):
            disk = log_dir / machine
            port = free_port()
            env = {
                **shared,
                "VAR_DIR": str(disk),
                "MEDIA_ROOT": str(disk / "media"),
                "PRIVATE_MEDIA_ROOT": str(disk / "private"),
                "EMAIL_FILE_PATH": str(disk / "emails"),
            }
            web = gunicorn(port=port, env=env, log_dir=log_dir, workers=1).start()
            web.http = Http(f"http://127.0.0.1:{port}")
            webs.append(web)
        for web in webs:
            assert wait_until(lambda w=web: _live(w.http), 60), (
                f"{web.log()}\n{redis.log()}"
            )
        yield SimpleNamespace(webs=webs, media_env=media_env)
    finally:
        for web in webs:
            web.stop()
        if s3 is not None:
            s3.stop()
        redis.stop()


def _live(http: Http) -> bool:
    try:
        return http.request("GET", "/healthz").status == 200
    except OSError:
        return False


def test_a_cart_on_one_machine_checks_out_on_the_other(two_machines, shop_with_stock):
    a, b = (web.http for web in two_machines.webs)
    keys = shop_with_stock("Two Machines")
    cart = uuid.uuid4().hex

    added = public(
        a,
        keys,
        "POST",
        "/cart/items",
        {"productId": keys.candle.pk, "quantity": 2},
        cart=cart,
    )
    assert added.status in {200, 201}, added.body[:300]
    seen = public(b, keys, "GET", "/cart", cart=cart)
    assert seen.status == 200 and seen.json()["data"]["items"][0]["quantity"] == 2
    details = public(
        a,
        keys,
        "PUT",
        "/cart/checkout-data",
        {"email": "sam@buyer.test", "shippingAddress": ADDRESS, "sameAsShipping": True},
        cart=cart,
    )
    assert details.status == 200, details.body[:300]
    shipping = public(
        b,
        keys,
        "POST",
        "/cart/shipping-option",
        {"shippingOptionId": keys.method.pk},
        cart=cart,
    )
    assert shipping.status == 200, shipping.body[:300]

    retry_key = uuid.uuid4().hex
    placed = public(
        b,
        keys,
        "POST",
        "/cart/checkout",
        {"paymentMethod": "pm_card_visa"},
        cart=cart,
        headers={"Idempotency-Key": retry_key},
    )
    assert placed.status in {200, 201}, placed.body[:300]
    # The client's retry lands on the other machine: the same answer, no second order.
    retried = public(
        a,
        keys,
        "POST",
        "/cart/checkout",
        {"paymentMethod": "pm_card_visa"},
        cart=cart,
        headers={"Idempotency-Key": retry_key},
    )
    assert retried.status == placed.status and retried.body == placed.body
    assert retried.headers.get("Idempotent-Replayed") == "true"

    order_id = placed.json()["data"]["orderId"]
    fetched = private(a, keys, "GET", f"/orders/{order_id}")
    assert fetched.status == 200 and fetched.json()["data"]["id"] == order_id
    listed = private(b, keys, "GET", "/orders")
    assert [o["id"] for o in listed.json()["data"]] == [order_id]


def test_rate_limits_count_across_machines(two_machines, shop_with_stock):
    a, b = (web.http for web in two_machines.webs)
    keys = shop_with_stock("Counted")
    remaining = []
    for http in (a, b, a, b):
        response = public(http, keys, "GET", "/products")
        assert response.status == 200
        remaining.append(int(response.headers["X-RateLimit-Remaining"]))
    assert remaining == [remaining[0] - n for n in range(4)]


def test_a_dashboard_session_started_on_one_machine_works_on_the_other(
    two_machines, shop_with_stock
):
    a, b = (web.http for web in two_machines.webs)
    keys = shop_with_stock("Signed In")
    on_a = merchant_client(SimpleNamespace(client=lambda: Http(a.base)), keys)
    on_b = Http(b.base)
    on_b.opener = on_a.opener  # the same browser (cookies are per host, not per port)
    page = on_b.request("GET", "/admin/")
    assert page.status == 200 and b"Log out" in page.body


def test_liveness_answers_without_the_database_and_readiness_checks_it(
    two_machines, shop_with_stock
):
    keys = shop_with_stock("Probed")
    for web in two_machines.webs:
        live = web.http.request("GET", "/healthz")
        assert live.status == 200 and live.json() == {"status": "ok"}
        ready = private(web.http, keys, "GET", "/health")
        assert ready.status == 200, ready.body[:500]
        assert set(ready.json()["data"]["checks"].values()) == {"ok"}


def test_product_images_are_on_the_object_store_for_every_machine(
    two_machines, shop_with_stock, settings, load_settings
):
    if not two_machines.media_env:
        tool_missing(
            "needs moto[server] and django-storages[s3] (the dev and s3 extras)"
        )
    from django.core.files.base import ContentFile

    from catalog.models import Media

    # This process stores the image as the web machines are configured to.
    settings.STORAGES = load_settings(**two_machines.media_env).STORAGES
    keys = shop_with_stock("Pictured")
    media = Media(product=keys.candle, alt="Front")
    media.file.save("front.jpg", ContentFile(b"JPEG-BYTES"), save=True)

    for web in two_machines.webs:
        product = public(web.http, keys, "GET", f"/products/{keys.candle.pk}")
        assert [m["path"] for m in product.json()["data"]["media"]] == [media.file.name]
        page = web.http.request("GET", f"/storefront/{keys.pk}/")
        base = page.body.decode().split('data-media-base="', 1)[1].split('"', 1)[0]
        assert base.startswith("http://127.0.0.1:")  # the object store, not the machine
        image = Http(base).request("GET", media.file.name)
        assert (image.status, image.body) == (200, b"JPEG-BYTES")
