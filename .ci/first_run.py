#!/usr/bin/env python3
"""CI: the README's first command works on a fresh clone, on any port (standard library only).

Clones this repository (its committed HEAD) into a temporary folder, runs `make run` there on
a free port with nothing else set up (no database URL, no Redis, no var/), waits for the
summary block it ends with, then checks over HTTP, as a newcomer's browser would:

- the storefront page loads, tells the widget the API is this server on this port, allows
  exactly that in its Content-Security-Policy, and its script and stylesheet are served;
- the API answers the printed publishable key (also to a cross-origin browser request) and
  the printed secret key;
- the docs pages (Swagger UI, ReDoc) and every asset they reference are served by this
  server, and the schema names this server;
- the dashboard login page answers and the printed login signs in;
- the landing page and the favicon are served;

then stops the server (its whole process group, by id), runs `make run` again on another port
and checks that nothing was undone: same store, same keys, the secret key still works, links
on the new port. Exits non-zero on the first failure, with the server's output.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: Installing from the package cache, migrating and seeding; generous for a loaded machine.
START_TIMEOUT = float(os.environ.get("FIRST_RUN_TIMEOUT", "900"))
HOST = "127.0.0.1"
#: What the first command must not inherit from CI (it runs with nothing configured).
CLEARED_ENV = (
    "DATABASE_URL",
    "REDIS_URL",
    "PUBLIC_BASE_URL",
    "SERVER_URL",
    "VAR_DIR",
    "STOREFRONT_URL",
    "ALLOWED_HOSTS",
    "DEBUG",
    "SECRET_KEY",
    "MAKEFLAGS",
    "VIRTUAL_ENV",
)


class Failed(Exception):
    pass


def check(condition, message: str) -> None:
    if not condition:
        raise Failed(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """`make run` in its own process group, output to a log file."""

    def __init__(self, clone: Path, port: int, log: Path):
        self.clone, self.port, self.log = clone, port, log
        env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENV}
        env.update(PORT=str(port), HOST=HOST, PYTHONUNBUFFERED="1")
        self.handle = log.open("wb")
        self.process = subprocess.Popen(
            ["make", "run"],
            cwd=clone,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_summary(self) -> dict:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            summary = parse_summary(self.output())
            if summary:
                return summary
            if self.process.poll() is not None:
                raise Failed(f"`make run` exited with {self.process.returncode}")
            time.sleep(1)
        raise Failed(f"no summary from `make run` within {START_TIMEOUT:.0f}s")

    def stop(self) -> None:
        """SIGTERM to the process group (make, the server and its reloader), then SIGKILL."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)
        # The reloader's child may outlive make for a moment: wait for the group to empty.
        for _ in range(40):
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.25)
        else:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.handle.close()


def parse_summary(text: str) -> dict | None:
    """The block `make run` ends with, as a dict; None until it is complete."""
    patterns = {
        "storefront": r"^\s*Storefront\s+(http\S+)",
        "dashboard": r"^\s*Dashboard\s+(http\S+)\s+(\S+) / (\S+)",
        "docs": r"^\s*API docs\s+(http\S+)",
        "pk": r"^\s*Test keys\s+(pk_test_\w+)\s+\(publishable\)",
        "sk": r"^\s*(sk_test_\w+)\s+\(secret\)",
        "curl": r"^\s*Try\s+(curl .+)$",
    }
    found = {}
    for name, pattern in patterns.items():
        matches = re.findall(pattern, text, re.MULTILINE)
        if not matches:
            return None
        found[name] = matches[-1]  # the latest block (it is printed again on reload)
    dashboard, email, password = found.pop("dashboard")
    found.update(dashboard=dashboard, email=email, password=password)
    return found


class Refs(HTMLParser):
    """Every src and href of a page."""

    def __init__(self):
        super().__init__()
        self.refs: list[str] = []
        self.attrs_by_tag: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.attrs_by_tag.append((tag, attrs))
        for name in ("src", "href"):
            if attrs.get(name):
                self.refs.append(attrs[name])


def fetch(url: str, *, headers=None, data=None, opener=None, method=None):
    """(status, headers, body) of a loopback URL; HTTP errors are answers too."""
    host = urllib.parse.urlsplit(url).hostname
    check(host in ("127.0.0.1", "localhost", "::1"), f"not a loopback URL: {url}")
    request = urllib.request.Request(
        url, headers=headers or {}, data=data, method=method
    )
    try:
        with (opener or urllib.request.build_opener()).open(
            request, timeout=30
        ) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def assets_are_local(base: str, page_url: str, html: str) -> int:
    """Every script, stylesheet and icon of the page is on this server and answers 200."""
    parser = Refs()
    parser.feed(html)
    count = 0
    for tag, attrs in parser.attrs_by_tag:
        ref = attrs.get("src") if tag == "script" else None
        if tag == "link" and attrs.get("rel", "") in ("stylesheet", "icon"):
            ref = attrs.get("href")
        if not ref:
            continue
        url = urllib.parse.urljoin(page_url, ref)
        check(url.startswith(base + "/"), f"{page_url} loads {ref} from elsewhere")
        status, _, body = fetch(url)
        check(status == 200 and body, f"{page_url}: {ref} answered {status}")
        count += 1
    return count


def check_server(summary: dict, port: int) -> None:
    base = f"http://{HOST}:{port}"
    pk, sk = summary["pk"], summary["sk"]
    check(summary["storefront"] == f"{base}/storefront/{pk}/", summary["storefront"])
    check(summary["docs"] == f"{base}/v3/docs", summary["docs"])
    check(summary["dashboard"] == f"{base}/admin/", summary["dashboard"])

    # The storefront page and its widget's API base.
    status, headers, body = fetch(summary["storefront"])
    html = body.decode()
    check(status == 200, f"storefront page answered {status}")
    check(f'data-api-base="{base}"' in html, "the widget is not told this server")
    check(
        f"connect-src 'self' {base}" in headers.get("Content-Security-Policy", ""),
        "the page's CSP does not allow this server",
    )
    check(assets_are_local(base, summary["storefront"], html) >= 2, "widget assets")

    # The API, with the printed keys, as the widget (cross-origin too) and a server would.
    auth = {"Authorization": f"Bearer {pk}", "Origin": "http://shop.test"}
    status, headers, body = fetch(f"{base}/v3/public/{pk}", headers=auth)
    check(status == 200, f"public API answered {status}: {body[:200]!r}")
    check(json.loads(body)["data"]["id"].startswith("str_"), "store metadata")
    check(headers.get("Access-Control-Allow-Origin"), "no CORS on the public API")
    status, _, body = fetch(f"{base}/v3/public/{pk}/products", headers=auth)
    check(status == 200 and json.loads(body)["data"], "no products in the demo store")
    status, _, body = fetch(
        f"{base}/v3/private/store", headers={"Authorization": f"Bearer {sk}"}
    )
    check(status == 200, f"private API answered {status} to the printed secret key")

    # Docs, every asset local; the schema names this server.
    for path in ("/v3/docs", "/v3/docs/", "/v3/redoc"):
        status, _, body = fetch(base + path)
        check(status == 200, f"{path} answered {status}")
        check(assets_are_local(base, base + path, body.decode()) >= 1, f"{path} assets")
    status, _, body = fetch(f"{base}/v3/schema?format=json")
    check(status == 200, f"/v3/schema answered {status}")
    check(json.loads(body)["servers"][0]["url"] == base, "schema servers")

    # The dashboard: the login page answers and the printed login signs in.
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    status, _, body = fetch(f"{base}/admin/login/", opener=opener)
    check(status == 200, f"dashboard login answered {status}")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    check(token, "no CSRF token on the login page")
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "username": summary["email"],
            "password": summary["password"],
            "next": "/admin/",
        }
    ).encode()
    status, _, body = fetch(
        f"{base}/admin/login/?next=/admin/",
        data=form,
        opener=opener,
        headers={"Referer": f"{base}/admin/login/", "Origin": base},
    )
    check(status == 200 and b"Log out" in body, "the printed login does not sign in")

    # The landing page and the favicon.
    status, _, body = fetch(f"{base}/")
    check(status == 200 and f"/storefront/{pk}/".encode() in body, "landing page")
    status, _, body = fetch(f"{base}/favicon.ico")
    check(status == 200 and body[:4] == b"\x00\x00\x01\x00", "favicon")


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="first-run-"))
    clone = workdir / "clone"
    server = None
    started = time.monotonic()
    try:
        subprocess.run(
            ["git", "clone", "--quiet", str(REPO), str(clone)],
            check=True,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
        check(not (clone / "var").exists(), "the clone already has var/")

        port = free_port()
        server = Server(clone, port, workdir / "run-1.log")
        first = server.wait_for_summary()
        ready = time.monotonic() - started
        # Before any request is logged, what `make run` printed ends with the block.
        printed = server.output()
        check(
            printed.rstrip().splitlines()[-1].lstrip().startswith("Try"),
            "the output does not end with the block",
        )
        check("Content-Type: text/" not in printed, "emails printed to the console")
        check_server(first, port)
        server.stop()

        # Again, on another port: nothing undone, links follow the port.
        port2 = free_port()
        server = Server(clone, port2, workdir / "run-2.log")
        second = server.wait_for_summary()
        check(
            (second["pk"], second["sk"]) == (first["pk"], first["sk"]), "keys changed"
        )
        check_server(second, port2)
        server.stop()
        server = None
        print(
            f"first run: `make run` ready in {ready:.0f}s on a fresh clone; "
            f"storefront, API, docs and dashboard checked on ports {port} and {port2}"
        )
        return 0
    except (
        Failed,
        subprocess.CalledProcessError,
        OSError,
        ValueError,
        KeyError,
    ) as exc:
        print(f"first run FAILED: {exc}", file=sys.stderr)
        if server is not None:
            print("---- make run output ----", file=sys.stderr)
            print(server.output()[-6000:], file=sys.stderr)
        return 1
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
