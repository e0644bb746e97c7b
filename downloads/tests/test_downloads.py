"""Download links of paid orders: granted on payment, emailed, shown on the order and in
the account, counted, limited, expiring, reset by the merchant and revoked by refunds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from carts.tests.factories import log_in, make_product
from downloads import services
from downloads.models import DownloadGrant
from orders import services as order_services
from orders.models import Order
from orders.tests.conftest import Shopper

from .conftest import EBOOK, buy, link_path

pytestmark = pytest.mark.django_db


def public_order(public, order, token="checkout-visitor"):
    response = public.get(f"/orders/{order.pk}", cart=token)
    assert response.status_code == 200, response.json()
    return response.json()["data"]


def download(url):
    return Client().get(link_path(url))


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_paid_order_gets_a_link_by_email_on_the_order_and_in_the_account(
    paid, ebook, public, checkout_shop
):
    grant = DownloadGrant.objects.get()
    assert (grant.order_id, grant.file_id, grant.mode) == (
        paid.pk,
        ebook.file.pk,
        "test",
    )
    assert grant.download_limit == 5 and grant.download_count == 0
    assert grant.expires_at - grant.created_at == timedelta(days=7)

    # The email, after commit, on its own.
    sent = [m for m in mail.outbox if "downloads" in m.subject.lower()]
    assert len(sent) == 1 and sent[0].to == ["reader@example.com"]
    url = services.download_url(grant)
    assert url in sent[0].body and url in sent[0].alternatives[0][0]
    assert "candles.pdf" in sent[0].body and "5 times within 7 days" in sent[0].body

    # The confirmation page (public order).
    [link] = public_order(public, paid)["downloads"]
    # On the page: the same link, on the address the page was asked on.
    assert link["url"] == "http://testserver" + link_path(url)
    assert link == {
        "id": grant.pk,
        "itemId": grant.item_id,
        "productName": "Candle-making ebook",
        "fileName": "candles.pdf",
        "size": len(EBOOK),
        "url": link["url"],
        "downloadsUsed": 0,
        "downloadLimit": 5,
        "expiresAt": link["expiresAt"],
        "available": True,
    }
    assert "downloads/" not in link["url"].split("/downloads/", 1)[1]  # no storage path
    assert ebook.file.storage_name not in str(link)

    # The account's order history.
    log_in(checkout_shop.store, paid.customer, cart_token="account-visitor")
    account = public.get(f"/account/orders/{paid.pk}", cart="account-visitor")
    assert account.status_code == 200, account.json()
    assert [d["url"] for d in account.json()["data"]["downloads"]] == [link["url"]]


def test_the_link_downloads_the_file_and_counts_up_to_the_limit(paid, public):
    grant = DownloadGrant.objects.get()
    url = services.download_url(grant)

    for used in range(1, 6):
        response = download(url)
        assert response.status_code == 200
        assert body(response) == EBOOK
        assert 'attachment; filename="candles.pdf"' in response["Content-Disposition"]
        assert response["Content-Type"] == "application/pdf"
        grant.refresh_from_db()
        assert grant.download_count == used

    refused = download(url)

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "download_limit_reached"
    assert "5 times" in refused.json()["error"]["message"]
    grant.refresh_from_db()
    assert grant.download_count == 5
    [link] = public_order(public, paid)["downloads"]
    assert link["available"] is False and link["url"] is None
    assert link["downloadsUsed"] == 5


def test_a_tampered_or_unknown_link_is_a_404(paid):
    url = services.download_url(DownloadGrant.objects.get())
    assert download(url[:-3] + "abc").status_code == 404
    assert download(url[:-3] + "abc").json()["error"]["code"] == "not_found"
    assert Client().get("/downloads/nonsense").status_code == 404
    assert DownloadGrant.objects.get().download_count == 0


def test_the_link_expires_after_the_configured_days(
    clock, shopper, ebook, settings, public
):
    settings.DOWNLOAD_EXPIRE_DAYS = 2
    start = clock.now
    order = buy(shopper, ebook)
    url = services.download_url(DownloadGrant.objects.get())

    clock.set(start + timedelta(days=2) - timedelta(seconds=1))
    assert download(url).status_code == 200

    clock.set(start + timedelta(days=2))
    expired = download(url)

    assert expired.status_code == 403
    assert expired.json()["error"]["code"] == "download_expired"
    assert DownloadGrant.objects.get().download_count == 1
    assert public_order(public, order)["downloads"][0]["available"] is False


def test_the_merchant_resets_a_shoppers_downloads(clock, paid, private):
    grant = DownloadGrant.objects.get()
    url = services.download_url(grant)
    for _ in range(5):
        assert download(url).status_code == 200
    assert download(url).status_code == 403
    clock.set(clock.now + timedelta(days=30))
    assert download(url).json()["error"]["code"] == "download_expired"

    response = private.post(f"/orders/{paid.pk}/downloads/reset")

    assert response.status_code == 200, response.json()
    [row] = response.json()["data"]
    assert row["id"] == grant.pk and row["downloadsUsed"] == 0
    grant.refresh_from_db()
    assert grant.download_count == 0
    assert grant.expires_at == clock.now + timedelta(days=7)
    assert download(url).status_code == 200
    listed = private.get(f"/orders/{paid.pk}/downloads").json()["data"]
    assert listed[0]["downloadsUsed"] == 1
    assert link_path(listed[0]["url"]) == link_path(url)


def test_another_store_or_mode_cannot_see_or_reset_the_links(
    paid, other_shop, api_client_for, checkout_shop
):
    other = api_client_for("private", other_shop.sk)
    live = api_client_for("private", checkout_shop.keys.live_sk)
    for client in (other, live):
        assert client.get(f"/orders/{paid.pk}/downloads").status_code == 404
        assert client.post(f"/orders/{paid.pk}/downloads/reset").status_code == 404


def test_a_full_refund_revokes_the_links(paid, private, public):
    url = services.download_url(DownloadGrant.objects.get())
    assert download(url).status_code == 200

    refund = private.post(f"/orders/{paid.pk}/refund", {})

    assert refund.status_code == 200, refund.json()
    revoked = download(url)
    assert revoked.status_code == 403
    assert revoked.json()["error"]["code"] == "download_revoked"
    assert public_order(public, paid)["downloads"] == []
    # A reset does not bring a refunded link back.
    private.post(f"/orders/{paid.pk}/downloads/reset")
    assert download(url).status_code == 403


def test_refunding_the_digital_line_revokes_only_its_links(
    shopper, ebook, checkout_shop, private
):
    guide = make_product(
        checkout_shop.store, name="Wick guide", price=500, product_type="digital"
    )
    services.product_file_add(
        product=guide, upload=SimpleUploadedFile("wicks.pdf", b"%PDF wicks")
    )
    order = buy(shopper, ebook, guide)
    grants = {g.file.filename: g for g in DownloadGrant.objects.select_related("file")}
    assert set(grants) == {"candles.pdf", "wicks.pdf"}
    ebook_line = order.items.get(product=ebook)

    refund = private.post(
        f"/orders/{order.pk}/refund",
        {"amount": 1000, "items": [{"id": ebook_line.pk, "quantity": 1}]},
    )

    assert refund.status_code == 200, refund.json()
    order.refresh_from_db()
    assert order.payment_status == "partially_refunded"
    assert download(services.download_url(grants["candles.pdf"])).status_code == 403
    assert download(services.download_url(grants["wicks.pdf"])).status_code == 200


def test_a_partial_refund_of_no_line_keeps_the_links(paid, private):
    refund = private.post(f"/orders/{paid.pk}/refund", {"amount": 100})
    assert refund.status_code == 200, refund.json()
    assert (
        download(services.download_url(DownloadGrant.objects.get())).status_code == 200
    )


def test_a_declined_payment_gives_no_links(shopper, ebook):
    shopper.add(ebook)
    shopper.save(email="reader@example.com")

    declined = shopper.checkout("pm_card_chargeDeclined")

    assert declined.status_code == 402
    assert not Order.objects.filter(type=Order.Type.ORDER).exists()
    assert not DownloadGrant.objects.exists()
    assert not [m for m in mail.outbox if "downloads" in m.subject.lower()]


def test_a_pending_bank_transfer_gets_links_once_marked_paid(
    shopper, ebook, public, django_capture_on_commit_callbacks
):
    order = buy(shopper, ebook, card="bank_transfer")
    assert order.payment_status == "pending"
    assert public_order(public, order)["downloads"] == []
    assert not DownloadGrant.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        order_services.order_mark_paid(order=order)

    assert [m.to for m in mail.outbox if "downloads" in m.subject.lower()] == [
        ["reader@example.com"]
    ]
    assert DownloadGrant.objects.filter(order=order).count() == 1
    assert len(public_order(public, order)["downloads"]) == 1


def test_a_paid_order_is_granted_once(paid):
    again = services.grants_issue(order=Order.objects.get(pk=paid.pk))
    assert again == [] and DownloadGrant.objects.count() == 1


def test_a_physical_product_without_files_gets_no_links(shopper, checkout_shop):
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    assert shopper.checkout().status_code == 200
    assert not DownloadGrant.objects.exists()


def test_a_variant_file_goes_only_to_buyers_of_that_variant(shopper, checkout_shop):
    book = make_product(
        checkout_shop.store,
        product_type="digital",
        price=1000,
        variants=[{"values": {"Format": "PDF"}}, {"values": {"Format": "EPUB"}}],
    )
    pdf = book.variants.get(option_values__value="PDF")
    epub = book.variants.get(option_values__value="EPUB")
    for variant, name in ((pdf, "book.pdf"), (epub, "book.epub")):
        services.product_file_add(
            product=book,
            upload=SimpleUploadedFile(name, b"content"),
            variant_id=variant.pk,
        )
    services.product_file_add(
        product=book, upload=SimpleUploadedFile("cover.jpg", b"jpeg")
    )
    shopper.add(book, variant_id=epub.pk)
    shopper.save(email="reader@example.com")
    assert shopper.checkout().status_code == 200

    names = sorted(g.file.filename for g in DownloadGrant.objects.all())
    assert names == ["book.epub", "cover.jpg"]


# -- digital-only checkout ---------------------------------------------------------------


def test_a_digital_only_cart_checks_out_without_address_or_method(shopper, ebook):
    shopper.add(ebook)
    shopper.save(email="reader@example.com")
    assert shopper.cart()["requiresShipping"] is False

    response = shopper.checkout()

    assert response.status_code == 200, response.json()
    order = Order.objects.get(pk=response.json()["data"]["orderId"])
    assert order.payment_status == "paid"
    assert order.shipping_address is None and order.shipping_option is None
    assert DownloadGrant.objects.filter(order=order).count() == 1


def test_a_mixed_cart_still_needs_an_address_and_a_method(
    shopper, ebook, checkout_shop
):
    shopper.add(ebook)
    shopper.add(checkout_shop.candle)
    shopper.save(email="reader@example.com")
    assert shopper.cart()["requiresShipping"] is True

    refused = shopper.checkout()

    assert refused.status_code == 422, refused.json()
    assert "shippingAddress" in refused.json()["error"]["fields"]
    assert not Order.objects.filter(type=Order.Type.ORDER).exists()
    assert not DownloadGrant.objects.exists()


def test_a_file_added_after_a_sale_reaches_the_next_buyer(
    shopper, public, checkout_shop, django_capture_on_commit_callbacks
):
    book = make_product(
        checkout_shop.store, name="Zine", price=500, product_type="digital"
    )
    first = buy(shopper, book)  # the store's products with files are now cached: none
    assert first.payment_status == "paid" and not DownloadGrant.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.product_file_add(
            product=book, upload=SimpleUploadedFile("zine.pdf", b"%PDF zine")
        )
    second = buy(Shopper(public, token="second-visitor"), book)

    assert [g.order_id for g in DownloadGrant.objects.all()] == [second.pk]


def test_an_unreachable_cache_still_grants_the_links(shopper, ebook, monkeypatch):
    """Redis down during checkout: the file list comes from the database (issue 13's
    promise that a cache outage never fails a sale)."""
    from redis.exceptions import ConnectionError as RedisDown

    def down(*args, **kwargs):
        raise RedisDown("Redis is down")

    for name in ("get", "set", "delete"):
        monkeypatch.setattr(services.cache, name, down)
    services.files_cache.reset()
    try:
        order = buy(shopper, ebook)
        assert order.payment_status == "paid"
        assert DownloadGrant.objects.filter(order=order).count() == 1
        assert services.files_cache.failing
    finally:
        services.files_cache.reset()
