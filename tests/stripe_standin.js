// A local stand-in for Stripe.js (https://js.stripe.com/v3/), for the storefront browser tests:
// the calls the widget makes (Stripe(key), elements().create("card").mount(node),
// createPaymentMethod({type, card}), handleNextAction({clientSecret})) with Stripe's shapes.
// The "card" is a plain input; the number 4000000000000002 is refused like Stripe's declined
// test card, 4000002760003184 (Stripe's 3-D Secure test card) becomes
// pm_card_authenticationRequired, any other number the test PaymentMethod pm_card_visa (which
// the offline gateway charges). handleNextAction shows a small 3-D Secure dialog, as Stripe.js
// does, and applies the shopper's choice through the offline gateway's 3-D Secure page on the
// server this file is served from (what Stripe and its webhook would do).
(function () {
  "use strict";
  const record = { key: null, options: null, mounted: 0, created: [], nextActions: [] };
  window.__stripeStandIn = record;
  const origin = new URL(document.currentScript.src).origin;
  const AUTH_FAILED =
    "We are unable to authenticate your payment method. Please choose a different payment " +
    "method and try again.";

  function button(text, onClick) {
    const node = document.createElement("button");
    node.type = "button";
    node.textContent = text;
    node.addEventListener("click", onClick);
    return node;
  }

  /** POST the choice to the offline gateway's 3-D Secure page (with its CSRF token). */
  async function authenticate(intentId, action) {
    const page = origin + "/payments/test-3ds/" + intentId;
    const html = await (await fetch(page, { credentials: "include" })).text();
    const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(html);
    const body = new URLSearchParams({ csrfmiddlewaretoken: token ? token[1] : "", action: action });
    await fetch(page, { method: "POST", body: body, credentials: "include", redirect: "manual" });
  }

  function handleNextAction(params) {
    const clientSecret = (params && params.clientSecret) || "";
    record.nextActions.push(clientSecret);
    const match = /^(pi_[A-Za-z0-9_]+?)_secret_[A-Za-z0-9]+$/.exec(clientSecret);
    if (!match) {
      return Promise.resolve({ error: { type: "invalid_request_error", message: "Invalid client secret." } });
    }
    return new Promise(function (resolve) {
      const dialog = document.createElement("div");
      dialog.setAttribute("role", "dialog");
      dialog.setAttribute("aria-label", "3D Secure test authentication");
      Object.assign(dialog.style, {
        position: "fixed", inset: "30% 10% auto 10%", zIndex: "2147483647", background: "#fff",
        padding: "16px", border: "1px solid #888",
      });
      const choose = function (approve) {
        return async function () {
          await authenticate(match[1], approve ? "approve" : "fail");
          dialog.remove();
          resolve(approve
            ? { paymentIntent: { id: match[1], object: "payment_intent", status: "succeeded" } }
            : { error: { type: "card_error", code: "payment_intent_authentication_failure", message: AUTH_FAILED } });
        };
      };
      dialog.append(
        button("Fail authentication", choose(false)),
        button("Complete authentication", choose(true))
      );
      document.body.appendChild(dialog);
    });
  }

  window.Stripe = function (key, options) {
    record.key = key;
    record.options = options || null;
    return {
      elements: function () {
        return {
          create: function (type) {
            const input = document.createElement("input");
            input.name = "standin-card-number";
            input.setAttribute("aria-label", "Card number");
            return {
              type: type,
              input: input,
              mount: function (node) {
                node.appendChild(input);
                record.mounted += 1;
              },
            };
          },
        };
      },
      createPaymentMethod: function (params) {
        const number = params.card.input.value.replace(/\s+/g, "");
        record.created.push({ type: params.type, number: number });
        if (!number) return Promise.resolve({ error: { message: "Your card number is incomplete." } });
        if (number === "4000000000000002") {
          return Promise.resolve({ error: { message: "Your card was declined." } });
        }
        const id = number === "4000002760003184" ? "pm_card_authenticationRequired" : "pm_card_visa";
        return Promise.resolve({ paymentMethod: { id: id, type: "card" } });
      },
      handleNextAction: handleNextAction,
    };
  };
})();
