"""SSRF: webhook URLs must be https and public, at registration and again at delivery."""

from __future__ import annotations

import ssl
import subprocess

import pytest
from django.db import transaction

from webhooks import net, services
from webhooks.models import Delivery

from .receiver import Receiver, start_receiver

pytestmark = pytest.mark.django_db

REFUSED = [
    "127.0.0.1",
    "127.1.2.3",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",
    "169.254.1.1",
    "0.0.0.0",
    "100.64.0.1",
    "100.100.100.200",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "::1",
    "fe80::1",
    "fc00::1",
    "fd00:ec2::254",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "2002:7f00:1::1",
    "::",
]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address):
    assert net.address_refusal(address, insecure=False) is not None


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"]
)
def test_public_addresses_are_allowed(address):
    assert net.address_refusal(address, insecure=False) is None


def test_insecure_mode_allows_loopback_and_private_but_never_metadata():
    assert net.address_refusal("127.0.0.1", insecure=True) is None
    assert net.address_refusal("10.1.2.3", insecure=True) is None
    assert net.address_refusal("::1", insecure=True) is None
    assert (
        net.address_refusal("169.254.169.254", insecure=True)
        == "a cloud metadata address"
    )
    assert net.address_refusal("fe80::1", insecure=True) == "a link-local address"


@pytest.mark.parametrize(
    "url, message",
    [
        ("http://hooks.example.com/x", "Must be an https URL."),
        ("ftp://hooks.example.com/x", "Must be an https URL."),
        ("https:///nohost", "Must be an absolute URL with a host."),
        ("hooks.example.com/x", "Must be an https URL."),
        ("https://user:pw@hooks.example.com/x", "Must not contain credentials."),
        (
            "https://hooks.example.com/a b",
            "Must not contain spaces or control characters.",
        ),
        ("https://hooks.example.com:99999/", "Must be a valid absolute URL."),
        ("https://unknown.invalid/", "The host unknown.invalid could not be resolved."),
        ("https://127.0.0.1/x", "resolves to a loopback address (127.0.0.1)"),
        ("https://[::1]/x", "resolves to a loopback address (::1)"),
        (
            "https://localhost.attacker.test/x",
            "resolves to a loopback address (127.0.0.1)",
        ),
        (
            "https://metadata.attacker.test/x",
            "resolves to a cloud metadata address (169.254.169.254)",
        ),
        ("https://mixed.attacker.test/x", "resolves to a private address (10.0.0.7)"),
    ],
)
def test_registration_refuses_unsafe_urls(private, secure, fake_dns, url, message):
    fake_dns["hooks.example.com"] = ["93.184.216.34"]
    fake_dns["localhost.attacker.test"] = ["127.0.0.1"]
    fake_dns["metadata.attacker.test"] = ["169.254.169.254"]
    fake_dns["mixed.attacker.test"] = ["93.184.216.34", "10.0.0.7"]
    response = private.post("/webhooks", {"url": url, "events": ["order.paid"]})
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert message in error["fields"]["url"][0]
    assert not services.WebhookEndpoint.objects.exists()


def test_registration_accepts_a_public_https_url(private, secure, fake_dns):
    fake_dns["hooks.example.com"] = ["93.184.216.34"]
    response = private.post(
        "/webhooks",
        {"url": "https://hooks.example.com/shoprocket", "events": ["order.paid"]},
    )
    assert response.status_code == 201, response.content


def test_insecure_setting_is_read_at_call_time(private, settings, receiver):
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = False
    assert (
        private.post(
            "/webhooks", {"url": receiver.url, "events": ["order.paid"]}
        ).status_code
        == 422
    )
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True
    assert (
        private.post(
            "/webhooks", {"url": receiver.url, "events": ["order.paid"]}
        ).status_code
        == 201
    )


@pytest.mark.parametrize(
    "rebound, reason",
    [
        ("127.0.0.1", "a loopback address"),
        ("169.254.169.254", "a cloud metadata address"),
    ],
)
def test_delivery_rechecks_dns_against_rebinding(
    shop,
    secure,
    fake_dns,
    receiver,
    rebound,
    reason,
    django_capture_on_commit_callbacks,
):
    fake_dns["hooks.attacker.test"] = ["93.184.216.34"]
    endpoint = services.webhook_endpoint_create(
        store=shop.store,
        url=f"https://hooks.attacker.test:{receiver.port}/x",
        events=["order.paid"],
    )
    # The name now points inside the network.
    fake_dns["hooks.attacker.test"] = [rebound]
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            event = services.event_record(
                store=shop.store, type="order.paid", data={"id": "o"}
            )
    attempt = Delivery.objects.get(event=event, endpoint=endpoint, attempt=1)
    assert attempt.status == Delivery.Status.FAILED
    assert attempt.status_code is None
    assert attempt.error == (
        f"Refused: The host hooks.attacker.test resolves to {reason} ({rebound})."
    )
    assert receiver.requests == []


def test_delivery_connects_to_the_validated_address_with_the_original_host(
    shop, insecure, fake_dns, receiver, django_capture_on_commit_callbacks
):
    fake_dns["hooks.merchant.test"] = ["127.0.0.1"]
    services.webhook_endpoint_create(
        store=shop.store,
        url=receiver.url_for("hooks.merchant.test"),
        events=["order.paid"],
    )
    fake_dns.lookups.clear()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            services.event_record(store=shop.store, type="order.paid", data={"id": "o"})
    [request] = receiver.wait_for(1)
    assert request.headers["Host"] == f"hooks.merchant.test:{receiver.port}"
    assert fake_dns.lookups == ["hooks.merchant.test"]  # resolved once, then pinned


@pytest.fixture
def tls_receiver(tmp_path):
    """An HTTPS receiver whose certificate is for ``hooks.merchant.test`` only."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=hooks.merchant.test",
            "-addext",
            "subjectAltName=DNS:hooks.merchant.test",
        ],
        check=True,
        capture_output=True,
    )
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    rec = Receiver(scheme="https")
    server = start_receiver(
        rec, wrap_socket=lambda sock: server_context.wrap_socket(sock, server_side=True)
    )
    rec.cafile = str(cert)
    yield rec
    server.shutdown()
    server.server_close()


def test_https_delivery_to_a_pinned_address_verifies_the_certificate_for_the_host(
    tls_receiver, insecure, fake_dns, monkeypatch
):
    monkeypatch.setattr(
        net,
        "ssl_context",
        lambda: ssl.create_default_context(cafile=tls_receiver.cafile),
    )
    fake_dns["hooks.merchant.test"] = ["127.0.0.1"]
    fake_dns["other.merchant.test"] = ["127.0.0.1"]

    result = net.post_json(tls_receiver.url_for("hooks.merchant.test"), b"{}", {})
    assert result.ok, result.error
    assert (
        tls_receiver.requests[0].headers["Host"]
        == f"hooks.merchant.test:{tls_receiver.port}"
    )

    # Same address, another name: the certificate does not match, so nothing is sent.
    result = net.post_json(tls_receiver.url_for("other.merchant.test"), b"{}", {})
    assert not result.ok
    assert result.error.startswith("TLS certificate verification failed")
    assert len(tls_receiver.requests) == 1
