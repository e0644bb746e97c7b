"""Fixtures for webhook tests: a local HTTP receiver, fake DNS, insecure-URL mode."""

from __future__ import annotations

import pytest

from .receiver import Receiver, start_receiver


@pytest.fixture
def receiver():
    rec = Receiver()
    server = start_receiver(rec)
    yield rec
    server.shutdown()
    server.server_close()


@pytest.fixture
def insecure(settings):
    """WEBHOOKS_ALLOW_INSECURE_URLS on: http and loopback receivers are allowed."""
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True
    return settings


@pytest.fixture
def secure(settings):
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = False
    return settings


class FakeDns(dict):
    """Host name -> addresses; ``lookups`` lists every name resolved."""

    def __init__(self):
        super().__init__()
        self.lookups: list[str] = []


@pytest.fixture
def fake_dns(monkeypatch):
    """``fake_dns["hooks.example.com"] = ["93.184.216.34"]``; IP literals resolve as usual."""
    from webhooks import net

    dns = FakeDns()
    real = net.resolve_host

    def resolve(host, port):
        dns.lookups.append(host)
        if host in dns:
            return list(dns[host])
        if host.replace(".", "").isdigit() or ":" in host:
            return real(host, port)
        raise OSError(f"fake DNS: no such host {host}")

    monkeypatch.setattr(net, "resolve_host", resolve)
    return dns


@pytest.fixture
def make_endpoint(insecure):
    from webhooks import services

    def make(store, url, events=("order.paid",), active=True, mode="test"):
        return services.webhook_endpoint_create(
            store=store, url=url, events=list(events), active=active, mode=mode
        )

    return make
