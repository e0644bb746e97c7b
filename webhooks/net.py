"""Outgoing webhook HTTP: URL safety checks and a pinned, capped, time-boxed POST.

Built on the standard library's ``http.client`` (no extra dependency) because it lets us
connect to the exact address we validated while keeping the URL's host name for the
``Host`` header, TLS SNI and certificate verification, which closes the DNS-rebinding gap
between "check the address" and "connect to it". Redirects are not followed.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

#: Any 2xx within this many seconds (connect, send, headers and capped body) is a success.
TIMEOUT_SECONDS = 10.0
#: At most this much of a response body is read.
MAX_RESPONSE_BYTES = 64 * 1024
MAX_URL_LENGTH = 2048

#: Cloud metadata services, refused even when insecure URLs are allowed.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
    )
)


class UnsafeUrl(Exception):
    """The URL may not receive webhooks; the message says why."""


@dataclass(frozen=True)
class Target:
    """A validated URL and the one address we will connect to."""

    scheme: str
    host: str
    port: int
    path: str
    ip: str


@dataclass(frozen=True)
class PostResult:
    status_code: int | None
    duration_ms: int
    body_excerpt: str
    error: str
    #: The (capped) body's bytes.
    body: bytes = b""

    @property
    def ok(self) -> bool:
        return (
            not self.error
            and self.status_code is not None
            and 200 <= self.status_code < 300
        )


def insecure_allowed() -> bool:
    """``WEBHOOKS_ALLOW_INSECURE_URLS``: http and loopback/private addresses (dev and tests)."""
    return bool(getattr(settings, "WEBHOOKS_ALLOW_INSECURE_URLS", False))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    return ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)


def address_refusal(ip, *, insecure: bool) -> str | None:
    """Why ``ip`` may not receive webhooks, or None when it may."""
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip.split("%", 1)[0])
    if ip.version == 6:
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return address_refusal(embedded, insecure=insecure)
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_link_local:
        return "a link-local address"
    if insecure and (ip.is_loopback or ip.is_private):
        return None
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved address"
    return None


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (tests replace this to fake DNS)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def url_parse(url: str, *, insecure: bool | None = None):
    """Check the URL's shape (scheme, host, no credentials); return its split form."""
    if insecure is None:
        insecure = insecure_allowed()
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(
            f"Must be an absolute URL of at most {MAX_URL_LENGTH} characters."
        )
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise UnsafeUrl("Must not contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeUrl("Must be a valid absolute URL.") from None
    scheme = parts.scheme.lower()
    allowed = ("https", "http") if insecure else ("https",)
    if scheme not in allowed:
        raise UnsafeUrl("Must be an https URL.")
    if not parts.hostname:
        raise UnsafeUrl("Must be an absolute URL with a host.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("Must not contain credentials.")
    if port == 0:
        raise UnsafeUrl("Must not use port 0.")
    return parts


def target_for(url: str, *, insecure: bool | None = None) -> Target:
    """Validate ``url`` and resolve its host once: every address must be allowed.

    Raises :class:`UnsafeUrl`. The returned target pins the first address, so the request
    goes where the check looked.
    """
    if insecure is None:
        insecure = insecure_allowed()
    parts = url_parse(url, insecure=insecure)
    scheme = parts.scheme.lower()
    host = parts.hostname
    port = parts.port or (443 if scheme == "https" else 80)
    try:
        addresses = resolve_host(host, port)
    except (OSError, UnicodeError):
        raise UnsafeUrl(f"The host {host} could not be resolved.") from None
    if not addresses:
        raise UnsafeUrl(f"The host {host} could not be resolved.")
    for address in addresses:
        reason = address_refusal(address, insecure=insecure)
        if reason:
            raise UnsafeUrl(f"The host {host} resolves to {reason} ({address}).")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port, path=path, ip=addresses[0])


def ssl_context() -> ssl.SSLContext:
    """The TLS context for deliveries: system CAs, hostname verification (tests override)."""
    return ssl.create_default_context()


def _connection(target: Target, timeout: float) -> http.client.HTTPConnection:
    if target.scheme == "https":
        conn = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout, context=ssl_context()
        )
    else:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    def connect_pinned(address, timeout=None, source_address=None):
        # http.client asks for (host, port); connect to the validated address instead.
        # HTTPSConnection then wraps the socket with server_hostname=host (SNI + cert check).
        return socket.create_connection(
            (target.ip, target.port), timeout, source_address
        )

    conn._create_connection = connect_pinned
    return conn


def _describe(exc: BaseException) -> str:
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "Timed out."
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate verification failed: {exc.verify_message or exc}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return "Connection refused."
    if isinstance(exc, http.client.HTTPException):
        return f"Invalid HTTP response: {exc.__class__.__name__}"
    return f"{exc.__class__.__name__}: {exc}"[:300]


def post_json(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float | None = None,
    max_bytes: int | None = None,
) -> PostResult:
    """POST ``body`` to ``url`` after re-validating its address; never raises for I/O."""
    return _request(
        url, "POST", body, headers, insecure=None, timeout=timeout, max_bytes=max_bytes
    )


def get_bytes(
    url: str,
    *,
    insecure: bool | None = None,
    timeout: float | None = None,
    max_bytes: int | None = None,
) -> PostResult:
    """GET ``url`` through the same checks as deliveries (others reuse the guard: imported
    product images); ``insecure`` overrides ``WEBHOOKS_ALLOW_INSECURE_URLS``. The body is
    capped at ``max_bytes`` (``body``). Never raises for I/O."""
    return _request(
        url, "GET", None, {}, insecure=insecure, timeout=timeout, max_bytes=max_bytes
    )


def _request(
    url: str,
    method: str,
    body: bytes | None,
    headers: dict[str, str],
    *,
    insecure: bool | None,
    timeout: float | None,
    max_bytes: int | None,
) -> PostResult:
    """Validate ``url``'s address (a refusal is a result, not an exception), then exchange."""
    timeout = TIMEOUT_SECONDS if timeout is None else timeout
    max_bytes = MAX_RESPONSE_BYTES if max_bytes is None else max_bytes
    started = time.monotonic()
    try:
        target = target_for(url, insecure=insecure)
    except UnsafeUrl as exc:
        elapsed = int((time.monotonic() - started) * 1000)
        return PostResult(None, elapsed, "", f"Refused: {exc}")
    return _exchange(
        target,
        method,
        body,
        headers,
        started=started,
        timeout=timeout,
        max_bytes=max_bytes,
    )


def _exchange(
    target: Target,
    method: str,
    body: bytes | None,
    headers: dict[str, str],
    *,
    started: float,
    timeout: float,
    max_bytes: int,
) -> PostResult:
    deadline = started + timeout

    def elapsed_ms() -> int:
        return int((time.monotonic() - started) * 1000)

    conn = _connection(target, timeout)
    status_code = None
    data = b""
    error = ""
    try:
        conn.request(method, target.path, body=body, headers=headers)
        conn.sock.settimeout(max(deadline - time.monotonic(), 0.001))
        response = conn.getresponse()
        status_code = response.status
        chunks: list[bytes] = []
        received = 0
        while received < max_bytes:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            if conn.sock is not None:
                conn.sock.settimeout(remaining)
            chunk = response.read1(min(8192, max_bytes - received))
            if not chunk:
                break
            chunks.append(chunk)
            received += len(chunk)
        data = b"".join(chunks)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        error = _describe(exc)
    finally:
        conn.close()
    duration = elapsed_ms()
    if not error and duration > timeout * 1000:
        error = "Timed out."
    return PostResult(
        status_code, duration, data.decode("utf-8", "replace"), error, body=data
    )
