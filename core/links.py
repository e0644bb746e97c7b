"""Absolute URLs of this server: the one place that decides which address links carry.

- ``request_base_url(request)``: for what a response tells the client that made the request
  (the storefront page's API base, the schema's ``servers``): ``PUBLIC_BASE_URL`` when set, else
  the request's own scheme and host, so ``PORT=9000 make run`` just works.
- ``server_base_url()``: for links made outside a request and read later (printed by commands,
  emailed, queued): ``PUBLIC_BASE_URL`` when set, else the address the server was started on
  (``SERVER_URL``, which ``make run`` sets from ``HOST`` and ``PORT``). Emailed links never come
  from a request's ``Host`` header, so a forged header cannot redirect a login link.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

DEFAULT_SERVER_URL = "http://127.0.0.1:8000"
#: Addresses a server listens on but a browser cannot open: shown as the loopback address.
_WILDCARD_HOSTS = {"0.0.0.0": "127.0.0.1", "0": "127.0.0.1", "::": "::1", "[::]": "::1"}


def browsable_origin(url: str) -> str:
    """``scheme://host[:port]`` (plus any path prefix) without a trailing slash, with a
    wildcard listening address (``0.0.0.0``, ``::``) replaced by the loopback address."""
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = f"http://{url}"
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    host = _WILDCARD_HOSTS.get(host, host)
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def server_base_url() -> str:
    """Where links made outside a request point (see the module docstring)."""
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL.rstrip("/")
    return browsable_origin(settings.SERVER_URL or DEFAULT_SERVER_URL)


def request_base_url(request) -> str:
    """Where links in a response to ``request`` point (see the module docstring)."""
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL.rstrip("/")
    if request is None:
        return server_base_url()
    return f"{request.scheme}://{request.get_host()}"
