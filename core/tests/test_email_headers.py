"""The sender's display name is the store's name, quoted, so any name works over real SMTP."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy
from email.utils import parseaddr

import pytest
from aiosmtpd.controller import Controller

from core.emails import email_send, sender_for

NAMES = [
    "Acme <Candles>",
    "Smith, Jones & Co",
    'The "Best" Shop',
    "Café Zoë; (Paris)",
    "Line\nBreak: Bcc evil@example.test",
]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback; Django's SMTP backend pointed at it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    settings.DEFAULT_FROM_EMAIL = "Shoprocket <shop@shoprocket.test>"
    yield inbox
    controller.stop()


@pytest.mark.django_db
@pytest.mark.parametrize("name", NAMES)
def test_any_store_name_sends_under_smtp_with_itself_as_display_name(
    make_store, smtp_server, name
):
    store = make_store(name="Placeholder").store
    store.name = name  # as a merchant may type it (bypassing the form's own checks)
    sent = email_send(
        store=store,
        to="sam@example.test",
        template="webhook_disabled",
        context={"endpoint": None, "last_delivery": None, "dashboard_url": "x"},
    )
    assert sent == 1
    [envelope] = smtp_server.messages
    assert envelope.mail_from == "shop@shoprocket.test"
    assert envelope.rcpt_tos == ["sam@example.test"]
    message = message_from_bytes(envelope.content, policy=policy.default)
    [sender] = message["From"].addresses
    assert sender.addr_spec == "shop@shoprocket.test"
    assert sender.display_name == " ".join(name.split())
    assert message["Bcc"] is None


def test_the_sender_keeps_the_configured_address(settings):
    class Store:
        name = "Acme, Ltd"

    settings.DEFAULT_FROM_EMAIL = "orders@acme.test"
    assert parseaddr(sender_for(Store())) == ("Acme, Ltd", "orders@acme.test")
    settings.DEFAULT_FROM_EMAIL = "Anything <orders@acme.test>"
    assert sender_for(Store()) == '"Acme, Ltd" <orders@acme.test>'
