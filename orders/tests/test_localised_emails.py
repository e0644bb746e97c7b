"""Customer emails in the locale the shopper used: checkout keeps it on the order (the
confirmation, shipping and refund emails follow it), a login-link request on the token;
only the store's supported locales count, else the default locale. The store's own
notification stays in the store's default locale."""

from __future__ import annotations

import pytest
from django.core import mail

from carts.tests.factories import make_customer
from core.emails import email_render
from customers.models import LoginToken
from orders import services
from orders.emails import order_email_context
from orders.models import Order

from .conftest import Shopper

pytestmark = pytest.mark.django_db

FR = {"Accept-Language": "fr-FR,fr;q=0.9"}


@pytest.fixture
def french_shop(checkout_shop):
    checkout_shop.store.supported_locales = ["en", "fr", "de"]
    checkout_shop.store.save(update_fields=["supported_locales"])
    return checkout_shop


def _checkout(public, shop, headers, token="fr-visitor"):
    shopper = Shopper(public, token)
    shopper.ready(shop.candle, method=shop.method)
    response = public.post(
        "/cart/checkout", {"paymentMethod": "pm_card_visa"}, cart=token, headers=headers
    )
    assert response.status_code == 200, response.json()
    return Order.objects.get(pk=response.json()["data"]["orderId"])


def _to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_a_french_checkout_gets_a_french_confirmation(public, french_shop):
    order = _checkout(public, french_shop, FR)
    assert order.locale == "fr"
    [message] = _to("sam@example.com")
    assert message.subject == "Votre commande Acme Candles n° 1001 est confirmée"
    text = message.body
    assert text.startswith("Merci pour votre commande !")
    assert "Nous avons bien reçu votre paiement pour la commande n° 1001." in text
    assert "1 x Hand-poured candle  24,00\u00a0£" in text
    assert "Sous-total: 24,00\u00a0£" in text and "Livraison: 3,95\u00a0£" in text
    assert "TVA: 5,59\u00a0£" in text and "Total: 33,54\u00a0£" in text
    assert "Livraison à:" in text and "Royaume-Uni" in text
    assert "Nous vous écrirons à nouveau lorsque votre commande sera expédiée." in text
    html = message.alternatives[0][0]
    assert '<html lang="fr">' in html and "Merci pour votre commande !" in html
    assert "Thank you" not in html
    # The store's own notification stays in its default locale.
    [notification] = _to("orders@acme.example")
    assert notification.subject.startswith("New order #1001")


def test_a_locale_the_store_does_not_support_gets_the_default(public, french_shop):
    order = _checkout(public, french_shop, {"Accept-Language": "es-ES"}, token="es")
    assert order.locale == "en"
    [message] = _to("sam@example.com")
    assert message.subject == "Your Acme Candles order #1001 is confirmed"
    assert "Subtotal: £24.00" in message.body


def test_shipping_and_refund_emails_follow_the_order_locale(
    public, french_shop, django_capture_on_commit_callbacks
):
    order = _checkout(public, french_shop, {"Accept-Language": "de"}, token="de")
    assert order.locale == "de"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.order_fulfill(order=order, carrier="DHL", tracking_number="123")
    [shipped] = mail.outbox
    assert shipped.subject == "Ihre Bestellung Nr. 1001 bei Acme Candles wurde versandt"
    assert "Gute Nachrichten: Ihre Bestellung Nr. 1001 ist unterwegs." in shipped.body
    assert "Versanddienst: DHL" in shipped.body
    assert "Sendungsnummer: 123" in shipped.body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.order_refund(order=Order.objects.get(pk=order.pk), amount=500)
    [refunded] = mail.outbox
    assert refunded.subject == (
        "Acme Candles hat 5,00\u00a0£ für die Bestellung Nr. 1001 erstattet"
    ).replace("\u00a0", " ")
    assert "Bisher erstattet: 5,00\u00a0£ von 33,54\u00a0£." in refunded.body
    # A locale the store stopped supporting falls back to the default.
    order.store.supported_locales = ["en"]
    order.store.save(update_fields=["supported_locales"])
    rendered = email_render(
        template="order_refunded",
        context={
            **order_email_context(order, locale="de"),
            "refund_amount": "£5.00",
            "refunded_total": "£5.00",
        },
        store=order.store,
        locale="de",
    )
    assert rendered.subject == "Acme Candles has refunded £5.00 on order #1001"


def test_a_german_login_link(public, shop):
    shop.store.supported_locales = ["en", "de"]
    shop.store.save(update_fields=["supported_locales"])
    make_customer(shop.store, email="kim@example.com", first_name="Kim", mode="test")
    response = public.post(
        "/cart/send-auth",
        {"email": "kim@example.com"},
        headers={"Accept-Language": "de-AT,de;q=0.8,en;q=0.5"},
    )
    assert response.status_code == 200, response.json()
    assert response["Content-Language"] == "de"
    assert LoginToken.objects.get().locale == "de"
    [message] = mail.outbox
    assert message.subject == "Ihr Anmeldelink für Acme Candles"
    assert message.body.startswith("Hallo Kim,")
    assert "Mit diesem Link melden Sie sich bei Ihrem Konto bei Acme Candles an:" in (
        message.body
    )
    assert "läuft in 15 Minuten ab" in message.body
    html = message.alternatives[0][0]
    assert ">Anmelden</a>" in html and '<html lang="de">' in html


def test_an_english_login_link_is_unchanged(public, shop):
    make_customer(shop.store, email="kim@example.com", mode="test")
    public.post(
        "/cart/send-auth",
        {"email": "kim@example.com"},
        headers={"Accept-Language": "de"},
    )
    assert LoginToken.objects.get().locale == "en"
    [message] = mail.outbox
    assert message.subject == "Your sign-in link for Acme Candles"
    assert message.body.startswith("Hello,\n")


@pytest.mark.parametrize("language", ["fr", "de"])
@pytest.mark.parametrize(
    "template",
    ["order_confirmation", "order_fulfilled", "order_refunded", "login_link"],
)
def test_every_shipped_template_is_translated(shop, make_order, language, template):
    """No sentence of the English template survives in French or German."""
    shop.store.supported_locales = ["en", "fr", "de"]
    shop.store.save(update_fields=["supported_locales"])
    order = make_order(shop.store)
    extra = {
        "refund_amount": "X",
        "refunded_total": "Y",
        "shipped": [],
        "complete": True,
        "carrier": "DPD",
        "tracking_number": "1",
        "tracking_url": "https://track.invalid/1",
        "customer": {"first_name": ""},
        "link_url": "https://shop.invalid/login",
        "expires_minutes": 15,
    }
    english = email_render(
        template=template,
        context={**order_email_context(order), **extra},
        store=shop.store,
    )
    local = email_render(
        template=template,
        context={**order_email_context(order, locale=language), **extra},
        store=shop.store,
        locale=language,
    )
    assert local.subject != english.subject
    english_lines = {line.strip() for line in english.text.splitlines()}
    local_lines = {line.strip() for line in local.text.splitlines()}
    shared = {
        line
        for line in english_lines & local_lines
        if any(c.isalpha() for c in line) and ":" not in line[-1:]
    }
    # What may stay: names, addresses, links and the store's name.
    allowed = {"Acme Candles", "https://shop.invalid/login"}
    assert not {
        line
        for line in shared - allowed
        if not line.startswith(("1 x", "2 x", "Sam", "221B", "London"))
    }, shared
