// A local stand-in for Stripe.js (https://js.stripe.com/v3/), for the storefront browser tests:
// the calls the widget makes (Stripe(key), elements().create("card").mount(node),
// createPaymentMethod({type, card})) with Stripe's shapes. The "card" is a plain input; the
// number 4000000000000002 is refused like Stripe's declined test card, any other number
// becomes the test PaymentMethod pm_card_visa (which the offline gateway charges).
(function () {
  "use strict";
  const record = { key: null, options: null, mounted: 0, created: [] };
  window.__stripeStandIn = record;
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
        return Promise.resolve({ paymentMethod: { id: "pm_card_visa", type: "card" } });
      },
    };
  };
})();
