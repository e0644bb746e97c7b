"""The storefront widget as a shopper uses it, in headless Chromium (``tests/browser.py``).

Lean on purpose: each test walks one path end to end through the real page, the real API
and the offline gateway's 3-D Secure page, and fails on any JavaScript error."""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from carts.tests.factories import make_discount, make_product, make_shipping_method
from catalog.models import Review, Variant
from conversations.models import Conversation, Message
from conversations.services import message_post
from orders.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def storefront(page, live_server, shop, settings):
    """The store's page, with a candle, a £3.95 GB shipping method and SPRING20 (20% off)."""
    settings.PUBLIC_BASE_URL = live_server.url
    store = shop.store
    candle = make_product(store, name="Beeswax Candle", price=1250, stock=5)
    make_shipping_method(store, countries=["GB"])
    make_discount(store, code="SPRING20", value=20)
    page.goto(f"{live_server.url}/storefront/{shop.pk}/")
    page.locator(".sr-card", has_text="Beeswax Candle").wait_for()
    return candle


def settle(page) -> None:
    """Let the page's requests finish before the test reads the database (SQLite's shared
    in-memory database locks a table while the live server writes it)."""
    page.wait_for_load_state("networkidle")


@contextmanager
def host_page(html: str):
    """Another website on this machine (127.0.0.1, its own port) serving ``html``: a page on
    another origin than the live server's. Chromium refuses a public origin access to
    loopback, so the stand-in must itself be local."""
    body = html.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/bougies"
    finally:
        server.shutdown()
        server.server_close()


def stock(product) -> int:
    return Variant.objects.get(product=product).available_stock("test")


def add_to_cart_with_discount(page, name: str) -> None:
    page.locator(".sr-card", has_text=name).get_by_role(
        "button", name="Add to cart"
    ).click()
    panel = page.locator(".sr-panel")
    panel.get_by_label("Discount code").fill("SPRING20")
    panel.get_by_role("button", name="Apply").click()
    panel.locator(".sr-discount", has_text="SPRING20").wait_for()


def fill_details(page) -> None:
    panel = page.locator(".sr-panel")
    panel.get_by_role("button", name="Checkout").click()
    panel.get_by_label("Email").fill("sam@example.test")
    panel.get_by_label("First name").fill("Sam")
    panel.get_by_label("Last name").fill("Buyer")
    panel.get_by_label("Address", exact=True).fill("221B Baker Street")
    panel.get_by_label("City").fill("London")
    panel.get_by_label("Country").select_option("GB")
    panel.get_by_label("Postcode").fill("NW1 6XE")
    panel.get_by_role("button", name="Continue to shipping").click()
    panel.get_by_role("radio", name=re.compile("Royal Mail")).check()


def pay_with(page, card: str) -> None:
    panel = page.locator(".sr-panel")
    panel.get_by_label("Card PaymentMethod id").fill(card)
    panel.get_by_role("button", name="Place order").click()


#: The shop answers a shipping choice slowly (800 ms), as a busy one may: the shopper's
#: "Place order" right after choosing must still check out with that option.
SLOW_SHIPPING_CHOICE = """
const realFetch = window.fetch;
window.fetch = function (input, init) {
  const url = String((input && input.url) || input);
  if (url.includes("/cart/shipping-option") && init && init.method === "POST") {
    return new Promise((resolve) => setTimeout(resolve, 800))
      .then(() => realFetch.call(window, input, init));
  }
  return realFetch.call(window, input, init);
};
"""


def test_a_failed_3ds_payment_lets_the_shopper_pay_again_with_the_cart_kept(
    page, page_errors, storefront
):
    page.add_init_script(SLOW_SHIPPING_CHOICE)
    page.reload()
    add_to_cart_with_discount(page, "Beeswax Candle")
    # The estimate for the visitor's country before any address: £3.95 to GB, 20% off shown
    # with a minus.
    totals = page.locator(".sr-panel .sr-estimate .sr-totals")
    totals.get_by_text("Shipping (estimate)").wait_for()
    text = totals.inner_text()
    assert "£3.95" in text and "\u2212£2.50" in text, text
    assert page.locator(".sr-estimate-country").input_value() == "GB"
    fill_details(page)
    pay_with(page, "pm_card_authenticationRequired")

    # The offline gateway's 3-D Secure page: the shopper's bank refuses.
    page.get_by_role("button", name=re.compile("Fail", re.I)).click()

    panel = page.locator(".sr-panel")
    panel.get_by_text("did not go through").wait_for()
    assert "ord_" not in panel.inner_text() and "order=" not in page.url
    panel.locator(".sr-totals", has_text="Discount").wait_for()
    settle(page)
    cart = Order.objects.get(type="cart")
    assert cart.discount_code == "SPRING20" and stock(storefront) == 5

    pay_with(page, "pm_card_visa")
    panel.get_by_text("Thank you for your order").wait_for()
    # The full confirmation: line, every total (the discount with a minus), the address with
    # its country's name, and the next steps.
    confirmation = panel.locator(".sr-confirmation").inner_text()
    for expected in (
        "Beeswax Candle",
        "£12.50 each",
        "Subtotal",
        "\u2212£2.50",
        "Shipping",
        "£3.95",
        "Tax",
        "Total",
        "United Kingdom",
        "221B Baker Street",
        "Royal Mail",
        "We have emailed a confirmation to sam@example.test",
    ):
        assert expected in confirmation, expected
    assert "ord_" not in confirmation
    settle(page)
    order = Order.objects.get(pk=cart.pk)
    assert order.payment_status == "paid" and order.order_number is not None
    assert stock(storefront) == 4
    assert page_errors == []


PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000201a5d6e1f40000000049454e44ae426082"
)


def test_the_selected_variant_sets_price_and_image_and_markdown_is_rendered(
    page, page_errors, live_server, shop
):
    from catalog.models import Media
    from catalog.tests.factories import make_variant_product

    page.route(
        "**/media/**",
        lambda route: route.fulfill(status=200, content_type="image/png", body=PIXEL),
    )
    shirt = make_variant_product(
        shop.store,
        "Linen shirt",
        description="Woven **soft** linen.\n\n<script>alert(1)</script>",
    )
    Media.objects.create(product=shirt, file="uploads/red.png", alt="Red", position=0)
    blue = Media.objects.create(
        product=shirt, file="uploads/blue.png", alt="Blue", position=1
    )
    Variant.objects.filter(product=shirt, sku__endswith="-B").update(media=blue)
    Review.objects.create(
        store=shop.store,
        mode="live",
        product=shirt,
        rating=4,
        body="Lovely weave.",
        author_name="Grace",
        status="approved",
    )

    page.goto(f"{live_server.url}/storefront/{shop.pk}/?product={shirt.slug}")
    detail = page.locator(".sr-detail")
    detail.locator(".sr-description strong", has_text="soft").wait_for()
    assert "<script" not in detail.locator(".sr-description").inner_html()
    image = detail.locator("img.sr-detail-image")
    assert image.get_attribute("src").endswith("uploads/red.png")
    assert detail.locator(".sr-headline-price").inner_text().startswith("£24.00")

    detail.get_by_label("Size").select_option("M")
    detail.get_by_label("Colour").select_option("Blue")
    assert detail.locator(".sr-headline-price").inner_text().startswith("£30.00")
    assert image.get_attribute("src").endswith("uploads/blue.png")
    assert image.get_attribute("alt") == "Blue"

    # Reviews: the approved one is shown; a shopper writes one, which waits for moderation.
    reviews = page.locator(".sr-reviews-section")
    reviews.get_by_text("Lovely weave").wait_for()
    assert "\u2605\u2605\u2605\u2605\u2606" in reviews.inner_text()
    reviews.get_by_label("Rating").select_option("5")
    reviews.get_by_label("Review").fill("Soft and cool in summer.")
    reviews.get_by_label("Name (optional)").fill("Ada")
    reviews.get_by_role("button", name="Send review").click()
    reviews.get_by_text("Enter your email address.").wait_for()
    reviews.get_by_label("Email").fill("ada@example.test")
    reviews.get_by_role("button", name="Send review").click()
    reviews.get_by_text("once the shop has approved it").wait_for()
    settle(page)
    written = Review.objects.get(body="Soft and cool in summer.")
    assert written.status == "pending_moderation" and written.rating == 5
    assert page_errors == []


def _rgb(css: str) -> tuple[int, int, int]:
    return tuple(int(n) for n in re.findall(r"\d+", css)[:3])


def _contrast(a, b) -> float:
    def lum(rgb):
        parts = []
        for c in rgb:
            v = c / 255
            parts.append(v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4)
        return 0.2126 * parts[0] + 0.7152 * parts[1] + 0.0722 * parts[2]

    x, y = sorted([lum(a), lum(b)], reverse=True)
    return (x + 0.05) / (y + 0.05)


def test_keyboard_stays_in_the_drawer_and_esc_goes_back_to_the_cart_button(
    page, page_errors, storefront
):
    # The default orange: text on it, and it as text on white, both pass AA.
    button = page.locator(".sr-card .sr-button").first
    colours = button.evaluate(
        "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]"
    )
    assert _contrast(_rgb(colours[0]), _rgb(colours[1])) >= 4.5, colours

    # Added from the card: the drawer opens; Esc gives focus to the cart button.
    button.focus()
    page.keyboard.press("Enter")
    panel = page.locator(".sr-panel")
    panel.locator(".sr-line").wait_for()
    page.keyboard.press("Escape")
    assert panel.is_hidden()
    assert page.evaluate("document.activeElement.textContent") == "Cart 1"

    page.locator(".sr-cart-button").focus()
    page.keyboard.press("Enter")
    panel.locator(".sr-estimate .sr-totals").wait_for()
    inside = (
        "() => document.querySelector('.sr-panel').contains(document.activeElement)"
    )
    seen = set()
    for _ in range(14):
        page.keyboard.press("Tab")
        assert page.evaluate(inside)
        seen.add(page.evaluate("document.activeElement.outerHTML.slice(0, 60)"))
    assert len(seen) >= 5  # it went round the drawer's controls, not stuck on one
    for _ in range(3):
        page.keyboard.press("Tab")
        assert page.evaluate(inside)
        page.keyboard.press("Shift+Tab")
        assert page.evaluate(inside)
    page.keyboard.press("Escape")
    assert panel.is_hidden()
    assert page.evaluate("document.activeElement.classList.contains('sr-cart-button')")

    # The chat both ways: the shopper writes, the seller answers (through the conversations
    # service, as the dashboard does) and the shopper reads it; Esc closes it and focus
    # returns to its button.
    page.locator(".sr-chat-bubble").click()
    chat = page.locator(".sr-chat")
    chat.get_by_label("Message").fill("Do you gift-wrap?")
    chat.get_by_role("button", name="Send").click()
    chat.locator(".sr-chat-visitor", has_text="Do you gift-wrap?").wait_for()
    settle(page)
    conversation = Conversation.objects.get()
    message_post(
        conversation=conversation,
        sender=Message.Sender.SELLER,
        body="Yes, in brown paper, for free.",
    )
    page.keyboard.press("Escape")
    assert chat.is_hidden()
    assert page.evaluate("document.activeElement.classList.contains('sr-chat-bubble')")
    page.keyboard.press("Enter")  # open again: the reply is fetched at once
    chat.locator(".sr-chat-seller", has_text="in brown paper").wait_for()
    assert chat.locator(".sr-chat-message").count() == 2
    assert page_errors == []


def tab_to(page, condition: str, limit: int = 60) -> None:
    """Press Tab until the focused element ``el`` meets the JavaScript ``condition``."""
    check = (
        f"() => {{ const el = document.activeElement; return !!el && ({condition}); }}"
    )
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(check):
            return
    raise AssertionError(f"Tab never reached {condition}")


def named(text: str) -> str:
    """A focus condition: the element's text or aria-label is ``text``."""
    return f"(el.textContent.trim() === {text!r} || el.getAttribute('aria-label') === {text!r})"


def tab_and_type(page, selector: str, text: str) -> None:
    tab_to(page, f"el.matches({selector!r})")
    page.keyboard.type(text)


def test_keyboard_only_checkout_of_two_products_of_a_category_after_a_declined_card(
    page, page_errors, live_server, shop, storefront
):
    """Tab, Enter and Space (and typing) only: filter by category, add two products, check
    out, a declined test card from the picker, then a good one, up to the confirmation."""
    from catalog.tests.factories import make_category

    candles = make_category(shop.store, "Candles", slug="candles")
    storefront.categories.add(candles)
    tealight = make_product(shop.store, name="Soy Tealight", price=400, stock=5)
    tealight.categories.add(candles)
    make_product(shop.store, name="Gift Card", price=2000, stock=5)
    page.reload()
    page.locator(".sr-card", has_text="Gift Card").wait_for()

    tab_and_type(page, "select[name=category]", "Candles")
    expect(page).to_have_url(re.compile(r"sr_category=candles"))
    expect(page.locator(".sr-card")).to_have_count(2)
    assert page.locator(".sr-card", has_text="Gift Card").count() == 0

    add = "el.classList.contains('sr-button') && el.closest('.sr-card') && "
    tab_to(page, add + "el.closest('.sr-card').textContent.includes('Beeswax Candle')")
    page.keyboard.press("Enter")
    panel = page.locator(".sr-panel")
    panel.locator(".sr-line", has_text="Beeswax Candle").wait_for()
    page.keyboard.press("Escape")
    tab_to(page, add + "el.closest('.sr-card').textContent.includes('Soy Tealight')")
    page.keyboard.press("Space")
    panel.locator(".sr-line", has_text="Soy Tealight").wait_for()
    assert panel.locator(".sr-line").count() == 2

    tab_to(page, named("Checkout"))
    page.keyboard.press("Enter")
    for selector, text in (
        ("input[name=email]", "kim@example.test"),
        ("input[name=firstName]", "Kim"),
        ("input[name=lastName]", "Keys"),
        ("input[name=line1]", "10 Downing Street"),
        ("input[name=city]", "London"),
        ("select[name=countryCode]", "United Kingdom"),
        ("input[name=postcode]", "SW1A 2AA"),
    ):
        tab_and_type(page, selector, text)
    tab_to(page, named("Continue to shipping"))
    page.keyboard.press("Enter")
    panel.get_by_role("radio", name=re.compile("Royal Mail")).wait_for()
    tab_to(page, "el.type === 'radio' && el.name !== 'paymentMethod'")
    page.keyboard.press("Space")
    expect(panel.get_by_role("radio", name=re.compile("Royal Mail"))).to_be_checked()

    tab_and_type(page, "select[aria-label='Stripe test cards']", "pm_card_c")
    assert panel.locator("input[name=cardPaymentMethod]").input_value() == (
        "pm_card_chargeDeclined"
    )
    tab_to(page, named("Place order"))
    page.keyboard.press("Enter")
    panel.get_by_text("Your card was declined.").first.wait_for()

    tab_and_type(page, "select[aria-label='Stripe test cards']", "pm_card_v")
    tab_to(page, named("Place order"))
    page.keyboard.press("Enter")
    panel.get_by_text("Thank you for your order").wait_for()
    confirmation = panel.locator(".sr-confirmation").inner_text()
    assert "Beeswax Candle" in confirmation and "Soy Tealight" in confirmation
    settle(page)
    order = Order.objects.get(email="kim@example.test")
    assert order.payment_status == "paid" and order.items.count() == 2
    # The one refused request (402 on the declined card) is logged by Chromium itself.
    assert [e for e in page_errors if "status of 402" not in e] == []


def test_small_things_search_in_the_url_steppers_email_first_and_human_errors(
    page, page_errors, live_server, shop, storefront
):
    make_product(shop.store, name="Soy Tealight", price=400, stock=5)
    page.reload()
    page.locator(".sr-card", has_text="Soy Tealight").wait_for()
    catalog = page.locator(".sr-catalog")
    catalog.get_by_label("Search products").fill("Beeswax")
    catalog.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"sr_q=Beeswax"))
    page.reload()
    page.locator(".sr-card", has_text="Beeswax Candle").wait_for()
    assert page.locator(".sr-card").count() == 1
    assert catalog.get_by_label("Search products").input_value() == "Beeswax"

    page.locator(".sr-card").get_by_role("button", name="Add to cart").click()
    panel = page.locator(".sr-panel")
    line = panel.locator(".sr-line").first
    line.get_by_role("button", name="One more Beeswax Candle").click()
    line.locator(".sr-line-total", has_text="£25.00").wait_for()
    line.get_by_role("button", name="One fewer Beeswax Candle").click()
    line.locator(".sr-line-total", has_text="£12.50").wait_for()

    # Step 1 refuses an empty email at once, and names fields as people read them.
    panel.get_by_role("button", name="Checkout").click()
    panel.get_by_role("button", name="Continue to shipping").click()
    panel.get_by_text("Enter your email address.").first.wait_for()
    panel.get_by_label("Email").fill("sam@example.test")
    panel.get_by_role("button", name="Continue to shipping").click()
    panel.locator(".sr-field-error").first.wait_for()
    text = panel.inner_text()
    assert "First name" in text and "firstName" not in text and "line1" not in text

    # Signing in says the same for any email.
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Sign in").click()
    panel.get_by_label("Email").fill("nobody@example.test")
    panel.get_by_role("button", name="Email me a sign-in link").click()
    panel.get_by_text("If nobody@example.test has an account").wait_for()
    assert "no account" not in panel.inner_text()
    # The one refused request (422 on the incomplete address) is logged by Chromium itself.
    assert [e for e in page_errors if "status of 422" not in e] == []


def test_buy_buttons_on_a_french_page_of_another_origin(
    page, page_errors, live_server, shop, storefront
):
    """The widget embedded on another site (another origin: a second local server): a buy
    button adds to the cart, the texts follow the page's French, money as the API formats
    it for French, and the checkout completes across origins (CORS)."""
    store = shop.store
    store.supported_locales = ["en", "fr", "de"]
    store.branding = {**(store.branding or {}), "primary_color": "#1a3a8a"}
    store.save(update_fields=["supported_locales", "branding"])
    html = f"""<!doctype html><html lang="fr"><head><meta charset="utf-8"></head><body>
      <div data-shoprocket="cart"></div>
      <p><button data-shoprocket-add="{storefront.pk}">Acheter la bougie</button></p>
      <script src="{live_server.url}/static/storefront/shoprocket.js"
              data-publishable-key="{shop.pk}" data-api-base="{live_server.url}"></script>
    </body></html>"""
    with host_page(html) as url:
        page.goto(url)
        page.get_by_role("button", name="Panier").wait_for()
        _buy_in_french(page, page_errors)


def _buy_in_french(page, page_errors) -> None:
    page.get_by_role("button", name="Acheter la bougie").click()
    panel = page.locator(".sr-panel")
    panel.get_by_role("heading", name="Votre panier").wait_for()
    panel.locator(".sr-line", has_text="Beeswax Candle").wait_for()
    assert "12,50" in panel.locator(".sr-line").inner_text()  # the API's French format
    assert panel.get_by_role("button", name="Commander").is_visible()
    # The store's dark blue: white text on it.
    colour = page.get_by_role("button", name="Commander").evaluate(
        "b => getComputedStyle(b).color"
    )
    assert _rgb(colour) == (255, 255, 255)

    # Checkout across origins, in French.
    panel.get_by_role("button", name="Commander").click()
    form = panel.locator("form.sr-form")
    form.locator("[name=email]").fill("sam@example.test")
    for name, value in (
        ("firstName", "Sam"),
        ("lastName", "Buyer"),
        ("line1", "221B Baker Street"),
        ("city", "London"),
        ("postcode", "NW1 6XE"),
    ):
        form.locator(f"input[name={name}]").fill(value)
    form.locator("select[name=countryCode]").select_option("GB")
    panel.get_by_role("button", name="Continuer vers la livraison").click()
    panel.get_by_role("radio", name=re.compile("Royal Mail")).check()
    panel.locator("input[name=cardPaymentMethod]").fill("pm_card_visa")
    panel.get_by_role("button", name="Passer la commande").click()
    panel.get_by_text("Merci pour votre commande").wait_for()
    text = panel.inner_text()
    assert "Royaume-Uni" in text
    # Sentences with values are translated whole.
    assert "Nous avons envoyé une confirmation à sam@example.test." in text
    assert "12,50\u00a0£ l'unité" in text, text
    assert page_errors == []


STRIPE_STANDIN = Path(__file__).with_name("stripe_standin.js")


def test_with_a_stripe_key_the_card_is_collected_with_stripe_elements(
    page, page_errors, live_server, shop, settings, storefront
):
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_standin"
    settings.STRIPE_JS_URL = f"{live_server.url}/stripe-standin/v3/"
    page.route(
        f"{live_server.url}/stripe-standin/**",
        lambda route: route.fulfill(
            status=200,
            content_type="application/javascript",
            body=STRIPE_STANDIN.read_text(),
        ),
    )
    page.reload()
    page.locator(".sr-card", has_text="Beeswax Candle").get_by_role(
        "button", name="Add to cart"
    ).click()
    fill_details(page)
    panel = page.locator(".sr-panel")
    number = panel.get_by_label("Card number")
    number.wait_for()
    assert panel.locator("select[aria-label='Stripe test cards']").count() == 0

    number.fill("4000 0000 0000 0002")
    panel.get_by_role("button", name="Place order").click()
    panel.get_by_text("Your card was declined.").wait_for()

    # 3-D Secure in the page (stripe.handleNextAction with checkout's clientSecret): the
    # shopper's bank refuses, and the cart comes back to pay again.
    threeds = "4000 0027 6000 3184"
    number.fill(threeds)
    panel.get_by_role("button", name="Place order").click()
    dialog = page.get_by_role("dialog", name="3D Secure test authentication")
    dialog.get_by_role("button", name="Fail authentication").click()
    panel.get_by_text("Your cart is kept").wait_for()
    assert "order=" not in page.url  # never left the page
    settle(page)
    failed = Order.objects.get(type="cart")
    assert failed.payment_intent_id == "" and stock(storefront) == 5

    # Approved this time: the confirmation, the order paid.
    number = panel.get_by_label("Card number")
    number.fill(threeds)
    panel.get_by_role("button", name="Place order").click()
    dialog.get_by_role("button", name="Complete authentication").click()
    panel.get_by_text("Thank you for your order").wait_for()
    panel.get_by_text("Paid", exact=True).wait_for()
    settle(page)
    order = Order.objects.get(pk=failed.pk)
    assert order.payment_status == "paid" and order.order_number is not None
    assert stock(storefront) == 4
    record = page.evaluate("() => window.__stripeStandIn")
    assert record["key"] == "pk_test_standin"
    assert [c["number"] for c in record["created"]] == [
        "4000000000000002",
        "4000002760003184",
        "4000002760003184",
    ]
    (first, second) = record["nextActions"]
    assert first.startswith("pi_test_") and "_secret_" in first and second != first
    assert page_errors == []


def test_sign_in_by_the_emailed_link_shows_the_order_on_a_phone(
    page, page_errors, live_server, shop, public, storefront
):
    from django.core import mail

    token = "crt_" + "a" * 32
    body = {"productId": storefront.pk, "quantity": 1}
    assert public.post("/cart/items", body, cart=token).status_code == 200
    address = {
        "firstName": "Sam",
        "lastName": "Buyer",
        "line1": "221B Baker Street",
        "city": "London",
        "postcode": "NW1 6XE",
        "countryCode": "GB",
    }
    public.put(
        "/cart/checkout-data",
        {
            "email": "sam@example.test",
            "shippingAddress": address,
            "sameAsShipping": True,
        },
        cart=token,
    )
    option = public.get("/cart/shipping-options", cart=token).json()["data"][0]
    public.post("/cart/shipping-option", {"shippingOptionId": option["id"]}, cart=token)
    paid = public.post("/cart/checkout", {"paymentMethod": "pm_card_visa"}, cart=token)
    number = paid.json()["data"]["orderNumber"]

    page.set_viewport_size({"width": 390, "height": 844})
    mail.outbox.clear()
    page.get_by_role("button", name="Sign in").click()
    panel = page.locator(".sr-panel")
    panel.get_by_label("Email").fill("sam@example.test")
    panel.get_by_role("button", name="Email me a sign-in link").click()
    panel.get_by_text("a sign-in link is on its way").wait_for()
    (message,) = mail.outbox
    link = next(w for w in message.body.split() if "login_token=" in w)
    assert link.startswith(live_server.url)

    page.goto(link)
    panel.get_by_role("heading", name="Your account").wait_for()
    panel.get_by_role("button", name=f"#{number}").click()
    panel.get_by_text("Beeswax Candle").first.wait_for()
    assert "login_token" not in page.url
    # Nothing sticks out of a 390 px screen.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert page_errors == []


def test_a_bundle_shows_what_it_includes_and_saves_and_sells_its_components(
    page, page_errors, live_server, shop
):
    from catalog import services as catalog_services
    from catalog.tests.factories import default_variant

    store_page = f"{live_server.url}/storefront/{shop.pk}/"
    candle = make_product(shop.store, name="Candle", price=1500, stock=6)
    holder = make_product(shop.store, name="Holder", price=1000, stock=5)
    bundle = catalog_services.product_create(
        store=shop.store,
        data={
            "name": "Gift set",
            "price": 3500,
            "product_type": "bundle",
            "status": "published",
            "components": [
                {"variant_id": default_variant(candle).pk, "quantity": 2},
                {"variant_id": default_variant(holder).pk, "quantity": 1},
            ],
        },
        mode="test",
    )

    page.goto(f"{store_page}?product={bundle.slug}")
    detail = page.locator(".sr-detail")
    contents = detail.locator(".sr-bundle-contents")
    contents.wait_for()
    assert contents.inner_text() == "Includes: 2 \u00d7 Candle, 1 \u00d7 Holder"
    # 2 x £15 + £10 = £40 separately, £35 as a set.
    assert "Save £5.00" in detail.locator(".sr-bundle-saving").inner_text()

    detail.get_by_role("button", name="Add to cart").click()
    page.locator(".sr-panel").get_by_text("Gift set").wait_for()
    settle(page)
    assert page_errors == []
