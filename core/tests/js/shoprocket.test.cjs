// The widget's pure helpers, without a browser: `node --test core/tests/js/shoprocket.test.cjs`.
// Run from core/tests/test_storefront.py. The widget file is evaluated with no window and no
// document, as a CommonJS module, exactly as shipped.
"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const test = require("node:test");
const vm = require("node:vm");
const { webcrypto } = require("node:crypto");

const SOURCE = path.join(__dirname, "..", "..", "..", "static", "storefront", "shoprocket.js");

function loadWidget() {
  const module = { exports: {} };
  const wrapper = vm.runInThisContext(
    "(function (module, window) {\n" + fs.readFileSync(SOURCE, "utf8") + "\n})",
    { filename: SOURCE }
  );
  wrapper(module, undefined);
  return module.exports;
}

const widget = loadWidget();
const h = widget.helpers;

/** A Storage double; `broken` throws like Safari's disabled storage. */
function memoryStorage(broken) {
  const data = new Map();
  return {
    data,
    getItem(key) {
      if (broken) throw new Error("SecurityError");
      return data.has(key) ? data.get(key) : null;
    },
    setItem(key, value) {
      if (broken) throw new Error("QuotaExceededError");
      data.set(key, String(value));
    },
  };
}

/** A minimal document: elements record what is set on them; HTML parsing is forbidden. */
function fakeDocument() {
  class FakeNode {
    constructor(tag) {
      this.tagName = tag;
      this.attributes = {};
      this.childNodes = [];
      this.listeners = {};
      this.textContent = "";
    }
    setAttribute(name, value) {
      this.attributes[name] = value;
    }
    appendChild(child) {
      this.childNodes.push(child);
      return child;
    }
    addEventListener(type, fn) {
      this.listeners[type] = fn;
    }
    set innerHTML(value) {
      throw new Error("innerHTML must never be used: " + value);
    }
    get innerHTML() {
      throw new Error("innerHTML must never be read");
    }
  }
  return {
    createElement: (tag) => new FakeNode(tag),
    createTextNode: (text) => ({ nodeType: 3, textContent: text }),
  };
}

test("loads without a browser and exposes its API", () => {
  assert.equal(typeof widget.init, "function");
  assert.equal(typeof widget.autoInit, "function");
  assert.deepEqual(
    widget.TEST_PAYMENT_METHODS.map((m) => m.id),
    ["pm_card_visa", "pm_card_chargeDeclined", "pm_card_authenticationRequired"]
  );
});

test("cart tokens are 128 random bits from the crypto API", () => {
  const token = h.generateToken(webcrypto);
  assert.match(token, /^crt_[0-9a-f]{32}$/);
  assert.notEqual(h.generateToken(webcrypto), token);
  const fixed = { getRandomValues: (array) => array.fill(0xab) };
  assert.equal(h.generateToken(fixed), "crt_" + "ab".repeat(16));
  assert.throws(() => h.generateToken(undefined), /crypto\.getRandomValues/);
  assert.ok(h.isValidCartToken(token));
  assert.ok(!h.isValidCartToken("has space"));
  assert.ok(!h.isValidCartToken("x".repeat(129)));
  assert.ok(!h.isValidCartToken(""));
});

test("the cart token is persisted per publishable key and reused", () => {
  const storage = memoryStorage(false);
  const first = h.loadCartToken(storage, "pk_test_A", webcrypto);
  assert.equal(storage.data.get("shoprocket:cart-token:pk_test_A"), first);
  assert.equal(h.loadCartToken(storage, "pk_test_A", webcrypto), first);
  const other = h.loadCartToken(storage, "pk_live_B", webcrypto);
  assert.notEqual(other, first);
  assert.equal(storage.data.get(h.cartTokenKey("pk_live_B")), other);

  storage.data.set(h.cartTokenKey("pk_test_A"), "bad token with spaces");
  const replaced = h.loadCartToken(storage, "pk_test_A", webcrypto);
  assert.match(replaced, /^crt_/);
  assert.equal(storage.data.get(h.cartTokenKey("pk_test_A")), replaced);

  // Storage that throws (privacy mode): a token for this page view, no crash.
  assert.match(h.loadCartToken(memoryStorage(true), "pk_test_A", webcrypto), /^crt_/);
  assert.match(h.loadCartToken(null, "pk_test_A", webcrypto), /^crt_/);
});

test("API URLs: base, key, path and query", () => {
  assert.equal(
    h.apiUrl("https://api.example/", "pk_test_1", "/cart"),
    "https://api.example/v3/public/pk_test_1/cart"
  );
  assert.equal(h.apiUrl("https://api.example", "pk_test_1", ""), "https://api.example/v3/public/pk_test_1");
  assert.equal(
    h.apiUrl("https://api.example", "pk_test_1", "/products",
      { category: "", q: "soy & wax", page: 2, perPage: null }),
    "https://api.example/v3/public/pk_test_1/products?q=soy%20%26%20wax&page=2"
  );
  assert.equal(h.apiUrl("", "pk_test_1", "products"), "/v3/public/pk_test_1/products");
  assert.equal("/orders/" + h.seg("../x?y#z"), "/orders/..%2Fx%3Fy%23z");
});

test("error messages come from the envelope, with fallbacks", () => {
  const declined = { error: { code: "card_declined", message: "Your card was declined." } };
  assert.equal(h.errorMessage(402, declined), "Your card was declined.");
  const invalid = {
    error: {
      code: "validation_failed",
      message: "The postcode field is required.",
      fields: { "shippingAddress.postcode": ["The postcode field is required."], email: "Enter a valid email." },
    },
  };
  assert.equal(h.errorMessage(422, invalid), "The postcode field is required.");
  assert.deepEqual(h.fieldErrors(invalid), {
    "shippingAddress.postcode": ["The postcode field is required."],
    email: ["Enter a valid email."],
  });
  assert.deepEqual(h.fieldErrors(null), {});
  assert.match(h.errorMessage(0, null), /Could not reach the store/);
  assert.match(h.errorMessage(429, null), /Too many requests/);
  assert.match(h.errorMessage(502, "<html>"), /could not answer/);
  assert.equal(h.errorMessage(404, { error: { message: "" } }), "Something went wrong (HTTP 404).");
});

test("money is shown only as the API formatted it", () => {
  assert.equal(h.moneyText({ amount: 2400, currency: "GBP", formatted: "£24.00" }), "£24.00");
  assert.equal(h.moneyText({ amount: 2400, currency: "EUR", formatted: "24,00 €" }), "24,00 €");
  assert.equal(h.moneyText({ amount: 2400, currency: "GBP" }), "");
  assert.equal(h.moneyText(null), "");
});

test("only http(s) URLs are followed", () => {
  const page = "https://api.example/payments/test-3ds/pi_1";
  assert.equal(h.safeHttpUrl(page), page);
  assert.equal(
    h.safeHttpUrl("/payments/test-3ds/pi_1", "http://shop.example/x"),
    "http://shop.example/payments/test-3ds/pi_1"
  );
  assert.equal(h.safeHttpUrl("javascript:alert(1)"), null);
  assert.equal(h.safeHttpUrl("data:text/html,<b>x</b>"), null);
  assert.equal(h.safeHttpUrl("not a url"), null);
  assert.equal(h.safeHttpUrl(null), null);
});

test("the return URL is this page without the widget's own parameters", () => {
  assert.equal(
    h.returnUrlFor(
      "https://shop.example/storefront/pk_test_1/?ref=ad&order=ord_1&login_token=lnk_x&product=candle#top"
    ),
    "https://shop.example/storefront/pk_test_1/?ref=ad"
  );
  assert.equal(
    h.withoutParams("https://shop.example/?login_token=lnk_x", ["login_token"]),
    "https://shop.example/"
  );
});

test("media URLs are built from the media base with encoded segments", () => {
  const base = "https://api.example/media/";
  assert.equal(h.mediaUrl(base, "products/a b/c#1.jpg"), base + "products/a%20b/c%231.jpg");
  assert.equal(h.mediaUrl("https://api.example/media", "/x.png"), base + "x.png");
  assert.equal(h.mediaUrl(base, "https://cdn.example/logo.png"), "https://cdn.example/logo.png");
  assert.equal(h.mediaUrl(base, "javascript:alert(1)"), base + "javascript%3Aalert(1)");
  assert.equal(h.mediaUrl(base, ""), null);
});

test("categories flatten parents first, with depth", () => {
  const tree = [
    {
      id: "cat_1", slug: "candles", name: "Candles",
      children: [{ id: "cat_2", slug: "soy", name: "Soy wax", children: [] }],
    },
    { id: "cat_3", slug: "gifts", name: "Gifts" },
  ];
  assert.deepEqual(
    h.flattenCategories(tree).map((c) => [c.slug, c.depth]),
    [["candles", 0], ["soy", 1], ["gifts", 0]]
  );
});

test("the variant is the one matching every option", () => {
  const product = {
    options: [{ name: "Size" }, { name: "Colour" }],
    variants: [
      { id: "var_sr", optionValues: { Size: "S", Colour: "Red" } },
      { id: "var_mr", optionValues: { Size: "M", Colour: "Red" } },
    ],
  };
  assert.equal(h.selectVariant(product, { Size: "M", Colour: "Red" }).id, "var_mr");
  assert.equal(h.selectVariant(product, { Size: "M" }), null);
  assert.equal(h.selectVariant({ options: [], variants: [] }, {}), null);
});

test("checkout outcomes: paid, 3-D Secure, declined, refused", () => {
  const page = "https://shop.example/storefront/pk_test_1/";
  assert.deepEqual(
    h.checkoutOutcome(200, { data: { orderId: "ord_1", orderNumber: "1001", status: "paid",
      paymentStatus: "succeeded", requiresAction: false, nextActionUrl: null } }, page),
    { kind: "placed", orderId: "ord_1", paymentStatus: "succeeded" }
  );
  assert.deepEqual(
    h.checkoutOutcome(200, { data: { orderId: "ord_2", requiresAction: true,
      nextActionUrl: "http://127.0.0.1:8000/payments/test-3ds/pi_test_1" } }, page),
    { kind: "action", url: "http://127.0.0.1:8000/payments/test-3ds/pi_test_1", orderId: "ord_2" }
  );
  // With nextAction (Stripe.js finishes it in the page), the client secret comes along; it
  // alone is enough when there is no URL to go to.
  assert.deepEqual(
    h.checkoutOutcome(200, { data: { orderId: "ord_3", requiresAction: true, nextActionUrl: null,
      nextAction: { type: "use_stripe_sdk", clientSecret: "pi_3_secret_abc" } } }, page),
    { kind: "action", url: null, orderId: "ord_3", clientSecret: "pi_3_secret_abc" }
  );
  const script = { data: { requiresAction: true, nextActionUrl: "javascript:alert(1)" } };
  assert.equal(h.checkoutOutcome(200, script, page).kind, "error");
  assert.deepEqual(
    h.checkoutOutcome(402, { error: { code: "card_declined", message: "Your card was declined." } }, page),
    { kind: "declined", message: "Your card was declined." }
  );
  const refused = h.checkoutOutcome(422, { error: { message: "Choose a shipping option.",
    fields: { shippingOption: ["Choose a shipping option."] } } }, page);
  assert.equal(refused.kind, "error");
  assert.equal(refused.message, "Choose a shipping option.");
  assert.deepEqual(refused.fields, { shippingOption: ["Choose a shipping option."] });
  assert.equal(h.checkoutOutcome(0, null, page).kind, "error");
});

test("order display helpers", () => {
  assert.deepEqual(
    h.addressLines({ firstName: "Sam", lastName: "Buyer", company: null, line1: "221B Baker Street",
      line2: "", city: "London", state: null, postcode: "NW1 6XE", countryCode: "GB" }),
    ["Sam Buyer", "221B Baker Street", "London NW1 6XE", "GB"]
  );
  assert.deepEqual(h.addressLines(null), []);
  assert.equal(h.cartCount({ items: [{ quantity: 2 }, { quantity: 3 }] }), 5);
  assert.equal(h.cartCount(null), 0);
  assert.equal(h.paymentStatusText("succeeded"), "Paid");
  assert.equal(h.paymentStatusText("requires_action"), "Waiting for card authentication");
  assert.equal(h.paymentStatusText("something_new"), "something_new");
  assert.ok(h.isPaymentSettled("failed") && h.isPaymentSettled("succeeded"));
  assert.ok(!h.isPaymentSettled("processing") && !h.isPaymentSettled("requires_action"));
});

test("elements are built with textContent, never parsed as HTML", () => {
  const doc = fakeDocument();
  const build = h.makeBuilder(doc);
  const attack = '<img src=x onerror="alert(1)">';
  let clicked = 0;
  const node = build("button", { type: "button", class: "sr-button", text: attack, disabled: true, hidden: false,
    onClick: () => clicked++, "data-field": "email", value: "v" });
  assert.equal(node.textContent, attack);
  assert.equal(node.className, "sr-button");
  assert.deepEqual(node.attributes, { type: "button", disabled: "", "data-field": "email" });
  assert.equal(node.value, "v");
  node.listeners.click();
  assert.equal(clicked, 1);

  const list = build("ul", null, [attack, null, false, [build("li", { text: "x" })]], 42);
  assert.deepEqual(list.childNodes.map((c) => c.nodeType === 3 ? "text:" + c.textContent : c.tagName),
    ["text:" + attack, "li", "text:42"]);

  assert.throws(() => build("a", { onclick: "alert(1)" }), /not allowed/);
  assert.throws(() => build("a", { onClick: "alert(1)" }), /must be functions/);
});

test("the API client sends the key and cart token and reports the envelope's message", async () => {
  const calls = [];
  const answers = [
    { status: 200, body: { data: { id: "ord_1", items: [] } } },
    { status: 200, body: { data: [{ id: "prod_1" }], meta: { currentPage: 1, lastPage: 3 } } },
    { status: 409, body: { error: { code: "out_of_stock", message: "Only 2 left in stock." } } },
    { status: 422, body: { error: { code: "validation_failed", message: "Enter a valid email.",
      fields: { email: ["Enter a valid email."] } } } },
  ];
  const fetch = async (url, init) => {
    calls.push({ url, init });
    const answer = answers.shift();
    return { status: answer.status, json: async () => answer.body };
  };
  const client = h.createClient(
    { apiBase: "https://api.example", publishableKey: "pk_test_1", cartToken: "crt_abc", fetch });

  assert.deepEqual(await client.get("/cart"), { id: "ord_1", items: [] });
  assert.equal(calls[0].url, "https://api.example/v3/public/pk_test_1/cart");
  assert.equal(calls[0].init.method, "GET");
  assert.equal(calls[0].init.headers.Authorization, "Bearer pk_test_1");
  assert.equal(calls[0].init.headers["X-Cart-Token"], "crt_abc");
  assert.equal(calls[0].init.body, undefined);

  const page = await client.get("/products", { page: 2 }, { withMeta: true });
  assert.deepEqual(page.meta, { currentPage: 1, lastPage: 3 });
  assert.equal(calls[1].url, "https://api.example/v3/public/pk_test_1/products?page=2");

  await assert.rejects(client.post("/cart/items", { productId: "prod_1", quantity: 3 }), (error) => {
    assert.ok(error instanceof widget.ApiError);
    assert.equal(error.status, 409);
    assert.equal(error.code, "out_of_stock");
    assert.equal(error.message, "Only 2 left in stock.");
    return true;
  });
  assert.equal(calls[2].init.method, "POST");
  assert.equal(calls[2].init.headers["Content-Type"], "application/json");
  assert.deepEqual(JSON.parse(calls[2].init.body), { productId: "prod_1", quantity: 3 });

  await assert.rejects(client.put("/cart/checkout-data", { email: "x" }), (error) => {
    assert.deepEqual(error.fields, { email: ["Enter a valid email."] });
    return true;
  });

  const failing = async () => {
    throw new TypeError("Failed to fetch");
  };
  const offline = h.createClient({ apiBase: "", publishableKey: "pk_test_1", cartToken: "t", fetch: failing });
  assert.deepEqual(await offline.raw("GET", "/cart"), { status: 0, body: null });
  await assert.rejects(offline.get("/cart"), /Could not reach the store/);
});

test("colours: readable text on the brand colour and the colour as text on white (AA)", () => {
  const white = [255, 255, 255];
  const orange = h.parseHexColour("#ff5c00");
  assert.deepEqual(orange, [255, 92, 0]);
  assert.deepEqual(h.parseHexColour("#f50"), [255, 85, 0]);
  assert.equal(h.parseHexColour("orange"), null);
  // White on the default orange is 3.1:1, below AA: the widget picks dark text instead.
  assert.ok(h.contrastRatio(orange, white) < 4.5);
  assert.equal(h.readableOn("#ff5c00"), "#000000");
  assert.equal(h.readableOn("#1a3a8a"), "#ffffff");
  for (const colour of ["#ff5c00", "#ffeb3b", "#00c853", "#1a3a8a", "#777777"]) {
    const text = h.parseHexColour(h.readableOn(colour));
    assert.ok(h.contrastRatio(text, h.parseHexColour(colour)) >= 4.5, colour);
    const ink = h.parseHexColour(h.inkOn(colour, "#ffffff"));
    assert.ok(h.contrastRatio(ink, white) >= 4.5, colour);
  }
  // A colour already dark enough is kept.
  assert.equal(h.inkOn("#1a3a8a", "#ffffff"), "#1a3a8a");
});

test("confirmation helpers: discount with a minus, failed payments, country names", () => {
  assert.equal(h.discountText({ amount: 250, formatted: "£2.50" }), "\u2212£2.50");
  assert.equal(h.discountText({ amount: -250, formatted: "-£2.50" }), "-£2.50");
  assert.ok(h.isPaymentFailed("failed") && h.isPaymentFailed("canceled"));
  assert.ok(!h.isPaymentFailed("requires_action") && !h.isPaymentFailed("succeeded"));
  assert.deepEqual(
    h.addressLines({ firstName: "Sam", line1: "1 Rue X", city: "Paris", countryCode: "FR" },
      (code) => ({ FR: "France" })[code]),
    ["Sam", "1 Rue X", "Paris", "France"]
  );
});

test("forms: an email is checked before sending, API field names never reach the shopper", () => {
  assert.ok(h.isEmail("sam@example.test") && h.isEmail("  sam@example.test "));
  assert.ok(!h.isEmail("") && !h.isEmail("sam") && !h.isEmail("sam@example"));
  assert.equal(h.humanFieldMessage("The firstName field may not be null."), "Required.");
  assert.equal(h.humanFieldMessage("The line1 field is required."), "Required.");
  assert.equal(h.humanFieldMessage("The postcode field is not valid."), "This field is not valid.");
  assert.equal(h.humanFieldMessage("Enter a valid UK postcode."), "Enter a valid UK postcode.");
});

test("language: the page's or the shopper's, among the store's locales; texts in en/fr/de", () => {
  assert.equal(h.chooseLocale(["", "fr-FR", "en-GB"], ["en", "fr", "de"], "en"), "fr");
  assert.equal(h.chooseLocale(["de_AT"], ["en", "fr", "de"], "en"), "de");
  assert.equal(h.chooseLocale(["es", "it"], ["en", "fr"], "en"), "en");
  assert.equal(h.chooseLocale(["fr"], ["en"], "en"), "en");
  assert.equal(h.translate("fr", "Add to cart"), "Ajouter au panier");
  assert.equal(h.translate("de-CH", "Your cart"), "Ihr Warenkorb");
  assert.equal(h.translate("es", "Add to cart"), "Add to cart");
  assert.equal(h.translate("fr", "Beeswax Candle"), "Beeswax Candle");
  assert.equal(h.starsText(4), "\u2605\u2605\u2605\u2605\u2606");
  assert.equal(h.starsText(4.6), "\u2605\u2605\u2605\u2605\u2605");
});

test("a subscription's price reads per interval, in whole translated sentences", () => {
  const monthly = { interval: "month", intervalCount: 1, trialDays: 0 };
  assert.equal(h.subscriptionPriceText("en", "£9.00", monthly), "£9.00 / month");
  assert.equal(h.subscriptionPriceText("fr", "9,00 £", monthly), "9,00 £ / mois");
  const fortnightly = { interval: "week", intervalCount: 2 };
  assert.equal(h.subscriptionPriceText("en", "£12.00", fortnightly), "£12.00 every 2 weeks");
  assert.equal(h.subscriptionPriceText("de", "12,00 £", fortnightly), "12,00 £ alle 2 Wochen");
  assert.equal(h.subscriptionPriceText("en", "£9.00", null), "£9.00");
  assert.equal(h.subscriptionPriceText("en", "£9.00", { interval: "hour" }), "£9.00");
});

test("sentences with values are translated whole, their {placeholders} filled afterwards", () => {
  assert.equal(h.translate("en", "Choose {option}", { option: "Size" }), "Choose Size");
  assert.equal(h.translate("de", "Choose {option}", { option: "Größe" }), "Größe wählen");
  assert.equal(h.translate("fr", "Send {amount} to:", { amount: "12,50 €" }), "Virez 12,50 € à :");
  // A value is never read as a placeholder, and an unknown placeholder stays as written.
  assert.equal(h.translate("en", "{price} each", { price: "{price}" }), "{price} each");
  assert.equal(h.translate("en", "Message {shop}", {}), "Message {shop}");
  assert.equal(h.listText("fr", ["Taille", "Couleur"]), "Taille et Couleur");
  assert.equal(h.listText("en", ["Size", "Colour"]), "Size and Colour");

  // Every such sentence the widget writes has a French and a German text with the same
  // placeholders (the reopen notices pass through payAgain, which translates them).
  // The code after the tables, with literals split over lines ("..." +\n "...") joined.
  const all = fs.readFileSync(SOURCE, "utf8");
  const source = all.slice(all.indexOf("// -- colour contrast")).replace(/"\s*\+\s*\n\s*"/g, "");
  const keys = new Set();
  for (const match of source.matchAll(/"((?:[^"\\\n]|\\.)*\{\w+\}(?:[^"\\\n]|\\.)*)"/g)) {
    if (!/[A-Za-z]{2}/.test(match[1].replace(/\{\w+\}/g, ""))) continue; // "{min}–{max}" style
    keys.add(JSON.parse('"' + match[1] + '"'));
  }
  keys.add("The card payment did not go through. Your cart is kept: choose another way to pay.");
  keys.add("The payment was cancelled. Your cart is kept: choose how to pay.");
  const names = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  assert.ok(keys.size >= 15, [...keys].join("\n"));
  for (const key of keys) {
    for (const language of ["fr", "de"]) {
      const text = h.MESSAGES[language][key];
      assert.ok(text, `no ${language} text for ${JSON.stringify(key)}`);
      assert.deepEqual(names(text), names(key), `${language}: ${key}`);
    }
  }
});

test("the currency picker asks for an offered currency only, with X-Currency", async () => {
  assert.equal(h.chooseCurrency("EUR", ["GBP", "EUR", "USD"]), "EUR");
  assert.equal(h.chooseCurrency("GBP", ["GBP", "EUR"]), ""); // the store's own: no header
  assert.equal(h.chooseCurrency("JPY", ["GBP", "EUR"]), ""); // no longer offered
  assert.equal(h.chooseCurrency(null, ["GBP"]), "");
  assert.equal(h.chooseCurrency("EUR", undefined), "");

  const calls = [];
  const fetch = async (url, init) => {
    calls.push(init);
    return { status: 200, json: async () => ({ data: {} }) };
  };
  const config = { apiBase: "", publishableKey: "pk_test_1", cartToken: "t", fetch };
  const client = h.createClient(config);
  await client.get("/products");
  assert.equal(calls[0].headers["X-Currency"], undefined);
  config.currency = "EUR";
  await client.get("/cart");
  assert.equal(calls[1].headers["X-Currency"], "EUR");
});

test("a cart answer older than one already shown is not shown", async () => {
  const shown = [];
  const call = h.latestAnswers((cart) => shown.push(cart));
  let releaseFirst;
  const first = call(() => new Promise((resolve) => { releaseFirst = () => resolve("empty cart"); }));
  await call(() => Promise.resolve("cart with the candle"));
  releaseFirst();
  assert.equal(await first, "empty cart");
  assert.deepEqual(shown, ["cart with the candle"]);
  await call(() => Promise.resolve("next cart"));
  assert.deepEqual(shown, ["cart with the candle", "next cart"]);
});
