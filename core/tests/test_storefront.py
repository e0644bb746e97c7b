"""The storefront page, its static files, the widget's JavaScript helpers and the links to the
storefront (login links, seed_demo)."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from core.models import ApiKey, hash_key
from core.storefront import storefront_url
from tests.processes import tool_missing

pytestmark = pytest.mark.django_db

JS_TEST = Path(__file__).parent / "js" / "shoprocket.test.cjs"


def page(key: str, host: str = "testserver"):
    return Client().get(f"/storefront/{key}/", HTTP_HOST=host)


# -- the page ---------------------------------------------------------------------------


def test_page_for_a_publishable_test_key(shop):
    response = page(shop.pk)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "<title>Acme Candles</title>" in html
    assert f'data-publishable-key="{shop.pk}"' in html
    # The widget calls the server that served the page.
    assert 'data-api-base="http://testserver"' in html
    assert 'src="/static/storefront/shoprocket.js"' in html
    assert 'href="/static/storefront/shoprocket.css"' in html
    assert 'data-shoprocket="catalog"' in html and 'data-shoprocket="cart"' in html
    assert "Test mode: use the test card ids" in html
    assert 'name="robots" content="noindex"' in html
    # The secret key is nowhere on the page.
    assert shop.sk not in html and shop.live_sk not in html
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "connect-src 'self' http://testserver" in csp
    assert "unsafe-inline" not in csp


@pytest.mark.parametrize("host", ["127.0.0.1:9000", "localhost:18123", "[::1]:9000"])
def test_page_on_any_port_points_the_widget_at_its_own_origin(shop, settings, host):
    """`PORT=9000 make run`: with PUBLIC_BASE_URL unset, the page's API base and its CSP are
    the address the page was requested on, not a configured default."""
    settings.PUBLIC_BASE_URL = ""
    settings.SERVER_URL = "http://127.0.0.1:8000"

    response = page(shop.pk, host=host)

    assert response.status_code == 200
    assert f'data-api-base="http://{host}"' in response.content.decode()
    assert f"connect-src 'self' http://{host};" in response["Content-Security-Policy"]
    assert "127.0.0.1:8000" not in response["Content-Security-Policy"]


def test_page_refuses_a_host_that_is_not_allowed(shop, settings):
    """The API base comes from the Host header only once Django has validated it."""
    settings.PUBLIC_BASE_URL = ""
    response = page(shop.pk, host="evil.invalid")
    assert response.status_code == 400
    assert b"evil.invalid" not in response.content


def test_page_for_a_live_key_has_no_test_notice(shop):
    response = page(shop.live_pk)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-publishable-key="{shop.live_pk}"' in html
    assert "Test mode" not in html and "noindex" not in html


def test_page_uses_public_base_url_as_api_base_and_escapes_the_store_name(
    shop, settings
):
    settings.PUBLIC_BASE_URL = "https://shop-api.example.com/"
    shop.store.name = 'Acme <script>alert("x")</script>'
    shop.store.save()

    html = page(shop.pk).content.decode()

    assert 'data-api-base="https://shop-api.example.com"' in html
    assert "<script>alert" not in html
    assert "Acme &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "which", ["unknown", "unknown_sk", "revoked", "secret", "live_secret"]
)
def test_no_page_without_an_active_publishable_key(shop, which):
    if which == "revoked":
        ApiKey.objects.filter(hashed_key=hash_key(shop.pk)).update(
            revoked_at=timezone.now()
        )
    key = {
        "unknown": "pk_test_" + "x" * 32,
        "unknown_sk": "sk_test_" + "y" * 32,
        "revoked": shop.pk,
        "secret": shop.sk,
        "live_secret": shop.live_sk,
    }[which]

    response = page(key)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Shop not found" in html
    assert key not in html  # never echoed, above all a secret key
    assert "Acme Candles" not in html
    assert response["Cache-Control"] == "no-store"


def test_page_refuses_post(shop):
    assert Client().post(f"/storefront/{shop.pk}/").status_code == 405


# -- static files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["storefront/shoprocket.js", "storefront/shoprocket.css"]
)
def test_widget_files_are_found_by_the_staticfiles_finders(name):
    found = finders.find(name)
    assert found is not None and Path(found).is_file()
    assert Path(found).stat().st_size > 1000


def test_widget_files_are_served(settings):
    # WhiteNoise serves straight from the finders here (as with DEBUG on), without collectstatic.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    client = Client()  # a fresh handler, so WhiteNoise reads the settings above

    script = client.get("/static/storefront/shoprocket.js")
    style = client.get("/static/storefront/shoprocket.css")

    assert script.status_code == 200 and "javascript" in script["Content-Type"]
    assert b"data-publishable-key" in b"".join(script.streaming_content)
    assert style.status_code == 200 and style["Content-Type"].startswith("text/css")
    assert b"--sr-primary" in b"".join(style.streaming_content)


def test_widget_never_parses_html():
    source = Path(finders.find("storefront/shoprocket.js")).read_text()
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
    ):
        assert sink not in source
    # The one HTML the widget reads (descriptionHtml, sanitised by the API) is parsed inert by
    # DOMParser in safeFragment, which rebuilds allowed elements one by one.
    assert source.count("parseFromString") == 1
    assert (
        "formatted" in source
        and "toFixed" not in source
        and "Intl.NumberFormat" not in source
    )


def test_widget_helpers_with_node_test_runner():
    if shutil.which("node") is None:
        tool_missing("needs node (the widget's helpers run under node --test)")
    result = subprocess.run(
        [shutil.which("node"), "--test", str(JS_TEST)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    passed = re.search(r"^# pass (\d+)", result.stdout, re.MULTILINE)
    assert passed and int(passed.group(1)) >= 10, result.stdout


# -- links to the storefront ------------------------------------------------------------


def _customer(store, email, mode="test"):
    from customers.models import Customer

    return Customer.objects.create(store=store, email=email, mode=mode)


def _login_link(public, email):
    mail.outbox.clear()
    assert public.post("/cart/send-auth", {"email": email}).status_code == 200
    (message,) = mail.outbox
    return next(
        line.strip() for line in message.body.splitlines() if "login_token=" in line
    )


@pytest.mark.parametrize("mode", ["test", "live"])
def test_login_link_defaults_to_the_storefront_page_of_the_key_mode(
    shop, api_client_for, settings, mode
):
    settings.STOREFRONT_URL = ""
    settings.PUBLIC_BASE_URL = "https://shop-api.example.com"
    _customer(shop.store, "sam@example.com", mode)
    pk = shop.pk if mode == "test" else shop.live_pk

    link = _login_link(api_client_for("public", pk), "sam@example.com")

    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        f"https://shop-api.example.com/storefront/{pk}/"
    )
    (token,) = parse_qs(parts.query)["login_token"]
    assert token.startswith("lnk_")
    # The page it points at exists, and the token signs in with that key.
    assert page(pk).status_code == 200
    verified = api_client_for("public", pk).post(
        "/cart/verify-auth", {"token": token}, cart="visitor-1"
    )
    assert verified.status_code == 200, verified.content


def test_emailed_login_link_uses_the_started_address_not_the_host_header(
    shop, settings, django_capture_on_commit_callbacks
):
    """`PORT=9000 make run` passes SERVER_URL down: emailed links carry that port, and a
    request's Host header (which a client chooses) never ends up in an email."""
    settings.STOREFRONT_URL = ""
    settings.PUBLIC_BASE_URL = ""
    settings.SERVER_URL = "http://0.0.0.0:9000"
    settings.ALLOWED_HOSTS = ["*"]
    _customer(shop.store, "sam@example.com")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            f"/v3/public/{shop.pk}/cart/send-auth",
            {"email": "sam@example.com"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {shop.pk}",
            HTTP_X_CART_TOKEN="visitor-1",
            HTTP_HOST="attacker.invalid",
        )

    assert response.status_code == 200, response.content
    (message,) = mail.outbox
    assert f"http://127.0.0.1:9000/storefront/{shop.pk}/?login_token=lnk_" in (
        message.body
    )
    assert "attacker.invalid" not in message.body


def test_login_link_keeps_a_configured_storefront_url(shop, public, settings):
    settings.STOREFRONT_URL = "https://fallback.example/login"
    _customer(shop.store, "sam@example.com")
    assert _login_link(public, "sam@example.com").startswith(
        "https://fallback.example/login?login_token=lnk_"
    )

    shop.store.storefront_url = "https://shop.example.com/account"
    shop.store.save()
    assert _login_link(public, "sam@example.com").startswith(
        "https://shop.example.com/account?login_token=lnk_"
    )


def test_storefront_url_uses_the_newest_active_key_of_the_mode(shop, settings):
    from core import services

    settings.STOREFRONT_URL = ""
    old = ApiKey.objects.get(hashed_key=hash_key(shop.pk))
    rolled = services.api_key_roll(api_key=old)

    assert storefront_url(store=shop.store, mode="test") == (
        f"http://127.0.0.1:8000/storefront/{rolled.raw}/"
    )
    assert storefront_url(
        store=shop.store, mode="test", base_url="http://localhost:9000/"
    ) == (f"http://localhost:9000/storefront/{rolled.raw}/")
    assert storefront_url(store=shop.store, mode="live") == (
        f"http://127.0.0.1:8000/storefront/{shop.live_pk}/"
    )
    ApiKey.objects.filter(store=shop.store, kind="publishable", mode="live").update(
        revoked_at=timezone.now()
    )
    assert storefront_url(store=shop.store, mode="live") == "http://127.0.0.1:8000/"


def test_seed_demo_prints_the_storefront_url(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command(
        "seed_demo", "--json", "--base-url", "http://localhost:9000/", stdout=out
    )
    info = json.loads(out.getvalue())
    pk = info["keys"]["test"]["publishable"]
    assert info["storefront"] == f"http://localhost:9000/storefront/{pk}/"

    text = io.StringIO()
    call_command("seed_demo", "--base-url", "http://localhost:9000", stdout=text)
    assert f"Storefront   http://localhost:9000/storefront/{pk}/\n" in text.getvalue()
    assert page(pk).status_code == 200


def test_feed_product_links_lead_to_the_storefront_page(shop, public, settings):
    from catalog.tests.factories import make_product

    settings.STOREFRONT_URL = ""
    make_product(shop.store, "Hand-poured candle")

    feed = public.get("/feeds/google.xml")
    body = b"".join(feed.streaming_content).decode()

    link = re.search(r"<g:link>([^<]+)</g:link>", body).group(1)
    # Served for a request: the feed links to the storefront page of the server it asked.
    assert link == f"http://testserver/storefront/{shop.pk}/products/hand-poured-candle"
    # That address opens the page on the product.
    response = Client().get(urlsplit(link).path)
    assert response.status_code == 302
    assert response["Location"] == f"/storefront/{shop.pk}/?product=hand-poured-candle"
    assert (
        Client().get(f"/storefront/{shop.sk}/products/hand-poured-candle").status_code
        == 404
    )


def test_page_language_follows_the_shopper_among_the_store_locales(shop, client):
    store = shop.store
    store.supported_locales = ["en", "fr", "de"]
    store.save(update_fields=["supported_locales"])
    url = f"/storefront/{shop.pk}/"
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5")
    assert '<html lang="fr">' in french.content.decode()
    assert "Accept-Language" in french["Vary"]
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es-ES")
    assert f'<html lang="{store.locale}">' in spanish.content.decode()
