"""A local stand-in for a merchant's image host: http.server in a thread on 127.0.0.1."""

from __future__ import annotations

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@contextlib.contextmanager
def image_server(files: dict[str, bytes], media_root: str | None = None):
    """Serve ``files`` (path -> bytes) and ``/media/<name>`` from ``media_root``; anything
    else is a 404. Yields the server; ``server.requests`` lists the paths asked for."""
    requests: list[str] = []

    def lookup(path: str) -> bytes | None:
        if path in files:
            return files[path]
        if media_root and path.startswith("/media/"):
            target = Path(media_root, path.removeprefix("/media/")).resolve()
            if target.is_relative_to(Path(media_root).resolve()) and target.is_file():
                return target.read_bytes()
        return None

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            body = lookup(self.path)
            self.send_response(200 if body is not None else 404)
            body = body if body is not None else b"not found"
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.requests = requests
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
