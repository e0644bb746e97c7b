"""A local webhook receiver (http.server in a thread) and an independent signature check."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1; set ``status``, ``delay`` or ``reply`` to misbehave."""

    port: int = 0
    status: int = 200
    delay: float = 0.0
    reply: bytes = b'{"ok":true}'
    extra_headers: dict = field(default_factory=dict)
    requests: list = field(default_factory=list)
    scheme: str = "http"
    host: str = "127.0.0.1"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}/hooks/shoprocket"

    def url_for(self, host: str) -> str:
        return f"{self.scheme}://{host}:{self.port}/hooks/shoprocket"

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.requests


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.requests.append(
                Received(self.path, dict(self.headers.items()), body)
            )
            if receiver.delay:
                time.sleep(receiver.delay)
            self.send_response(receiver.status)
            for name, value in receiver.extra_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(receiver.reply)))
            self.send_header("Connection", "close")
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(receiver.reply)

        def log_message(self, *args):
            pass

    return Handler


def start_receiver(receiver: Receiver, wrap_socket=None):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    if wrap_socket is not None:
        server.socket = wrap_socket(server.socket)
    receiver.port = server.server_address[1]
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    return server


def verify_signature(
    header: str,
    body: bytes,
    secret: str,
    *,
    tolerance: int | None = None,
    now: int | None = None,
) -> bool:
    """An independent verifier, as a receiver would write it (mirrors webhooks/README.md)."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp, given = parts["t"], parts["v1"]
    if (
        tolerance is not None
        and abs((now or int(time.time())) - int(timestamp)) > tolerance
    ):
        return False
    expected = hmac.new(
        secret.encode("utf-8"), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, given)
