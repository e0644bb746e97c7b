"""core.links: which address the absolute URLs this server makes carry."""

import pytest
from django.test import RequestFactory

from core.links import request_base_url, server_base_url


@pytest.mark.parametrize(
    ("server_url", "expected"),
    [
        ("", "http://127.0.0.1:8000"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("http://127.0.0.1:9000/", "http://127.0.0.1:9000"),
        ("127.0.0.1:9000", "http://127.0.0.1:9000"),
        # A wildcard listening address is not one a browser can open.
        ("http://0.0.0.0:9000", "http://127.0.0.1:9000"),
        ("http://[::]:9000", "http://[::1]:9000"),
        ("http://shop.test:8080", "http://shop.test:8080"),
    ],
)
def test_server_base_url_is_the_started_address(settings, server_url, expected):
    settings.PUBLIC_BASE_URL = ""
    settings.SERVER_URL = server_url
    assert server_base_url() == expected


def test_public_base_url_wins_everywhere(settings):
    settings.PUBLIC_BASE_URL = "https://shop.example.com/"
    settings.SERVER_URL = "http://127.0.0.1:9000"
    request = RequestFactory().get("/", HTTP_HOST="localhost:9000")
    assert server_base_url() == "https://shop.example.com"
    assert request_base_url(request) == "https://shop.example.com"


def test_request_base_url_is_the_requests_own_origin(settings):
    settings.PUBLIC_BASE_URL = ""
    settings.SERVER_URL = "http://127.0.0.1:8000"
    settings.ALLOWED_HOSTS = ["localhost"]
    request = RequestFactory().get("/", HTTP_HOST="localhost:9000")
    assert request_base_url(request) == "http://localhost:9000"
    secure = RequestFactory().get("/", HTTP_HOST="localhost", secure=True)
    assert request_base_url(secure) == "https://localhost"
    assert request_base_url(None) == "http://127.0.0.1:8000"


def test_allowed_hosts_include_the_started_host_name(monkeypatch):
    """`HOST=shop.test make run` answers on that name; a wildcard adds nothing."""
    import importlib.util

    import shoprocket_site.settings as real

    def load(server_url):
        monkeypatch.setenv("SERVER_URL", server_url)
        monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
        spec = importlib.util.spec_from_file_location("_probe", real.__file__)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.ALLOWED_HOSTS

    assert "shop.test" in load("http://shop.test:9000")
    assert load("http://0.0.0.0:9000") == load("")
    assert "[fd00::1]" in load("http://[fd00::1]:9000")
