/*!
 * Shoprocket storefront widget: catalog, cart, checkout, account and chat on the public API.
 * Plain modern JavaScript: no dependencies, no build step. See static/storefront/README.md.
 *
 *   <script src="https://HOST/static/storefront/shoprocket.js"
 *           data-publishable-key="pk_test_..." data-api-base="https://HOST" defer></script>
 *   <div data-shoprocket="catalog"></div>  <div data-shoprocket="cart"></div>
 *
 * Every piece of text that comes from the API is inserted with textContent (through `h`),
 * never as HTML, and every amount shown is the API's `formatted` string.
 */
(function (root, factory) {
  "use strict";
  // document.currentScript only exists while this file first runs: capture it now.
  const script = root && root.document ? root.document.currentScript : null;
  const api = factory(root);
  if (typeof module === "object" && module && module.exports) module.exports = api;
  if (root && root.document) {
    root.Shoprocket = api;
    api.autoInit(script);
  }
})(typeof window !== "undefined" ? window : null, function (root) {
  "use strict";

  // -- constants -----------------------------------------------------------------------

  /** Stripe's documented test PaymentMethod ids, offered next to the card id input. */
  const TEST_PAYMENT_METHODS = [
    { id: "pm_card_visa", label: "pm_card_visa (succeeds)" },
    { id: "pm_card_chargeDeclined", label: "pm_card_chargeDeclined (declined)" },
    { id: "pm_card_authenticationRequired", label: "pm_card_authenticationRequired (3-D Secure)" },
  ];
  /** Payment statuses of GET /orders/{id}/status after which nothing changes by itself. */
  const SETTLED_PAYMENT_STATUSES = ["succeeded", "failed", "canceled"];
  const PAYMENT_STATUS_TEXT = {
    succeeded: "Paid",
    paid: "Paid",
    processing: "Payment processing",
    requires_action: "Waiting for card authentication",
    pending: "Awaiting payment",
    failed: "Payment failed",
    canceled: "Payment cancelled",
    cancelled: "Payment cancelled",
    refunded: "Refunded",
    partially_refunded: "Partially refunded",
  };
  const STORAGE_PREFIX = "shoprocket:cart-token:";
  /** The localStorage key prefix of the shopper's chosen currency (per publishable key). */
  const CURRENCY_PREFIX = "shoprocket:currency:";
  const STATUS_POLL_MS = 2000;
  const STATUS_POLL_ATTEMPTS = 15;
  const CHAT_POLL_MS = 8000;
  /** The catalogue's state in the page URL (names chosen not to clash with the host page's). */
  const URL_PARAMS = { q: "sr_q", category: "sr_category", page: "sr_page" };
  /** What Tab can reach inside the drawer. */
  const FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])";
  /** WCAG 2.1 AA contrast for body text. */
  const AA_CONTRAST = 4.5;
  /** DOM properties `h` sets directly instead of as attributes (booleans are attributes). */
  const DOM_PROPERTIES = ["value"];

  // -- pure helpers (no DOM; exported for tests) ----------------------------------------

  /** The widget's own texts in French and German, by their English text (English is the
   *  source: a text without a translation shows in English). Money is formatted by the API. */
  const MESSAGES = {
    fr: {
      "Add to cart": "Ajouter au panier",
      "Added to your cart.": "Ajouté à votre panier.",
      "Address": "Adresse",
      "All categories": "Toutes les catégories",
      "Currency": "Devise",
      "Apply": "Appliquer",
      "Ask us anything: we usually reply within a day.": "Posez-nous vos questions : nous répondons en général sous un jour.",
      "Category": "Catégorie",
      "Chat": "Discuter",
      "Chat with the shop": "Discuter avec la boutique",
      "Checkout": "Commander",
      "Choose": "Choisir",
      "Choose a country": "Choisissez un pays",
      "Close": "Fermer",
      "Close chat": "Fermer la discussion",
      "Contact": "Contact",
      "Country": "Pays",
      "Discount code": "Code de réduction",
      "Email": "E-mail",
      "Email me a sign-in link": "M'envoyer un lien de connexion",
      "Enter your email address.": "Saisissez votre adresse e-mail.",
      "Estimate shipping to": "Estimer la livraison vers",
      "Loading…": "Chargement…",
      "Message": "Message",
      "Name": "Nom",
      "Name (optional)": "Nom (facultatif)",
      "Next": "Suivant",
      "No orders yet.": "Aucune commande pour l'instant.",
      "No products found.": "Aucun produit trouvé.",
      "No reviews yet: be the first.": "Aucun avis : soyez le premier.",
      "Out of stock": "Épuisé",
      "Includes: {items}": "Contient : {items}",
      "Save {amount} on buying them separately.": "{amount} d'économie par rapport à l'achat séparé.",
      "Pay another way": "Payer autrement",
      "Pay by bank transfer": "Payer par virement",
      "Payment": "Paiement",
      "Phone (optional)": "Téléphone (facultatif)",
      "Place order": "Passer la commande",
      "Previous": "Précédent",
      "Quantity": "Quantité",
      "Rating": "Note",
      "Remove": "Retirer",
      "Review": "Avis",
      "Reviews": "Avis",
      "Search": "Rechercher",
      "Search products": "Rechercher des produits",
      "Send": "Envoyer",
      "Send review": "Envoyer l'avis",
      "Shipping": "Livraison",
      "Shipping to": "Livraison à",
      "Shipping (estimate)": "Livraison (estimation)",
      "Estimated total": "Total estimé",
      "Subtotal": "Sous-total",
      "Discount": "Réduction",
      "Tax": "TVA",
      "Tax (included)": "TVA (incluse)",
      "Total": "Total",
      "Sign in": "Se connecter",
      "Sign out": "Se déconnecter",
      "Account": "Compte",
      "Your account": "Votre compte",
      "State / region": "État / région",
      "Title (optional)": "Titre (facultatif)",
      "View": "Voir",
      "What happens next": "Et ensuite",
      "Write a message": "Écrivez un message",
      "Write a review": "Écrire un avis",
      "Your cart is empty.": "Votre panier est vide.",
      "Your orders": "Vos commandes",
      "Your cart": "Votre panier",
      "Your order": "Votre commande",
      "Cart": "Panier",
      "← All products": "← Tous les produits",
      "← Edit details": "← Modifier les coordonnées",
      "Continue to shipping": "Continuer vers la livraison",
      "Continue to payment": "Continuer vers le paiement",
      "Shipping address": "Adresse de livraison",
      "Billing address": "Adresse de facturation",
      "First name": "Prénom",
      "Last name": "Nom",
      "City": "Ville",
      "Postcode": "Code postal",
      "Company (optional)": "Société (facultatif)",
      "Apartment, suite (optional)": "Appartement, étage (facultatif)",
      "Thank you for your order": "Merci pour votre commande",
      "The payment did not go through": "Le paiement n'a pas abouti",
      "Paid": "Payée",
      "Awaiting payment": "En attente de paiement",
      "Payment failed": "Paiement échoué",
      "Waiting for card authentication": "En attente de l'authentification de la carte",
      "We do not ship to this country yet.": "Nous ne livrons pas encore ce pays.",
      "Estimate: the cheapest shipping to this country.": "Estimation : la livraison la moins chère vers ce pays.",
      "This store takes no payments online.": "Cette boutique n'accepte pas de paiement en ligne.",
      "No shipping options reach this address.": "Aucune livraison possible vers cette adresse.",
      "Check {fields}.": "Vérifiez : {fields}.",
      "Page {page} of {last}": "Page {page} sur {last}",
      "Choose {option}": "Choisir : {option}",
      "Choose {options}.": "Choisissez : {options}.",
      "{rating} / 5 · {count} review": "{rating} / 5 · {count} avis",
      "{rating} / 5 · {count} reviews": "{rating} / 5 · {count} avis",
      "{rating} out of 5": "{rating} sur 5",
      "Verified purchase": "Achat vérifié",
      "Thank you! Your review will appear once the shop has approved it.": "Merci ! Votre avis apparaîtra une fois approuvé par la boutique.",
      "Quantity of {product}": "Quantité de {product}",
      "One fewer {product}": "Un {product} de moins",
      "One more {product}": "Un {product} de plus",
      "{price} each": "{price} l'unité",
      "{price} / day": "{price} / jour",
      "{price} / week": "{price} / semaine",
      "{price} / month": "{price} / mois",
      "{price} / year": "{price} / an",
      "{price} every {count} days": "{price} tous les {count} jours",
      "{price} every {count} weeks": "{price} toutes les {count} semaines",
      "{price} every {count} months": "{price} tous les {count} mois",
      "{price} every {count} years": "{price} tous les {count} ans",
      "{days}-day free trial": "Essai gratuit de {days} jours",
      "{min}–{max} days": "{min} à {max} jours",
      "Card": "Carte",
      "Test cards": "Cartes de test",
      "Stripe test cards": "Cartes de test Stripe",
      "Card PaymentMethod id": "Identifiant PaymentMethod de la carte",
      "Check your card details.": "Vérifiez les informations de votre carte.",
      "The payment needs a confirmation step we cannot open.": "Le paiement demande une étape de confirmation que nous ne pouvons pas ouvrir.",
      "Order": "Commande",
      "Send {amount} to:": "Virez {amount} à :",
      "The shop will email you its bank details.": "La boutique vous enverra ses coordonnées bancaires par e-mail.",
      "Payment reference:": "Référence du paiement :",
      "We send your order once the payment has arrived.": "Nous expédions votre commande dès réception du paiement.",
      "We have emailed a confirmation to {email}.": "Nous avons envoyé une confirmation à {email}.",
      "We will email you again when your order ships.": "Nous vous écrirons à nouveau à l'expédition de votre commande.",
      "Download after purchase": "Téléchargement après l'achat",
      "Your downloads": "Vos téléchargements",
      "{used} of {limit} downloads used": "{used} téléchargements sur {limit} utilisés",
      "Available until {date}": "Disponible jusqu'au {date}",
      "No longer available": "Plus disponible",
      "Your download links are below and in your email.": "Vos liens de téléchargement sont ci-dessous et dans votre e-mail.",
      "If {email} has an account in this shop, a sign-in link is on its way. It works once, for {minutes} minutes.": "Si {email} a un compte dans cette boutique, un lien de connexion est en route. Il fonctionne une fois, pendant {minutes} minutes.",
      "No password needed: we email you a link that signs you in.": "Pas de mot de passe : nous vous envoyons un lien de connexion par e-mail.",
      "Phone": "Téléphone",
      "Message {shop}": "Écrire à {shop}",
      "The card payment did not go through. Your cart is kept: choose another way to pay.": "Le paiement par carte n'a pas abouti. Votre panier est conservé : choisissez un autre moyen de paiement.",
      "The payment was cancelled. Your cart is kept: choose how to pay.": "Le paiement a été annulé. Votre panier est conservé : choisissez comment payer.",
      "Payment processing": "Paiement en cours",
      "Payment cancelled": "Paiement annulé",
      "Refunded": "Remboursée",
      "Partially refunded": "Partiellement remboursée",
    },
    de: {
      "Add to cart": "In den Warenkorb",
      "Added to your cart.": "Zum Warenkorb hinzugefügt.",
      "Address": "Adresse",
      "All categories": "Alle Kategorien",
      "Currency": "Währung",
      "Apply": "Anwenden",
      "Ask us anything: we usually reply within a day.": "Fragen Sie uns: Wir antworten meist innerhalb eines Tages.",
      "Category": "Kategorie",
      "Chat": "Chat",
      "Chat with the shop": "Mit dem Shop chatten",
      "Checkout": "Zur Kasse",
      "Choose": "Wählen",
      "Choose a country": "Land wählen",
      "Close": "Schließen",
      "Close chat": "Chat schließen",
      "Contact": "Kontakt",
      "Country": "Land",
      "Discount code": "Rabattcode",
      "Email": "E-Mail",
      "Email me a sign-in link": "Anmeldelink senden",
      "Enter your email address.": "Geben Sie Ihre E-Mail-Adresse ein.",
      "Estimate shipping to": "Versand schätzen nach",
      "Loading…": "Wird geladen…",
      "Message": "Nachricht",
      "Name": "Name",
      "Name (optional)": "Name (optional)",
      "Next": "Weiter",
      "No orders yet.": "Noch keine Bestellungen.",
      "No products found.": "Keine Produkte gefunden.",
      "No reviews yet: be the first.": "Noch keine Bewertungen: Schreiben Sie die erste.",
      "Out of stock": "Ausverkauft",
      "Includes: {items}": "Enthält: {items}",
      "Save {amount} on buying them separately.": "Sie sparen {amount} gegenüber dem Einzelkauf.",
      "Pay another way": "Anders bezahlen",
      "Pay by bank transfer": "Per Überweisung bezahlen",
      "Payment": "Zahlung",
      "Phone (optional)": "Telefon (optional)",
      "Place order": "Bestellung aufgeben",
      "Previous": "Zurück",
      "Quantity": "Menge",
      "Rating": "Bewertung",
      "Remove": "Entfernen",
      "Review": "Bewertung",
      "Reviews": "Bewertungen",
      "Search": "Suchen",
      "Search products": "Produkte suchen",
      "Send": "Senden",
      "Send review": "Bewertung senden",
      "Shipping": "Versand",
      "Shipping to": "Lieferung nach",
      "Shipping (estimate)": "Versand (geschätzt)",
      "Estimated total": "Geschätzte Summe",
      "Subtotal": "Zwischensumme",
      "Discount": "Rabatt",
      "Tax": "MwSt.",
      "Tax (included)": "MwSt. (enthalten)",
      "Total": "Summe",
      "Sign in": "Anmelden",
      "Sign out": "Abmelden",
      "Account": "Konto",
      "Your account": "Ihr Konto",
      "State / region": "Bundesland / Region",
      "Title (optional)": "Titel (optional)",
      "View": "Ansehen",
      "What happens next": "Wie es weitergeht",
      "Write a message": "Nachricht schreiben",
      "Write a review": "Bewertung schreiben",
      "Your cart is empty.": "Ihr Warenkorb ist leer.",
      "Your orders": "Ihre Bestellungen",
      "Your cart": "Ihr Warenkorb",
      "Your order": "Ihre Bestellung",
      "Cart": "Warenkorb",
      "← All products": "← Alle Produkte",
      "← Edit details": "← Angaben ändern",
      "Continue to shipping": "Weiter zum Versand",
      "Continue to payment": "Weiter zur Zahlung",
      "Shipping address": "Lieferadresse",
      "Billing address": "Rechnungsadresse",
      "First name": "Vorname",
      "Last name": "Nachname",
      "City": "Stadt",
      "Postcode": "Postleitzahl",
      "Company (optional)": "Firma (optional)",
      "Apartment, suite (optional)": "Wohnung, Etage (optional)",
      "Thank you for your order": "Vielen Dank für Ihre Bestellung",
      "The payment did not go through": "Die Zahlung ist nicht durchgegangen",
      "Paid": "Bezahlt",
      "Awaiting payment": "Zahlung ausstehend",
      "Payment failed": "Zahlung fehlgeschlagen",
      "Waiting for card authentication": "Warten auf Kartenbestätigung",
      "We do not ship to this country yet.": "Wir liefern noch nicht in dieses Land.",
      "Estimate: the cheapest shipping to this country.": "Schätzung: der günstigste Versand in dieses Land.",
      "This store takes no payments online.": "Dieser Shop nimmt keine Online-Zahlungen an.",
      "No shipping options reach this address.": "Keine Versandart für diese Adresse.",
      "Check {fields}.": "Prüfen Sie: {fields}.",
      "Page {page} of {last}": "Seite {page} von {last}",
      "Choose {option}": "{option} wählen",
      "Choose {options}.": "Wählen Sie {options}.",
      "{rating} / 5 · {count} review": "{rating} / 5 · {count} Bewertung",
      "{rating} / 5 · {count} reviews": "{rating} / 5 · {count} Bewertungen",
      "{rating} out of 5": "{rating} von 5",
      "Verified purchase": "Verifizierter Kauf",
      "Thank you! Your review will appear once the shop has approved it.": "Danke! Ihre Bewertung erscheint, sobald der Shop sie freigegeben hat.",
      "Quantity of {product}": "Menge von {product}",
      "One fewer {product}": "Ein {product} weniger",
      "One more {product}": "Ein {product} mehr",
      "{price} each": "je {price}",
      "{price} / day": "{price} / Tag",
      "{price} / week": "{price} / Woche",
      "{price} / month": "{price} / Monat",
      "{price} / year": "{price} / Jahr",
      "{price} every {count} days": "{price} alle {count} Tage",
      "{price} every {count} weeks": "{price} alle {count} Wochen",
      "{price} every {count} months": "{price} alle {count} Monate",
      "{price} every {count} years": "{price} alle {count} Jahre",
      "{days}-day free trial": "{days} Tage kostenlos testen",
      "{min}–{max} days": "{min}–{max} Tage",
      "Card": "Karte",
      "Test cards": "Testkarten",
      "Stripe test cards": "Stripe-Testkarten",
      "Card PaymentMethod id": "PaymentMethod-ID der Karte",
      "Check your card details.": "Prüfen Sie Ihre Kartendaten.",
      "The payment needs a confirmation step we cannot open.": "Die Zahlung braucht einen Bestätigungsschritt, den wir nicht öffnen können.",
      "Order": "Bestellung",
      "Send {amount} to:": "Überweisen Sie {amount} an:",
      "The shop will email you its bank details.": "Der Shop schickt Ihnen seine Bankverbindung per E-Mail.",
      "Payment reference:": "Verwendungszweck:",
      "We send your order once the payment has arrived.": "Wir versenden Ihre Bestellung, sobald die Zahlung eingegangen ist.",
      "We have emailed a confirmation to {email}.": "Wir haben eine Bestätigung an {email} gesendet.",
      "We will email you again when your order ships.": "Wir schreiben Ihnen wieder, wenn Ihre Bestellung versendet wird.",
      "Download after purchase": "Download nach dem Kauf",
      "Your downloads": "Ihre Downloads",
      "{used} of {limit} downloads used": "{used} von {limit} Downloads genutzt",
      "Available until {date}": "Verfügbar bis {date}",
      "No longer available": "Nicht mehr verfügbar",
      "Your download links are below and in your email.": "Ihre Download-Links finden Sie unten und in Ihrer E-Mail.",
      "If {email} has an account in this shop, a sign-in link is on its way. It works once, for {minutes} minutes.": "Wenn {email} ein Konto in diesem Shop hat, ist ein Anmeldelink unterwegs. Er funktioniert einmal, {minutes} Minuten lang.",
      "No password needed: we email you a link that signs you in.": "Kein Passwort nötig: Wir senden Ihnen einen Anmeldelink per E-Mail.",
      "Phone": "Telefon",
      "Message {shop}": "Nachricht an {shop}",
      "The card payment did not go through. Your cart is kept: choose another way to pay.": "Die Kartenzahlung ist nicht durchgegangen. Ihr Warenkorb bleibt erhalten: Wählen Sie eine andere Zahlungsart.",
      "The payment was cancelled. Your cart is kept: choose how to pay.": "Die Zahlung wurde abgebrochen. Ihr Warenkorb bleibt erhalten: Wählen Sie, wie Sie bezahlen.",
      "Payment processing": "Zahlung in Bearbeitung",
      "Payment cancelled": "Zahlung abgebrochen",
      "Refunded": "Erstattet",
      "Partially refunded": "Teilweise erstattet",
    },
  };


  // -- colour contrast (WCAG 2.1) -------------------------------------------------------

  /** "#f50" or "#ff5500" (alpha ignored) as [r, g, b] 0-255, or null. */
  function parseHexColour(colour) {
    const match = /^#([0-9a-f]{3,8})$/i.exec(String(colour || "").trim());
    if (!match) return null;
    let hex = match[1];
    if (hex.length === 3 || hex.length === 4) hex = hex.slice(0, 3).replace(/./g, "$&$&");
    if (hex.length !== 6 && hex.length !== 8) return null;
    return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
  }

  function toHex(rgb) {
    return "#" + rgb.map((c) => Math.round(c).toString(16).padStart(2, "0")).join("");
  }

  function relativeLuminance(rgb) {
    const [r, g, b] = rgb.map((c) => {
      const v = c / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  /** The contrast ratio of two colours, 1 to 21. */
  function contrastRatio(a, b) {
    const [x, y] = [relativeLuminance(a), relativeLuminance(b)].sort((m, n) => n - m);
    return (x + 0.05) / (y + 0.05);
  }

  /** Text colour for the brand colour as a background: white or black, the more
   *  readable (one of them always reaches AA's 4.5:1). */
  function readableOn(colour) {
    const rgb = parseHexColour(colour);
    if (!rgb) return "#ffffff";
    return contrastRatio(rgb, [255, 255, 255]) >= contrastRatio(rgb, [0, 0, 0]) ? "#ffffff" : "#000000";
  }

  /** The brand colour darkened just enough to be read as text on `background` (AA 4.5:1). */
  function inkOn(colour, background) {
    let rgb = parseHexColour(colour);
    const bg = parseHexColour(background || "#ffffff");
    if (!rgb || !bg) return colour;
    for (let step = 0; step < 40 && contrastRatio(rgb, bg) < AA_CONTRAST; step++) {
      rgb = rgb.map((c) => c * 0.92);
    }
    return toHex(rgb);
  }


  /** A new random cart token: "crt_" and 32 hex characters from a CSPRNG. */
  function generateToken(cryptoObj) {
    if (!cryptoObj || typeof cryptoObj.getRandomValues !== "function") {
      throw new Error("Shoprocket needs crypto.getRandomValues to create a cart token.");
    }
    const bytes = cryptoObj.getRandomValues(new Uint8Array(16));
    return "crt_" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /** The currency to ask the API for: `saved` when the store still offers it (GET /'s
   *  `currencies`, the store's own first), else "" (no X-Currency: the store's own). */
  function chooseCurrency(saved, currencies) {
    const offered = currencies || [];
    return saved && offered.indexOf(saved) > 0 ? saved : "";
  }

  /** What the API accepts as X-Cart-Token: 1 to 128 printable ASCII characters. */
  function isValidCartToken(token) {
    return typeof token === "string" && /^[\x21-\x7e]{1,128}$/.test(token);
  }

  /** The localStorage key of the cart token: one token per publishable key. */
  function cartTokenKey(publishableKey) {
    return STORAGE_PREFIX + publishableKey;
  }

  /** The stored cart token for this key, or a new one (stored when storage allows it). */
  function loadCartToken(storage, publishableKey, cryptoObj) {
    const key = cartTokenKey(publishableKey);
    let token = null;
    try {
      token = storage ? storage.getItem(key) : null;
    } catch (e) {
      token = null; // storage disabled (privacy mode): a token for this page view only
    }
    if (isValidCartToken(token)) return token;
    token = generateToken(cryptoObj);
    try {
      if (storage) storage.setItem(key, token);
    } catch (e) {
      /* not persisted; the visitor gets a new cart next time */
    }
    return token;
  }

  /** A sender of requests whose answers go to `apply`, except an answer that arrives after
   * the answer of a request sent later: answers can arrive out of order (a page's first
   * `GET /cart` racing a buy button's `POST /cart/items`), and the older one must not hide
   * the newer. `send` is a function returning the request's promise. */
  function latestAnswers(apply) {
    let sent = 0;
    let applied = 0;
    return async function (send) {
      const mine = ++sent;
      const answer = await send();
      if (mine > applied) {
        applied = mine;
        apply(answer);
      }
      return answer;
    };
  }

  /** The public API URL of `path` ("/cart", "/products"; "" for the store root). */
  function apiUrl(apiBase, publishableKey, path, query) {
    const base = String(apiBase || "").replace(/\/+$/, "");
    const suffix = !path || path === "/" ? "" : path.charAt(0) === "/" ? path : "/" + path;
    const url = base + "/v3/public/" + encodeURIComponent(publishableKey) + suffix;
    const params = [];
    for (const [name, value] of Object.entries(query || {})) {
      if (value === undefined || value === null || value === "") continue;
      params.push(encodeURIComponent(name) + "=" + encodeURIComponent(String(value)));
    }
    return params.length ? url + "?" + params.join("&") : url;
  }

  /** One path segment from an id or slug, so "../x" or "a?b" cannot change the URL. */
  function seg(value) {
    return encodeURIComponent(String(value));
  }

  /** The message to show for a failed call: the error envelope's, else a generic one. */
  function errorMessage(status, body) {
    const error = body && typeof body === "object" ? body.error : null;
    if (error && typeof error.message === "string" && error.message) return error.message;
    if (!status) return "Could not reach the store. Check your connection and try again.";
    if (status === 429) return "Too many requests: wait a moment and try again.";
    if (status >= 500) return "The store could not answer. Please try again.";
    return "Something went wrong (HTTP " + status + ").";
  }

  /** The envelope's field messages as {"shippingAddress.postcode": ["..."]} (maybe empty). */
  function fieldErrors(body) {
    const fields = body && body.error && body.error.fields;
    const out = {};
    if (!fields || typeof fields !== "object") return out;
    for (const [name, messages] of Object.entries(fields)) {
      out[name] = (Array.isArray(messages) ? messages : [messages]).map(String);
    }
    return out;
  }

  /** A Money object's display string, exactly as the API formatted it. */
  function moneyText(money) {
    return money && typeof money.formatted === "string" ? money.formatted : "";
  }

  /** An absolute http(s) URL, or null (refuses javascript:, data: and garbage). */
  function safeHttpUrl(url, baseHref) {
    if (typeof url !== "string" || !url) return null;
    try {
      const parsed = baseHref ? new URL(url, baseHref) : new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  /** `href` without the given query parameters and without its fragment. */
  function withoutParams(href, names) {
    const url = new URL(href);
    for (const name of names) url.searchParams.delete(name);
    url.hash = "";
    return url.href;
  }

  /** Where checkout sends the shopper back: this page, without our own parameters. */
  function returnUrlFor(href) {
    return withoutParams(href, ["order", "login_token", "product"]);
  }

  /** The URL of a stored media file (`path` from the API), or an absolute URL as given. */
  function mediaUrl(mediaBase, path) {
    if (typeof path !== "string" || !path) return null;
    if (/^https?:\/\//i.test(path)) return safeHttpUrl(path);
    const base = String(mediaBase || "").replace(/\/+$/, "");
    return base + "/" + path.replace(/^\/+/, "").split("/").map(encodeURIComponent).join("/");
  }

  /** The category tree of GET /categories as a flat list with depths, parents first. */
  function flattenCategories(nodes, depth, out) {
    const list = out || [];
    for (const node of nodes || []) {
      list.push({ id: node.id, slug: node.slug, name: node.name, depth: depth || 0 });
      flattenCategories(node.children, (depth || 0) + 1, list);
    }
    return list;
  }

  /** The variant whose option values match `selection` ({"Size": "M"}), or null. */
  function selectVariant(product, selection) {
    const options = product.options || [];
    if (!options.length) return null;
    return (
      (product.variants || []).find((variant) =>
        options.every((option) => (variant.optionValues || {})[option.name] === selection[option.name])
      ) || null
    );
  }

  /** What to do after POST /cart/checkout answered `status` with `body`. */
  function checkoutOutcome(status, body, pageHref) {
    if (status === 402) return { kind: "declined", message: errorMessage(status, body) };
    if (!(status >= 200 && status < 300)) {
      return { kind: "error", message: errorMessage(status, body), fields: fieldErrors(body) };
    }
    const data = (body && body.data) || {};
    if (data.requiresAction) {
      const url = safeHttpUrl(data.nextActionUrl, pageHref);
      const next = data.nextAction || {};
      const clientSecret = typeof next.clientSecret === "string" && next.clientSecret ? next.clientSecret : null;
      if (!url && !clientSecret) {
        const message = "The payment needs a confirmation step we cannot open.";
        return { kind: "error", message: message, fields: {} };
      }
      const outcome = { kind: "action", url: url, orderId: data.orderId };
      // With Stripe.js in the page, 3-D Secure is finished there (stripe.handleNextAction).
      if (clientSecret) outcome.clientSecret = clientSecret;
      return outcome;
    }
    return { kind: "placed", orderId: data.orderId, paymentStatus: data.paymentStatus };
  }

  function paymentStatusText(status) {
    return PAYMENT_STATUS_TEXT[status] || String(status || "");
  }

  /** A payment that ended without taking money (declined, 3-D Secure refused, expired). */
  function isPaymentFailed(status) {
    return status === "failed" || status === "canceled" || status === "cancelled";
  }

  function isPaymentSettled(status) {
    return SETTLED_PAYMENT_STATUSES.indexOf(status) !== -1;
  }

  /** An Address object as display lines (empty parts left out); `countryName` turns the code
   *  into a name. */
  function addressLines(address, countryName) {
    if (!address) return [];
    const name = [address.firstName, address.lastName].filter(Boolean).join(" ");
    const place = [address.city, address.state, address.postcode].filter(Boolean).join(" ");
    const country = address.countryCode && countryName ? countryName(address.countryCode) : address.countryCode;
    return [name, address.company, address.line1, address.line2, place, country].filter(
      (line) => typeof line === "string" && line.trim() !== ""
    );
  }

  const SAFE_TAGS = ["P", "BR", "HR", "STRONG", "EM", "B", "I", "DEL", "CODE", "PRE", "BLOCKQUOTE", "UL",
    "OL", "LI", "H2", "H3", "H4", "H5", "H6", "A", "TABLE", "THEAD", "TBODY", "TR", "TH", "TD"];

  /**
   * Sanitised HTML from the API as nodes of `doc`: parsed by DOMParser (inert: nothing runs or
   * loads), then only SAFE_TAGS kept (others leave their text), only href/title/align
   * attributes, and links only to http(s) or mailto. A second fence behind the server's nh3.
   */
  function safeFragment(doc, html) {
    const parsed = new root.DOMParser().parseFromString(String(html || ""), "text/html");
    const clean = (node) => {
      const out = [];
      for (const child of Array.from(node.childNodes)) {
        if (child.nodeType === 3) {
          out.push(doc.createTextNode(child.nodeValue));
        } else if (child.nodeType === 1 && SAFE_TAGS.indexOf(child.tagName) !== -1) {
          const element = doc.createElement(child.tagName.toLowerCase());
          for (const name of ["title", "align"]) {
            if (child.hasAttribute(name)) element.setAttribute(name, child.getAttribute(name));
          }
          if (child.tagName === "A") {
            const href = child.getAttribute("href") || "";
            if (/^(https?:|mailto:)/i.test(href)) element.setAttribute("href", href);
            element.setAttribute("rel", "noopener noreferrer nofollow");
            element.setAttribute("target", "_blank");
          }
          element.append(...clean(child));
          out.push(element);
        } else if (child.nodeType === 1 && ["SCRIPT", "STYLE", "TEMPLATE"].indexOf(child.tagName) === -1) {
          out.push(...clean(child));
        }
      }
      return out;
    };
    const fragment = doc.createDocumentFragment();
    fragment.append(...clean(parsed.body));
    return fragment;
  }

  /** A discount as money taken off: "−£4.80" (the API gives it as a positive amount). */
  function discountText(money) {
    const text = moneyText(money);
    return /^[-\u2212]/.test(text) ? text : "\u2212" + text;
  }

  /** The widget's language: the first of `wanted` (data-locale, the page's lang, the browser's
   *  languages) the store supports, matched on the full tag or the language alone; else the
   *  store's default locale. */
  function chooseLocale(wanted, supported, fallback) {
    const known = (supported || []).map((tag) => String(tag));
    for (const tag of wanted || []) {
      if (!tag) continue;
      const exact = known.find((k) => k.toLowerCase() === String(tag).toLowerCase());
      if (exact) return exact;
      const language = String(tag).split(/[-_]/)[0].toLowerCase();
      const loose = known.find((k) => k.split(/[-_]/)[0].toLowerCase() === language);
      if (loose) return loose;
    }
    return fallback || known[0] || "en";
  }

  /** `text` in `locale`'s language when the widget has it, else `text`; its `{name}`
   *  placeholders then filled from `params` (values are not scanned again). A sentence is
   *  translated whole, never built from translated pieces. */
  function translate(locale, text, params) {
    const table = MESSAGES[String(locale || "").split(/[-_]/)[0].toLowerCase()];
    const template = (table && table[text]) || text;
    if (!params) return template;
    return template.replace(/\{(\w+)\}/g, (whole, name) =>
      Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole);
  }

  /** A subscription's whole sentences per interval: once, and every {count} of them. */
  const INTERVAL_SENTENCES = {
    day: ["{price} / day", "{price} every {count} days"],
    week: ["{price} / week", "{price} every {count} weeks"],
    month: ["{price} / month", "{price} every {count} months"],
    year: ["{price} / year", "{price} every {count} years"],
  };

  /** A subscription product's price per interval in `locale`: "£9.00 / month",
   *  "£12.00 every 2 weeks" (`subscription` is the product's {interval, intervalCount}). */
  function subscriptionPriceText(locale, priceText, subscription) {
    const sentences = INTERVAL_SENTENCES[subscription && subscription.interval];
    if (!sentences) return priceText;
    const count = Number(subscription.intervalCount) || 1;
    return translate(locale, sentences[count === 1 ? 0 : 1], { price: priceText, count: count });
  }

  /** `items` as one list in `locale`'s words ("Size and Colour", "Taille et Couleur"). */
  function listText(locale, items) {
    try {
      return new Intl.ListFormat(locale || "en", { type: "conjunction" }).format(items);
    } catch (error) {
      return items.join(", ");
    }
  }

  /** A rating as five stars, filled to the nearest whole one: "★★★★☆". */
  function starsText(rating) {
    const full = Math.max(0, Math.min(5, Math.round(Number(rating) || 0)));
    return "\u2605".repeat(full) + "\u2606".repeat(5 - full);
  }

  /** Loosely an email address (the API checks it for real). */
  function isEmail(value) {
    return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(String(value || "").trim());
  }

  /** An API field message for a person: "The firstName field is required." -> "Required."
   *  (the message sits under the field's own label). */
  function humanFieldMessage(message) {
    const text = String(message || "");
    if (/^The \S+ field is required\.$/.test(text) || /^The \S+ field may not be (null|blank)\.$/.test(text)) {
      return "Required.";
    }
    return text.replace(/^The \S+ field /, "This field ");
  }

  /** The number of units in a cart. */
  function cartCount(cart) {
    return ((cart && cart.items) || []).reduce((sum, item) => sum + (item.quantity || 0), 0);
  }

  /**
   * `h(tag, props, ...children)` for one document: builds elements without ever parsing HTML.
   * props: `text` (textContent), `class`, `onClick`-style listeners (functions only), DOM
   * properties (value, checked, disabled...) and plain attributes. Children: nodes or strings
   * (strings become text nodes); arrays are flattened; null and false are skipped.
   */
  function makeBuilder(doc) {
    function append(node, children) {
      for (const child of children) {
        if (child === null || child === undefined || child === false) continue;
        if (Array.isArray(child)) append(node, child);
        else node.appendChild(typeof child === "object" ? child : doc.createTextNode(String(child)));
      }
    }
    return function h(tag, props, ...children) {
      const node = doc.createElement(tag);
      for (const [name, value] of Object.entries(props || {})) {
        if (value === undefined || value === null) continue;
        if (/^on[A-Z]/.test(name)) {
          if (typeof value !== "function") throw new TypeError("Event handlers must be functions.");
          node.addEventListener(name.slice(2).toLowerCase(), value);
        } else if (/^on/i.test(name)) {
          throw new TypeError("Inline event handler attributes are not allowed: " + name);
        } else if (name === "text") {
          node.textContent = String(value);
        } else if (name === "class") {
          node.className = String(value);
        } else if (DOM_PROPERTIES.indexOf(name) !== -1) {
          node[name] = value;
        } else if (value !== false) {
          node.setAttribute(name, value === true ? "" : String(value));
        }
      }
      append(node, children);
      return node;
    };
  }

  // -- API client ------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, body) {
      super(errorMessage(status, body));
      this.name = "ApiError";
      this.status = status;
      this.code = body && body.error ? body.error.code : null;
      this.fields = fieldErrors(body);
    }
  }

  /** Calls the public API with the publishable key and the visitor's cart token. */
  function createClient(config) {
    const fetchImpl = config.fetch;

    /** {status, body} for any answer; status 0 when the network failed. */
    async function raw(method, path, options) {
      const opts = options || {};
      const headers = {
        Accept: "application/json",
        Authorization: "Bearer " + config.publishableKey,
        "X-Cart-Token": config.cartToken,
      };
      if (config.acceptLanguage) headers["Accept-Language"] = config.acceptLanguage;
      if (config.currency) headers["X-Currency"] = config.currency;
      Object.assign(headers, opts.headers || {});
      const init = { method: method, headers: headers };
      if (opts.body !== undefined) {
        headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(opts.body);
      }
      let response;
      try {
        response = await fetchImpl(apiUrl(config.apiBase, config.publishableKey, path, opts.query), init);
      } catch (e) {
        return { status: 0, body: null };
      }
      let body = null;
      if (response.status !== 204) {
        try {
          body = await response.json();
        } catch (e) {
          body = null;
        }
      }
      return { status: response.status, body: body };
    }

    /** The `data` of a successful answer (and `meta` for lists); throws ApiError otherwise. */
    async function request(method, path, options) {
      const answer = await raw(method, path, options);
      if (answer.status < 200 || answer.status >= 300) throw new ApiError(answer.status, answer.body);
      const body = answer.body || {};
      return options && options.withMeta ? { data: body.data, meta: body.meta || {} } : body.data;
    }

    return {
      raw: raw,
      get: (path, query, extra) => request("GET", path, Object.assign({ query: query }, extra)),
      post: (path, body) => request("POST", path, { body: body === undefined ? {} : body }),
      put: (path, body) => request("PUT", path, { body: body }),
      del: (path) => request("DELETE", path),
    };
  }

  // -- the widget ------------------------------------------------------------------------

  class Storefront {
    constructor(config, env) {
      this.config = config;
      this.win = env.window;
      this.doc = env.window.document;
      this.h = makeBuilder(this.doc);
      this.client = createClient(config);
      this.mounts = { catalog: [], cart: [], account: [], chat: [] };
      this.store = null;
      this.cart = null;
      // Cart requests: each answer is shown unless a later request's answer was already.
      this.cartCall = latestAnswers((cart) => this.setCart(cart));
      this.auth = { authenticated: false, customer: null };
      this.catalog = { query: { category: "", q: "", page: 1 }, categories: [], list: null };
      this.countries = null;
      this.states = {};
      this.panelView = null;
      this.chat = { conversation: null, messages: [], timer: null, open: false };
    }

    // ---- start-up ----

    async start() {
      for (const node of this.doc.querySelectorAll("[data-shoprocket]")) {
        const kind = node.getAttribute("data-shoprocket");
        if (this.mounts[kind]) this.mounts[kind].push(node);
      }
      this.buildPanel();
      this.buildToasts();
      try {
        this.store = await this.client.get("");
      } catch (error) {
        for (const list of Object.values(this.mounts)) {
          for (const node of list) node.replaceChildren(this.errorNode(error.message));
        }
        return;
      }
      const supported = (this.store.supportedLocales || []).concat(this.store.defaultLocale || []);
      const browser = (this.win.navigator && (this.win.navigator.languages || [this.win.navigator.language])) || [];
      this.locale = chooseLocale([this.config.locale, this.doc.documentElement.lang].concat(browser),
        supported, this.store.defaultLocale || "en");
      // The API formats money and writes its messages for the same language.
      this.config.acceptLanguage = this.locale;
      // Prices in the currency the shopper picked before, while the store still offers it.
      let savedCurrency = null;
      try {
        const storage = this.config.storage;
        savedCurrency = storage ? storage.getItem(CURRENCY_PREFIX + this.config.publishableKey) : null;
      } catch (e) {
        savedCurrency = null;
      }
      this.config.currency = chooseCurrency(savedCurrency, this.store.currencies);
      this.applyBranding(this.store.branding || {});
      this.renderCartButtons();
      this.renderAccountButtons();
      if (this.store.features && this.store.features.conversations && this.config.chat !== "off") {
        this.buildChat();
      }
      this.win.addEventListener("popstate", () => this.routeCatalog());
      // Restored by Back from the 3-D Secure page (back/forward cache): show where it stands.
      this.win.addEventListener("pageshow", (event) => {
        if (event.persisted && this.awaitingAction()) this.showConfirmation(this.awaitingAction());
      });
      // Buy buttons anywhere on the page: <button data-shoprocket-add="prod_..." data-variant="var_...">
      this.doc.addEventListener("click", (event) => this.onBuyButton(event));
      await Promise.all([this.refreshCart(), this.refreshAuth(), this.startCatalog()]);
      await this.handleReturnParams();
    }

    /** A click on (or in) an element with data-shoprocket-add adds that product (data-variant,
     *  data-quantity) to the cart and opens the drawer. */
    onBuyButton(event) {
      const target = event.target && event.target.closest ? event.target.closest("[data-shoprocket-add]") : null;
      if (!target) return;
      event.preventDefault();
      const productId = target.getAttribute("data-shoprocket-add");
      const variantId = target.getAttribute("data-variant") || null;
      const quantity = Math.max(1, parseInt(target.getAttribute("data-quantity"), 10) || 1);
      if (!productId) return;
      this.busy(target.tagName === "BUTTON" ? target : null, null,
        () => this.addToCart(productId, variantId, quantity));
    }

    /** ?login_token= (emailed link) and ?order= (after checkout or 3-D Secure). */
    async handleReturnParams() {
      const params = new URL(this.win.location.href).searchParams;
      const loginToken = params.get("login_token");
      const orderId = params.get("order");
      if (loginToken) {
        // Out of the address bar at once: the token is single-use and must not leak on.
        this.replaceUrl(withoutParams(this.win.location.href, ["login_token"]));
        await this.verifyLogin(loginToken);
      } else if (orderId) {
        this.replaceUrl(withoutParams(this.win.location.href, ["order"]));
        await this.showConfirmation(orderId);
      } else if (this.awaitingAction()) {
        // Back from the 3-D Secure page without finishing it: its order, with "Pay another way".
        await this.showConfirmation(this.awaitingAction());
      }
    }

    /** The order left at the 3-D Secure step, remembered (localStorage) while the shopper is
     *  on the bank's page: `awaitingAction(id)` sets it, `awaitingAction(null)` forgets it,
     *  `awaitingAction()` reads it. */
    awaitingAction(orderId) {
      const storage = this.config.storage;
      const key = STORAGE_PREFIX.replace("cart-token", "awaiting-action") + this.config.publishableKey;
      try {
        if (orderId) storage.setItem(key, orderId);
        else if (orderId === null) storage.removeItem(key);
        return storage.getItem(key) || null;
      } catch (error) {
        return null;
      }
    }

    /** The store's colour, with the text colours computed to stay readable (AA): text on the
     *  colour (buttons) and the colour as text on white (links, secondary buttons). */
    applyBranding(branding) {
      const colour = branding.primaryColor;
      if (typeof colour === "string" && parseHexColour(colour)) {
        // CSSOM, not a style attribute: allowed under a strict Content-Security-Policy.
        const style = this.doc.documentElement.style;
        style.setProperty("--sr-primary", colour);
        style.setProperty("--sr-on-primary", readableOn(colour));
        style.setProperty("--sr-primary-ink", inkOn(colour, "#ffffff"));
      }
      const logo = safeHttpUrl(branding.logoUrl);
      if (logo) {
        this.panelLogo = this.h("img", { class: "sr-logo", src: logo, alt: this.store.name });
        this.panelTitle.before(this.panelLogo);
      }
    }

    replaceUrl(href) {
      if (this.win.history && this.win.history.replaceState) this.win.history.replaceState(null, "", href);
    }

    // ---- small UI helpers ----

    /** The widget's own text `text` in the shopper's language, `{name}` placeholders filled
     *  from `params`. */
    t(text, params) {
      return translate(this.locale, text, params);
    }

    errorNode(message) {
      return this.h("p", { class: "sr-notice sr-notice-error", role: "alert", text: message });
    }

    noticeNode(message, level) {
      return this.h("p", { class: "sr-notice sr-notice-" + (level || "info"), text: message });
    }

    buildToasts() {
      this.toasts = this.h("div", { class: "sr-toasts", role: "status", "aria-live": "polite" });
      this.doc.body.appendChild(this.toasts);
    }

    toast(message, level) {
      const node = this.noticeNode(message, level);
      this.toasts.appendChild(node);
      this.win.setTimeout(() => node.remove(), 5000);
    }

    /** Run `action` with `button` disabled; a failure is shown in `errorBox` (or a toast). */
    async busy(button, errorBox, action) {
      if (button) button.disabled = true;
      if (errorBox) errorBox.replaceChildren();
      try {
        return await action();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (errorBox) errorBox.replaceChildren(this.errorNode(error.message));
        else this.toast(error.message, "error");
        return undefined;
      } finally {
        if (button) button.disabled = false;
      }
    }

    /** An API refusal of `form`: each field's message under its control, and the summary
     *  naming the fields by their labels instead of the API's names. Returns the error. */
    formProblem(form, error) {
      if (!(error instanceof ApiError)) return error;
      const labels = showFieldErrors(form, error.fields, this.h);
      if (labels.length) error.message = this.t("Check {fields}.", { fields: listText(this.locale, labels) });
      return error;
    }

    field(label, control, hint) {
      return this.h("label", { class: "sr-field" },
        this.h("span", { class: "sr-label", text: this.t(label) }),
        control,
        hint ? this.h("small", { class: "sr-hint", text: this.t(hint) }) : null);
    }

    // ---- panel (drawer) ----

    buildPanel() {
      const h = this.h;
      this.panelTitle = h("h2", { class: "sr-panel-title", id: "sr-panel-title" });
      this.panelClose = h("button", { type: "button", class: "sr-icon-button", "aria-label": this.t("Close"),
        text: this.t("×"), onClick: () => this.closePanel() });
      this.panelBody = h("div", { class: "sr-panel-body" });
      this.panel = h("aside", { class: "sr-panel", role: "dialog", "aria-modal": "true",
        "aria-labelledby": "sr-panel-title", hidden: true },
        h("div", { class: "sr-panel-head" }, this.panelTitle, this.panelClose),
        this.panelBody);
      this.overlay = h("div", { class: "sr-overlay", hidden: true, onClick: () => this.closePanel() });
      this.doc.body.append(this.overlay, this.panel);
      this.doc.addEventListener("keydown", (event) => this.onKeydown(event));
    }

    /** Esc closes the chat (when focus is in it or the drawer is shut), else the drawer; Tab
     *  stays inside the open drawer (it is modal). */
    onKeydown(event) {
      const chatOpen = this.chatBox && !this.chatBox.hidden;
      if (event.key === "Escape") {
        if (chatOpen && (this.panel.hidden || this.chatBox.contains(this.doc.activeElement))) {
          this.toggleChat(false);
          this.chatBubble.focus();
        } else if (!this.panel.hidden) {
          this.closePanel();
        }
        return;
      }
      if (event.key !== "Tab" || this.panel.hidden) return;
      const focusable = Array.from(this.panel.querySelectorAll(FOCUSABLE)).filter(
        (node) => !node.disabled && node.getClientRects().length > 0);
      if (!focusable.length) return;
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      const active = this.doc.activeElement;
      if (!this.panel.contains(active)) {
        event.preventDefault();
        (event.shiftKey ? last : first).focus();
      } else if (event.shiftKey && active === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && active === last) {
        event.preventDefault();
        first.focus();
      }
    }

    openPanel(view, title, content) {
      this.panelView = view;
      this.panelTitle.textContent = title;
      this.panelBody.replaceChildren(content);
      const wasHidden = this.panel.hidden;
      this.panel.hidden = false;
      this.overlay.hidden = false;
      if (wasHidden) {
        const active = this.doc.activeElement;
        this.panelOpener = active && active !== this.doc.body && !this.panel.contains(active) ? active : null;
        this.panelClose.focus();
      }
    }

    /** Close the drawer; focus goes back to what opened it, else to the cart button. */
    closePanel() {
      this.panel.hidden = true;
      this.overlay.hidden = true;
      this.panelView = null;
      const opener = this.panelOpener;
      this.panelOpener = null;
      const target = opener && opener.isConnected && opener.getClientRects().length > 0
        ? opener
        : this.doc.querySelector(".sr-cart-button");
      if (target) target.focus();
    }

    loadingNode() {
      return this.h("p", { class: "sr-muted", text: this.t("Loading…") });
    }

    // ---- catalog ----

    async startCatalog() {
      if (!this.mounts.catalog.length) {
        const product = new URL(this.win.location.href).searchParams.get("product");
        if (product) await this.showProduct(product, false);
        return;
      }
      try {
        this.catalog.categories = flattenCategories(await this.client.get("/categories"));
      } catch (error) {
        this.catalog.categories = []; // the grid still works without the filter
      }
      await this.routeCatalog();
    }

    /** Show the product named in ?product=, else the product list for ?q=, ?category= and
     *  ?page= (so a reload or the back button keeps the search). */
    async routeCatalog() {
      const params = new URL(this.win.location.href).searchParams;
      const product = params.get("product");
      Object.assign(this.catalog.query, {
        q: params.get(URL_PARAMS.q) || "",
        category: params.get(URL_PARAMS.category) || "",
        page: Math.max(1, parseInt(params.get(URL_PARAMS.page), 10) || 1),
      });
      if (product) await this.showProduct(product, false);
      else await this.loadProducts();
    }

    /** Put the list's search, category and page in the address bar (a history entry). */
    pushCatalogUrl() {
      if (!(this.win.history && this.win.history.pushState)) return;
      const url = new URL(this.win.location.href);
      const query = this.catalog.query;
      for (const [key, param] of Object.entries(URL_PARAMS)) {
        const value = key === "page" ? (query.page > 1 ? String(query.page) : "") : query[key];
        if (value) url.searchParams.set(param, value);
        else url.searchParams.delete(param);
      }
      url.searchParams.delete("product");
      if (url.href !== this.win.location.href) this.win.history.pushState(null, "", url.href);
    }

    /** Show `content` in the catalog mount (the first one: a page has one catalog). */
    setCatalog(content) {
      this.mounts.catalog[0].replaceChildren(content);
    }

    /** Show prices in `code` (one of the store's currencies): remembered, and the catalogue
     *  and the cart (which the API re-prices) are fetched again. */
    async setCurrency(code) {
      const currencies = (this.store && this.store.currencies) || [];
      this.config.currency = chooseCurrency(code, currencies);
      try {
        const storage = this.config.storage;
        if (storage) storage.setItem(CURRENCY_PREFIX + this.config.publishableKey, this.config.currency);
      } catch (e) {
        /* not remembered: this page view only */
      }
      await Promise.all([this.routeCatalog(), this.refreshCart()]);
    }

    async loadProducts() {
      const query = this.catalog.query;
      this.renderCatalogList({ loading: true });
      try {
        this.catalog.list = await this.client.get("/products", {
          category: query.category, q: query.q, page: query.page, perPage: this.config.perPage,
        }, { withMeta: true });
        this.renderCatalogList({});
      } catch (error) {
        this.renderCatalogList({ error: error.message });
      }
    }

    renderCatalogList(state) {
      const h = this.h;
      const query = this.catalog.query;
      const search = h("input", { type: "search", name: "q", value: query.q, placeholder: this.t("Search products"),
        "aria-label": this.t("Search products") });
      const category = h("select", { name: "category", "aria-label": this.t("Category") },
        h("option", { value: "", text: this.t("All categories") }),
        this.catalog.categories.map((c) => h("option", { value: c.slug, selected: c.slug === query.category,
          text: "\u2014 ".repeat(c.depth) + c.name })));
      const toolbar = h("form", { class: "sr-toolbar", role: "search", onSubmit: (event) => {
        event.preventDefault();
        Object.assign(query, { q: search.value.trim(), category: category.value, page: 1 });
        this.pushCatalogUrl();
        this.loadProducts();
      } }, category, search, h("button", { type: "submit", class: "sr-button", text: this.t("Search") }));
      category.addEventListener("change", () => toolbar.requestSubmit());
      const currencies = (this.store && this.store.currencies) || [];
      if (currencies.length > 1) {
        const chosen = this.config.currency || currencies[0];
        const picker = h("select", { name: "currency", class: "sr-currency", "aria-label": this.t("Currency") },
          currencies.map((code) => h("option", { value: code, selected: code === chosen, text: code })));
        picker.addEventListener("change", () => this.setCurrency(picker.value));
        toolbar.append(picker);
      }

      let body;
      if (state.loading) body = this.loadingNode();
      else if (state.error) body = this.errorNode(state.error);
      else body = this.productGrid(this.catalog.list);
      this.setCatalog(h("section", { class: "sr-catalog" }, toolbar, body));
    }

    productGrid(list) {
      const h = this.h;
      const products = list.data || [];
      if (!products.length) return h("p", { class: "sr-muted", text: this.t("No products found.") });
      const meta = list.meta || {};
      const page = meta.currentPage || 1;
      const last = meta.lastPage || 1;
      const go = (target) => {
        this.catalog.query.page = target;
        this.pushCatalogUrl();
        this.loadProducts();
      };
      return h("div", null,
        h("div", { class: "sr-grid" }, products.map((product) => this.productCard(product))),
        last > 1 ? h("nav", { class: "sr-pager", "aria-label": this.t("Pages") },
          h("button", { type: "button", class: "sr-button sr-secondary", text: this.t("Previous"),
            disabled: page <= 1, onClick: () => go(page - 1) }),
          h("span", { text: this.t("Page {page} of {last}", { page: page, last: last }) }),
          h("button", { type: "button", class: "sr-button sr-secondary", text: this.t("Next"), disabled: page >= last,
            onClick: () => go(page + 1) })) : null);
    }

    productImage(media, fallbackAlt, className) {
      const image = (media || []).find((item) => !item.isVideo);
      const src = image ? mediaUrl(this.config.mediaBase, image.path) : null;
      if (!src) return this.h("div", { class: className + " sr-no-image" });
      const alt = image.alt || fallbackAlt || "";
      return this.h("img", { class: className, src: src, alt: alt, loading: "lazy" });
    }

    priceNode(price, subscription) {
      const h = this.h;
      if (!price) return null;
      const text = subscription
        ? subscriptionPriceText(this.locale, moneyText(price), subscription)
        : moneyText(price);
      return h("p", { class: "sr-price" },
        h("span", { text: text }),
        price.isOnSale && price.originalFormatted
          ? h("s", { class: "sr-muted", text: price.originalFormatted })
          : null,
        subscription && subscription.trialDays
          ? h("span", { class: "sr-badge-trial", text: this.t("{days}-day free trial", { days: subscription.trialDays }) })
          : null);
    }

    productCard(product) {
      const h = this.h;
      const open = (event) => {
        event.preventDefault();
        this.showProduct(product.slug || product.id, true);
      };
      return h("article", { class: "sr-card" },
        h("a", { href: "?product=" + seg(product.slug || product.id), class: "sr-card-link", onClick: open },
          this.productImage(product.media, product.name, "sr-card-image"),
          h("h3", { class: "sr-card-title", text: product.name })),
        this.priceNode(product.price, product.subscription),
        this.digitalNode(product),
        product.inStock === false ? h("p", { class: "sr-badge-out", text: this.t("Out of stock") }) : null,
        product.quickAddEligible ? h("button", { type: "button", class: "sr-button", text: this.t("Add to cart"),
          onClick: (event) =>
            this.busy(event.currentTarget, null, () => this.addToCart(product.id, null, 1)) })
          : h("button", { type: "button", class: "sr-button sr-secondary", text: this.t("View"), onClick: open }));
    }

    /** The product page, in the catalog mount (or the panel when the page has none). */
    async showProduct(ref, push) {
      if (push && this.win.history && this.win.history.pushState) {
        const url = new URL(this.win.location.href);
        url.searchParams.set("product", ref);
        this.win.history.pushState(null, "", url.href);
      }
      const show = (node) => {
        if (this.mounts.catalog.length) this.setCatalog(node);
        else this.openPanel("product", "Product", node);
      };
      show(this.loadingNode());
      try {
        show(this.productDetail(await this.client.get("/products/" + seg(ref))));
      } catch (error) {
        show(this.h("div", null, this.backLink(), this.errorNode(error.message)));
      }
    }

    backLink() {
      if (!this.mounts.catalog.length) return null;
      return this.h("button", { type: "button", class: "sr-link", text: this.t("← All products"), onClick: () => {
        if (this.win.history && this.win.history.pushState) {
          this.win.history.pushState(null, "", withoutParams(this.win.location.href, ["product"]));
        }
        this.loadProducts();
      } });
    }

    productDetail(product) {
      const h = this.h;
      const selection = {};
      const errors = h("div");
      const variantInfo = h("p", { class: "sr-muted" });
      const minQuantity = Math.max(1, product.minOrderQuantity || 1);
      const quantity = h("input", { type: "number", min: String(minQuantity), value: String(minQuantity),
        name: "quantity", class: "sr-quantity" });
      if (product.maxOrderQuantity) quantity.setAttribute("max", String(product.maxOrderQuantity));
      const addButton = h("button", { type: "submit", class: "sr-button", text: this.t("Add to cart") });
      const headlinePrice = h("div", { class: "sr-headline-price" }, this.priceNode(product.price, product.subscription));
      const images = (product.media || []).filter((item) => !item.isVideo);
      const main = this.productImage(images, product.name, "sr-detail-image");
      const showImage = (item) => {
        if (!item || main.tagName !== "IMG") return;
        main.src = mediaUrl(this.config.mediaBase, item.path);
        main.alt = item.alt || product.name;
      };

      // Pick a variant: one select per option; the matching variant gives price and stock.
      const selects = (product.options || []).map((option) => {
        const select = h("select", { name: option.name, required: true },
          h("option", { value: "", text: this.t("Choose {option}", { option: option.name }) }),
          (option.values || []).map((value) => h("option", { value: value, text: value })));
        select.addEventListener("change", () => {
          selection[option.name] = select.value;
          update();
        });
        return this.field(option.name, select);
      });
      const update = () => {
        if (!(product.options || []).length) {
          addButton.disabled = product.inStock === false;
          variantInfo.textContent = product.inStock === false ? "Out of stock" : "";
          return;
        }
        const variant = selectVariant(product, selection);
        addButton.disabled = !variant || variant.inStock === false;
        // The headline follows the variant: its price, and its own image when it has one.
        headlinePrice.replaceChildren(
          this.priceNode((variant && variant.price) || product.price, product.subscription) || "");
        if (variant && variant.mediaId) showImage(images.find((item) => item.id === variant.mediaId));
        if (!variant) {
          variantInfo.textContent = this.t("Choose {options}.",
            { options: listText(this.locale, product.options.map((o) => o.name)) });
        } else {
          const stock = variant.inStock === false ? " · " + this.t("Out of stock") : "";
          variantInfo.textContent = moneyText(variant.price) + stock;
        }
      };
      update();

      const form = h("form", { class: "sr-add-form", onSubmit: (event) => {
        event.preventDefault();
        const variant = selectVariant(product, selection);
        const count = parseInt(quantity.value, 10) || minQuantity;
        this.busy(addButton, errors, () => this.addToCart(product.id, variant ? variant.id : null, count));
      } }, selects, variantInfo, this.field("Quantity", quantity), addButton, errors);

      const thumbs = images.length > 1 ? h("div", { class: "sr-thumbs" }, images.map((item) =>
        h("button", { type: "button", class: "sr-thumb", "aria-label": item.alt || product.name,
          onClick: () => showImage(item) },
        h("img", { src: mediaUrl(this.config.mediaBase, item.path), alt: "" })))) : null;

      return h("article", { class: "sr-detail" },
        this.backLink(),
        h("div", { class: "sr-detail-grid" },
          h("div", null, main, thumbs),
          h("div", null,
            h("h2", { class: "sr-detail-title", text: product.name }),
            headlinePrice,
            product.price && product.price.note
              ? h("p", { class: "sr-muted", text: product.price.note })
              : null,
            this.digitalNode(product),
            product.summary ? h("p", { class: "sr-summary", text: product.summary }) : null,
            this.bundleNode(product),
            form,
            this.descriptionNode(product))),
        this.reviewsNode(product));
    }

    /** A bundle's contents ("Includes: 2 × Candle, 1 × Holder (Brass)") and what it saves
     *  against buying them separately (the API's components and bundleSaving). */
    bundleNode(product) {
      const h = this.h;
      const components = product.components || [];
      if (product.productType !== "bundle" || !components.length) return null;
      const items = components.map((c) =>
        c.quantity + " \u00d7 " + c.productName + (c.variantName ? " (" + c.variantName + ")" : ""));
      const saving = product.bundleSaving;
      return h("div", { class: "sr-bundle" },
        h("p", { class: "sr-bundle-contents", text: this.t("Includes: {items}", { items: items.join(", ") }) }),
        saving && saving.amount > 0
          ? h("p", { class: "sr-bundle-saving",
            text: this.t("Save {amount} on buying them separately.", { amount: moneyText(saving) }) })
          : null);
    }

    /** A digital product's note: buyers download it once they have paid. */
    digitalNode(product) {
      if (!product.digital && product.productType !== "digital") return null;
      return this.h("p", { class: "sr-digital", text: this.t("Download after purchase") });
    }

    /** Approved reviews (GET /products/{id}/reviews) and a form to write one (it is moderated). */
    reviewsNode(product) {
      const h = this.h;
      const features = (this.store && this.store.features) || {};
      if (features.reviews === false) return null;
      const list = h("div", { class: "sr-review-list" }, this.loadingNode());
      const summary = product.reviewCount
        ? h("p", { class: "sr-muted", text: starsText(product.averageRating) + " " +
          this.t(product.reviewCount === 1 ? "{rating} / 5 · {count} review" : "{rating} / 5 · {count} reviews",
            { rating: String(Math.round(Number(product.averageRating || 0) * 10) / 10), count: product.reviewCount }) })
        : null;
      (async () => {
        try {
          const reviews = await this.client.get("/products/" + seg(product.id) + "/reviews", { perPage: 10 });
          list.replaceChildren(reviews.length
            ? h("ul", { class: "sr-reviews" }, reviews.map((review) => this.reviewItem(review)))
            : h("p", { class: "sr-muted", text: this.t("No reviews yet: be the first.") }));
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          list.replaceChildren(this.errorNode(error.message));
        }
      })();
      return h("section", { class: "sr-reviews-section", "aria-labelledby": "sr-reviews-title" },
        h("h3", { id: "sr-reviews-title", text: this.t("Reviews") }), summary, list, this.reviewForm(product));
    }

    reviewItem(review) {
      const h = this.h;
      return h("li", { class: "sr-review" },
        h("p", { class: "sr-review-stars", role: "img", "aria-label": this.t("{rating} out of 5", { rating: review.rating }),
          text: starsText(review.rating) }),
        review.title ? h("strong", { text: review.title }) : null,
        h("p", { class: "sr-review-body", text: review.body }),
        h("p", { class: "sr-muted", text: review.authorName +
          (review.verifiedPurchase ? " · " + this.t("Verified purchase") : "") + " · " + String(review.createdAt || "").slice(0, 10) }));
    }

    reviewForm(product) {
      const h = this.h;
      const errors = h("div");
      const rating = h("select", { name: "rating", required: true, "data-field": "rating" },
        h("option", { value: "", text: this.t("Choose") }),
        [5, 4, 3, 2, 1].map((n) => h("option", { value: String(n), text: starsText(n) + " (" + n + ")" })));
      const title = h("input", { type: "text", name: "title", maxlength: "200", "data-field": "title" });
      const body = h("textarea", { name: "body", rows: "4", maxlength: "5000", required: true, "data-field": "body" });
      const name = h("input", { type: "text", name: "authorName", maxlength: "100", "data-field": "authorName",
        autocomplete: "name" });
      const email = h("input", { type: "email", name: "authorEmail", "data-field": "authorEmail",
        autocomplete: "email", value: (this.auth.customer && this.auth.customer.email) || "" });
      const submit = h("button", { type: "submit", class: "sr-button", text: this.t("Send review") });
      const form = h("form", { class: "sr-form sr-review-form", novalidate: true, onSubmit: (event) => {
        event.preventDefault();
        clearFieldErrors(form);
        const missing = {};
        if (!rating.value) missing.rating = ["Choose a rating."];
        if (!body.value.trim()) missing.body = ["Write your review."];
        if (!isEmail(email.value) && !this.auth.authenticated) missing.authorEmail = ["Enter your email address."];
        if (Object.keys(missing).length) {
          showFieldErrors(form, missing, h);
          return;
        }
        const payload = { rating: parseInt(rating.value, 10), body: body.value.trim() };
        if (title.value.trim()) payload.title = title.value.trim();
        if (name.value.trim()) payload.authorName = name.value.trim();
        if (email.value.trim()) payload.authorEmail = email.value.trim();
        this.busy(submit, errors, async () => {
          try {
            await this.client.post("/products/" + seg(product.id) + "/reviews", payload);
          } catch (error) {
            throw this.formProblem(form, error);
          }
          form.replaceChildren(this.noticeNode(
            this.t("Thank you! Your review will appear once the shop has approved it."), "success"));
        });
      } },
        h("h4", { text: this.t("Write a review") }),
        this.field("Rating", rating), this.field("Title (optional)", title), this.field("Review", body),
        h("div", { class: "sr-row" }, this.field("Name (optional)", name),
          this.field("Email", email, "Not shown: it lets the shop check you bought it.")),
        errors, submit);
      return form;
    }

    /** The description: the API's sanitised HTML (descriptionHtml), rebuilt node by node by
     *  safeFragment; the plain Markdown text when there is none. */
    descriptionNode(product) {
      if (product.descriptionHtml) {
        return this.h("div", { class: "sr-description" }, safeFragment(this.doc, product.descriptionHtml));
      }
      return product.description ? this.h("div", { class: "sr-description", text: product.description }) : null;
    }

    // ---- cart ----

    renderCartButtons() {
      for (const node of this.mounts.cart) {
        this.cartBadge = this.cartBadge || [];
        const badge = this.h("span", { class: "sr-count", text: this.t("0") });
        this.cartBadge.push(badge);
        node.replaceChildren(this.h("button", { type: "button", class: "sr-button sr-cart-button",
          onClick: () => this.openCart() }, this.t("Cart") + " ", badge));
      }
    }

    setCart(cart) {
      this.cart = cart;
      for (const badge of this.cartBadge || []) badge.textContent = String(cartCount(cart));
      if (this.panelView === "cart") this.panelBody.replaceChildren(this.cartView());
    }

    async refreshCart() {
      try {
        await this.cartCall(() => this.client.get("/cart"));
      } catch (error) {
        this.toast(error.message, "error");
      }
    }

    async addToCart(productId, variantId, quantity) {
      const body = { productId: productId, quantity: quantity };
      if (variantId) body.variantId = variantId;
      await this.cartCall(() => this.client.post("/cart/items", body));
      this.openCart();
      this.toast(this.t("Added to your cart."), "success");
    }

    openCart() {
      this.openPanel("cart", this.t("Your cart"), this.cart ? this.cartView() : this.loadingNode());
    }

    cartView() {
      const h = this.h;
      const cart = this.cart;
      const errors = h("div");
      const items = cart.items || [];
      const messages = (cart.messages || []).map((m) =>
        this.noticeNode(m.message, m.level === "warning" ? "warning" : "info"));
      if (!items.length) {
        return h("div", null, messages, h("p", { class: "sr-muted", text: this.t("Your cart is empty.") }));
      }

      const lines = items.map((item) => {
        const quantity = h("input", { type: "number", min: "0", value: String(item.quantity),
          class: "sr-quantity", "aria-label": this.t("Quantity of {product}", { product: item.productName }) });
        const setQuantity = (count) => this.busy(quantity, errors, async () => {
          const active = this.doc.activeElement;
          const focusKey = active && active.getAttribute ? active.getAttribute("data-focus-key") : null;
          await this.cartCall(() => this.client.put("/cart/items/" + seg(item.id), { quantity: Math.max(0, count) }));
          // The cart was drawn again: keep keyboard focus on the same control.
          const again = focusKey && this.panel.querySelector('[data-focus-key="' + focusKey + '"]');
          if (again) again.focus();
        });
        quantity.addEventListener("change", () => setQuantity(parseInt(quantity.value, 10) || 0));
        const step = (delta, sign, label) => h("button", { type: "button", class: "sr-step", text: sign,
          "aria-label": this.t(label, { product: item.productName }), "data-focus-key": sign + item.id,
          onClick: () => setQuantity(item.quantity + delta) });
        const stepper = h("span", { class: "sr-stepper" }, step(-1, "\u2212", "One fewer {product}"), quantity,
          step(1, "+", "One more {product}"));
        return h("li", { class: "sr-line" },
          h("div", { class: "sr-line-main" },
            h("strong", { text: item.productName }),
            item.variantName ? h("span", { class: "sr-muted", text: item.variantName }) : null,
            h("span", { class: "sr-muted", text: this.t("{price} each", { price: moneyText(item.price) }) })),
          stepper,
          h("span", { class: "sr-line-total", text: moneyText(item.subtotal) }),
          h("button", { type: "button", class: "sr-link", text: this.t("Remove"), onClick: (event) =>
            this.busy(event.currentTarget, errors, async () => {
              await this.cartCall(() => this.client.del("/cart/items/" + seg(item.id)));
            }) }));
      });

      return h("div", { class: "sr-cart" }, messages, errors,
        h("ul", { class: "sr-lines" }, lines),
        this.discountForm(errors),
        this.cartTotals(cart),
        h("button", { type: "button", class: "sr-button sr-block", text: this.t("Checkout"),
          onClick: () => this.showCheckout() }));
    }

    /** The cart's totals. Before a shipping option is chosen, shipping and tax are estimated
     *  (POST /cart/estimate) for the visitor's country, which the shopper can change. */
    cartTotals(cart) {
      const h = this.h;
      const box = h("div", { class: "sr-cart-totals" }, this.totalsNode(cart.totals, cart.taxInclusive));
      if (cart.requiresShipping === false || cart.shippingOption) return box;
      const country = h("select", { name: "estimateCountry", class: "sr-estimate-country",
        "aria-label": this.t("Estimate shipping to") });
      const note = h("p", { class: "sr-muted sr-estimate-note" });
      const estimate = async () => {
        const code = country.value || this.estimateCountry || cart.visitorCountry;
        if (!code) return;
        this.estimateCountry = code;
        try {
          const result = await this.client.post("/cart/estimate", { countryCode: code });
          box.replaceChildren(this.totalsNode(result.totals, cart.taxInclusive, true));
          note.textContent = result.shippingOptionsCount ? this.t("Estimate: the cheapest shipping to this country.")
            : this.t("We do not ship to this country yet.");
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          note.textContent = error.message;
        }
      };
      country.addEventListener("change", estimate);
      const fill = async () => {
        try {
          this.countries = this.countries || (await this.client.get("/countries"));
        } catch (error) {
          this.countries = null;
        }
        const chosen = this.estimateCountry || cart.visitorCountry;
        country.replaceChildren(...(this.countries || []).map((c) =>
          h("option", { value: c.code, text: c.name, selected: c.code === chosen })));
        await estimate();
      };
      fill();
      return h("div", { class: "sr-estimate" }, this.field("Shipping to", country), box, note);
    }

    discountForm(errors) {
      const h = this.h;
      const cart = this.cart;
      const features = (this.store && this.store.features) || {};
      if (features.discounts === false) return null;
      if (cart.discountCode) {
        return h("div", { class: "sr-discount" },
          h("span", { text: this.t("Discount code") + " " }), h("strong", { text: cart.discountCode }),
          h("button", { type: "button", class: "sr-link", text: this.t("Remove"), onClick: (event) =>
            this.busy(event.currentTarget, errors, async () => {
              await this.cartCall(() => this.client.del("/cart/discount"));
            }) }));
      }
      const code = h("input", { type: "text", name: "code", placeholder: this.t("Discount code"),
        "aria-label": this.t("Discount code") });
      const button = h("button", { type: "submit", class: "sr-button sr-secondary", text: this.t("Apply") });
      return h("form", { class: "sr-discount", onSubmit: (event) => {
        event.preventDefault();
        if (!code.value.trim()) return;
        this.busy(button, errors, async () => {
          await this.cartCall(() => this.client.post("/cart/discount", { code: code.value.trim() }));
        });
      } }, code, button);
    }

    /** Subtotal, discount (with a minus), shipping, tax and total; `estimated` labels the
     *  shipping and total rows as estimates. */
    totalsNode(totals, taxInclusive, estimated) {
      const h = this.h;
      if (!totals) return null;
      const row = (label, money, strong, text) => money ? [h("dt", { text: this.t(label) }),
        h("dd", { class: strong ? "sr-strong" : null, text: text || moneyText(money) })] : null;
      const discount = totals.discount && totals.discount.amount ? totals.discount : null;
      return h("dl", { class: "sr-totals" },
        row("Subtotal", totals.subtotal),
        discount ? row("Discount", discount, false, discountText(discount)) : null,
        row(estimated ? "Shipping (estimate)" : "Shipping", totals.shipping),
        row(taxInclusive ? "Tax (included)" : "Tax", totals.tax),
        row(estimated ? "Estimated total" : "Total", totals.total, true));
    }

    // ---- checkout ----

    /** The checkout: step 1 (details), or with `options.payment` the payment step, headed by
     *  `options.notice` (paying again after a failed payment). */
    async showCheckout(options) {
      const opts = options || {};
      this.openPanel("checkout", this.t("Checkout"), this.loadingNode());
      try {
        const [countries, methods, saved] = await Promise.all([
          this.countries || this.client.get("/countries"),
          this.client.get("/payment-methods"),
          this.client.get("/cart/checkout-data"),
        ]);
        this.countries = countries;
        this.paymentMethods = methods;
        if (this.panelView !== "checkout") return;
        if (opts.payment) {
          const step = await this.paymentStep();
          this.panelBody.replaceChildren(opts.notice ? this.noticeNode(opts.notice, "warning") : "", step);
        } else {
          this.panelBody.replaceChildren(this.detailsForm(saved || {}));
        }
      } catch (error) {
        this.panelBody.replaceChildren(this.errorNode(error.message));
      }
    }

    /** Step 1: email and address, saved with PUT /cart/checkout-data. */
    detailsForm(saved) {
      const h = this.h;
      const shipping = this.cart.requiresShipping !== false;
      // Physical goods: the shipping address. Digital only: a billing address.
      const addressKey = shipping ? "shippingAddress" : "billingAddress";
      const address = saved[addressKey] || saved.shippingAddress || {};
      const customer = this.auth.customer || {};
      const errors = h("div");
      const inputs = {};
      const input = (name, label, value, extra) => {
        inputs[name] = h("input", Object.assign({ type: "text", name: name, value: value || "",
          "data-field": addressKey + "." + name }, extra || {}));
        return this.field(label, inputs[name]);
      };
      const email = h("input", { type: "email", name: "email", required: true, "data-field": "email",
        value: saved.email || customer.email || "", autocomplete: "email" });
      const country = h("select", { name: "countryCode", required: true,
        "data-field": addressKey + ".countryCode" },
        h("option", { value: "", text: this.t("Choose a country") }),
        (this.countries || []).map((c) => h("option", { value: c.code, text: c.name,
          selected: c.code === (address.countryCode || (this.cart.visitorCountry || "")) })));
      const state = h("select", { name: "state", "data-field": addressKey + ".state" });
      const stateField = this.field("State / region", state);
      const postcodeField = input("postcode", "Postcode", address.postcode, { autocomplete: "postal-code" });
      const postcodeLabel = postcodeField.querySelector(".sr-label");
      const updateCountry = async () => {
        const info = (this.countries || []).find((c) => c.code === country.value);
        postcodeLabel.textContent = (info && info.postcodeLabel) || "Postcode";
        stateField.hidden = !(info && info.requiresState);
        state.required = !stateField.hidden;
        if (stateField.hidden) return state.replaceChildren();
        try {
          const states = this.states[info.code]
            || (await this.client.get("/countries/" + seg(info.code) + "/states"));
          this.states[info.code] = states;
          state.replaceChildren(h("option", { value: "", text: this.t("Choose") }),
            ...states.map((s) =>
              h("option", { value: s.code, text: s.name, selected: s.code === address.state })));
        } catch (error) {
          errors.replaceChildren(this.errorNode(error.message));
        }
      };
      country.addEventListener("change", updateCountry);
      updateCountry();

      const submit = h("button", { type: "submit", class: "sr-button sr-block",
        text: this.t(shipping ? "Continue to shipping" : "Continue to payment") });
      const form = h("form", { class: "sr-form", novalidate: true, onSubmit: (event) => {
        event.preventDefault();
        const values = { countryCode: country.value, state: stateField.hidden ? null : state.value || null };
        for (const [name, node] of Object.entries(inputs)) values[name] = node.value.trim() || null;
        const body = { email: email.value.trim() };
        body[addressKey] = values;
        if (shipping) body.sameAsShipping = true;
        clearFieldErrors(form);
        if (!isEmail(body.email)) {
          const problem = body.email ? "Enter a valid email address." : "Enter your email address.";
          showFieldErrors(form, { email: [problem] }, this.h);
          errors.replaceChildren(this.errorNode(problem));
          email.focus();
          return;
        }
        this.busy(submit, errors, async () => {
          try {
            await this.client.put("/cart/checkout-data", body);
          } catch (error) {
            throw this.formProblem(form, error);
          }
          await this.refreshCart();
          this.panelBody.replaceChildren(await this.paymentStep());
        });
      } },
        h("h3", { text: this.t("Contact") }), this.field("Email", email),
        h("h3", { text: this.t(shipping ? "Shipping address" : "Billing address") }),
        h("div", { class: "sr-row" },
          input("firstName", "First name", address.firstName || customer.firstName,
            { autocomplete: "given-name" }),
          input("lastName", "Last name", address.lastName || customer.lastName,
            { autocomplete: "family-name" })),
        input("company", "Company (optional)", address.company),
        input("line1", "Address", address.line1, { autocomplete: "address-line1" }),
        input("line2", "Apartment, suite (optional)", address.line2, { autocomplete: "address-line2" }),
        input("city", "City", address.city, { autocomplete: "address-level2" }),
        this.field("Country", country), stateField, postcodeField,
        input("phone", "Phone (optional)", address.phone,
          { type: "tel", autocomplete: "tel", placeholder: this.t("+447700900123") }),
        errors, submit);
      return form;
    }

    /** Step 2: shipping option (when needed), payment method, place the order. */
    async paymentStep() {
      const h = this.h;
      const errors = h("div");
      const totals = h("div");
      const showTotals = () =>
        totals.replaceChildren(this.totalsNode(this.cart.totals, this.cart.taxInclusive) || "");
      showTotals();

      let shippingSection = null;
      // The shipping choice being saved: "Place order" waits for it, so a quick click never
      // checks out the cart before its shipping option is set.
      let shippingSaving = Promise.resolve();
      if (this.cart.requiresShipping !== false) {
        let options = [];
        try {
          options = await this.client.get("/cart/shipping-options");
        } catch (error) {
          errors.replaceChildren(this.errorNode(error.message));
        }
        const chosen = this.cart.shippingOption ? this.cart.shippingOption.id : null;
        shippingSection = h("fieldset", { class: "sr-choices" }, h("legend", { text: this.t("Shipping") }),
          options.length
            ? null
            : h("p", { class: "sr-muted", text: this.t("No shipping options reach this address.") }),
          options.map((option) => {
            const radio = h("input", { type: "radio", name: "shippingOption", value: option.id,
              checked: option.id === chosen });
            radio.addEventListener("change", () => {
              shippingSaving = this.busy(null, errors, async () => {
                await this.cartCall(() => this.client.post("/cart/shipping-option", { shippingOptionId: option.id }));
                showTotals();
              });
            });
            // The method's description, else its delivery estimate.
            const days = option.estimatedMinDays != null && option.estimatedMaxDays != null
              ? this.t("{min}–{max} days", { min: option.estimatedMinDays, max: option.estimatedMaxDays }) : "";
            return h("label", { class: "sr-choice" }, radio,
              h("span", { class: "sr-choice-main" }, h("strong", { text: option.name }),
                h("span", { class: "sr-muted", text: option.description || days })),
              h("span", { text: moneyText(option.price) }));
          }));
      }

      // Payment methods in the store's order. Card: a Stripe test PaymentMethod id (no Elements).
      const cardId = h("input", { type: "text", name: "cardPaymentMethod", value: "pm_card_visa",
        placeholder: this.t("pm_card_visa"), autocomplete: "off", spellcheck: "false" });
      const testCards = h("select", { "aria-label": this.t("Stripe test cards") },
        TEST_PAYMENT_METHODS.map((card) => h("option", { value: card.id, text: card.label })));
      testCards.addEventListener("change", () => { cardId.value = testCards.value; });
      const cardBox = h("div", { class: "sr-card-box", hidden: true },
        this.field("Card PaymentMethod id", cardId,
          "Card entry with Stripe Elements is not part of this widget: enter a Stripe PaymentMethod id."),
        this.field("Test cards", testCards));
      const methods = this.paymentMethods || [];
      let method = methods.length ? methods[0].id : null;
      // With the store's Stripe key the card is entered in Stripe Elements instead.
      const stripeMethod = methods.find((m) => m.id === "card" && m.stripePublishableKey);
      const stripeCard = stripeMethod ? this.stripeCardBox(stripeMethod, errors) : null;
      if (stripeCard) cardBox.replaceChildren(stripeCard.node);
      const paymentSection = h("fieldset", { class: "sr-choices" }, h("legend", { text: this.t("Payment") }),
        methods.length ? null : h("p", { class: "sr-muted", text: this.t("This store takes no payments online.") }),
        methods.map((m, index) => {
          const radio = h("input", { type: "radio", name: "paymentMethod", value: m.id,
            checked: index === 0 });
          radio.addEventListener("change", () => { method = m.id; cardBox.hidden = m.id !== "card"; });
          const icon = safeHttpUrl(m.iconUrl);
          return h("label", { class: "sr-choice" }, radio,
            icon ? h("img", { src: icon, alt: "", class: "sr-pm-icon" }) : null,
            h("span", { class: "sr-choice-main", text: m.label }));
        }),
        cardBox);
      cardBox.hidden = method !== "card";

      const submit = h("button", { type: "submit", class: "sr-button sr-block", text: this.t("Place order") });
      return h("form", { class: "sr-form", onSubmit: async (event) => {
        event.preventDefault();
        submit.disabled = true;
        await shippingSaving;
        submit.disabled = false;
        if (method === "card" && stripeCard) {
          errors.replaceChildren();
          submit.disabled = true;
          const created = await stripeCard.paymentMethod();
          submit.disabled = false;
          if (created.error) {
            errors.replaceChildren(this.errorNode(created.error));
            return;
          }
          this.placeOrder(created.id, submit, errors, stripeCard);
          return;
        }
        const paymentMethod = method === "card" ? cardId.value.trim() : method;
        if (!paymentMethod) {
          const problem = method ? "Enter a card PaymentMethod id." : "Choose a payment method.";
          errors.replaceChildren(this.errorNode(problem));
          return;
        }
        this.placeOrder(paymentMethod, submit, errors);
      } },
        h("button", { type: "button", class: "sr-link", text: this.t("← Edit details"),
          onClick: () => this.showCheckout() }),
        shippingSection, paymentSection, totals, errors, submit);
    }

    /** The card step with Stripe Elements: Stripe.js from `method.stripeJsUrl` (once), a card
     *  Element mounted in the returned node, `paymentMethod()` resolving to the created
     *  PaymentMethod's `{id}` or `{error}`, and `nextAction(clientSecret)` finishing 3-D Secure
     *  in the page with `stripe.handleNextAction` (`{paymentIntent}` or `{error}`). */
    stripeCardBox(method, errors) {
      const h = this.h;
      const mount = h("div", { class: "sr-stripe-element" });
      const node = h("div", null, h("span", { class: "sr-label", text: this.t("Card") }), mount);
      const ready = this.loadStripe(method.stripeJsUrl).then(() => {
        const stripe = this.win.Stripe(method.stripePublishableKey, { locale: this.locale || "auto" });
        const element = stripe.elements().create("card");
        element.mount(mount);
        return { stripe: stripe, element: element };
      });
      ready.catch((error) => errors.replaceChildren(this.errorNode(String(error.message || error))));
      return {
        node: node,
        paymentMethod: async () => {
          try {
            const { stripe, element } = await ready;
            const result = await stripe.createPaymentMethod({ type: "card", card: element });
            if (result.error) return { error: result.error.message || this.t("Check your card details.") };
            return { id: result.paymentMethod.id };
          } catch (error) {
            return { error: String((error && error.message) || error) };
          }
        },
        nextAction: async (clientSecret) => {
          try {
            const { stripe } = await ready;
            const result = await stripe.handleNextAction({ clientSecret: clientSecret });
            if (result.error) return { error: result.error.message || this.t("Check your card details.") };
            return { paymentIntent: result.paymentIntent };
          } catch (error) {
            return { error: String((error && error.message) || error) };
          }
        },
      };
    }

    /** Load Stripe.js from `url` (http(s) only), once per page. */
    loadStripe(url) {
      if (this.win.Stripe) return Promise.resolve();
      const src = safeHttpUrl(url);
      if (!src) return Promise.reject(new Error("Card payments are not available."));
      if (!this.stripeLoading) {
        this.stripeLoading = new Promise((resolve, reject) => {
          const script = this.doc.createElement("script");
          script.src = src;
          script.addEventListener("load", () => resolve());
          script.addEventListener("error", () => {
            this.stripeLoading = null;
            reject(new Error("Card payments could not be loaded. Try again."));
          });
          this.doc.head.appendChild(script);
        });
      }
      return this.stripeLoading;
    }

    /** POST /cart/checkout and follow the outcome: 3-D Secure, confirmation or decline.
     *  Each submission carries an Idempotency-Key; resubmitting the same body after a network
     *  failure reuses it, so a request the server did receive can never place a second order.
     *  With Stripe Elements (`stripeCard`), 3-D Secure is finished in the page. */
    async placeOrder(paymentMethod, button, errors, stripeCard) {
      button.disabled = true;
      errors.replaceChildren();
      const body = { paymentMethod: paymentMethod, returnUrl: returnUrlFor(this.win.location.href) };
      const sent = JSON.stringify(body);
      const previous = this.checkoutAttempt;
      const key = previous && previous.lost && previous.body === sent
        ? previous.key
        : generateToken(this.win.crypto).replace("crt_", "chk_");
      const answer = await this.client.raw("POST", "/cart/checkout", {
        body: body,
        headers: { "Idempotency-Key": key },
      });
      this.checkoutAttempt = { body: sent, key: key, lost: answer.status === 0 };
      const outcome = checkoutOutcome(answer.status, answer.body, this.win.location.href);
      if (outcome.kind === "action" && outcome.clientSecret && stripeCard) {
        await this.finishInPage(outcome, stripeCard);
        button.disabled = false;
        return;
      }
      if (outcome.kind === "action") {
        if (outcome.url) {
          // Remembered in case the shopper comes back without finishing (the Back button):
          // the page then offers to pay another way (handleReturnParams).
          this.awaitingAction(outcome.orderId);
          this.win.location.assign(outcome.url); // the bank's (here: the test) 3-D Secure page
          return;
        }
        outcome.message = this.t("The payment needs a confirmation step we cannot open.");
      }
      button.disabled = false;
      if (outcome.kind === "placed") {
        await this.refreshCart();
        await this.showConfirmation(outcome.orderId);
        return;
      }
      // Declined (402) or refused: say why; the cart is still there to try again.
      const messages = Object.values(outcome.fields || {}).flat().filter((m) => m !== outcome.message);
      errors.replaceChildren(this.errorNode(outcome.message), ...messages.map((m) => this.errorNode(m)));
      await this.refreshCart();
    }

    /** 3-D Secure with Stripe.js (`stripe.handleNextAction`), then the API as after the
     *  redirect: approved, the confirmation (polling the status until the payment is
     *  recorded); refused, the cart comes back to pay another way. */
    async finishInPage(outcome, stripeCard) {
      this.openPanel("confirmation", this.t("Your order"), this.loadingNode());
      const handled = await stripeCard.nextAction(outcome.clientSecret);
      if (handled.error) {
        const notice = "The card payment did not go through. Your cart is kept: choose another way to pay.";
        if (await this.payAgain(outcome.orderId, notice)) return;
      }
      await this.refreshCart();
      await this.showConfirmation(outcome.orderId);
    }

    // ---- order confirmation ----

    async showConfirmation(orderId) {
      this.openPanel("confirmation", this.t("Your order"), this.loadingNode());
      try {
        const status = await this.client.get("/orders/" + seg(orderId) + "/status");
        if (isPaymentFailed(status.paymentStatus)) {
          // 3-D Secure refused (or the payment expired): the cart comes back to pay again.
          if (await this.payAgain(orderId, "The card payment did not go through. Your cart is kept: " +
            "choose another way to pay.")) return;
        }
        const order = await this.client.get("/orders/" + seg(orderId));
        const statusLine = this.h("p", { class: "sr-status" });
        const heading = this.h("h3");
        const errors = this.h("div");
        const again = this.h("button", { type: "button", class: "sr-button sr-block sr-pay-again",
          text: this.t("Pay another way"), hidden: true, onClick: (event) => this.busy(event.currentTarget, errors,
            () => this.payAgain(orderId, "The payment was cancelled. Your cart is kept: choose how to pay.",
              true)) });
        const show = (paymentStatus) => {
          const failed = isPaymentFailed(paymentStatus);
          heading.textContent = this.t(failed ? "The payment did not go through" : "Thank you for your order");
          statusLine.textContent = this.t(paymentStatusText(paymentStatus));
          statusLine.className = "sr-status" + (failed ? " sr-status-failed" : "");
          // Failed, or left at the 3-D Secure step: the shopper may pay again another way.
          again.hidden = !(failed || paymentStatus === "requires_action");
          if (paymentStatus !== "requires_action" && this.awaitingAction() === orderId) this.awaitingAction(null);
        };
        show(status.paymentStatus);
        this.panelBody.replaceChildren(this.h("div", { class: "sr-confirmation" }, heading, statusLine,
          this.orderNode(order), errors, again));
        this.pollStatus(orderId, status.paymentStatus, show);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (this.awaitingAction() === orderId) this.awaitingAction(null);
        this.panelBody.replaceChildren(this.errorNode(error.message));
      }
    }

    /** POST /cart/reopen: the order's cart comes back (an abandoned payment is cancelled) and
     *  the payment step opens with `notice`. Returns false when the cart could not be reopened
     *  (`raise`: the error is thrown to the caller instead). */
    async payAgain(orderId, notice, raise) {
      try {
        await this.cartCall(() => this.client.post("/cart/reopen", { orderId: orderId }));
        if (this.awaitingAction() === orderId) this.awaitingAction(null);
      } catch (error) {
        if (raise || !(error instanceof ApiError)) throw error;
        return false;
      }
      await this.showCheckout({ payment: true, notice: this.t(notice) });
      return true;
    }

    /** Re-read the payment status while it can still change on its own (3-D Secure). */
    pollStatus(orderId, current, onChange) {
      if (isPaymentSettled(current) || current === "pending") return;
      let attempts = 0;
      const tick = async () => {
        if (this.panelView !== "confirmation" || attempts++ >= STATUS_POLL_ATTEMPTS) return;
        try {
          const status = await this.client.get("/orders/" + seg(orderId) + "/status");
          onChange(status.paymentStatus);
          if (isPaymentSettled(status.paymentStatus)) return;
        } catch (error) {
          return;
        }
        this.win.setTimeout(tick, STATUS_POLL_MS);
      };
      this.win.setTimeout(tick, STATUS_POLL_MS);
    }

    /** An order (public or account view): number, lines, every total, the address with its
     *  country's name, and what happens next (for a bank transfer: how to pay it). */
    orderNode(order) {
      const h = this.h;
      const lines = addressLines(order.shippingAddress, this.regionName.bind(this));
      const number = order.orderNumber ? "#" + order.orderNumber : null;
      return h("div", { class: "sr-order" },
        number ? h("p", null, this.t("Order") + " ", h("strong", { text: number })) : null,
        h("ul", { class: "sr-lines" }, (order.items || []).map((item) => h("li", { class: "sr-line" },
          h("span", { class: "sr-line-main" }, h("span", { text: item.productName }),
            item.variantName ? h("span", { class: "sr-muted", text: item.variantName }) : null,
            item.price ? h("span", { class: "sr-muted", text: this.t("{price} each", { price: moneyText(item.price) }) })
              : null),
          h("span", { text: this.t("× ") + item.quantity }),
          h("span", { class: "sr-line-total", text: moneyText(item.subtotal) })))),
        order.discountCode ? h("p", { class: "sr-muted", text: this.t("Discount code") + " " + order.discountCode }) : null,
        this.totalsNode(order.totals),
        this.downloadsNode(order.downloads),
        lines.length ? h("div", null, h("h4", { text: this.t("Shipping to") }),
          h("address", null, lines.map((line) => h("div", { text: line }))),
          order.shippingOptionName ? h("p", { class: "sr-muted", text: order.shippingOptionName }) : null)
          : null,
        this.nextStepsNode(order));
    }

    /** A paid order's download links (digital products): each file with its uses left and
     *  its expiry, or "No longer available" once used up or expired. */
    downloadsNode(downloads) {
      const h = this.h;
      if (!downloads || !downloads.length) return null;
      return h("div", { class: "sr-downloads" }, h("h4", { text: this.t("Your downloads") }),
        h("ul", { class: "sr-lines" }, downloads.map((link) => h("li", { class: "sr-line sr-download" },
          h("span", { class: "sr-line-main" },
            link.url
              ? h("a", { href: link.url, class: "sr-download-link", rel: "noopener", text: link.fileName })
              : h("span", { text: link.fileName }),
            h("span", { class: "sr-muted", text: link.productName })),
          h("span", { class: "sr-muted", text: link.available
            ? this.t("{used} of {limit} downloads used", { used: link.downloadsUsed, limit: link.downloadLimit }) +
              " · " + this.t("Available until {date}", { date: String(link.expiresAt || "").slice(0, 10) })
            : this.t("No longer available") })))));
    }

    /** What the shopper does or gets next. */
    nextStepsNode(order) {
      const h = this.h;
      const bank = order.bankTransfer;
      if (bank) {
        return h("div", { class: "sr-next-steps sr-bank-transfer" },
          h("h4", { text: this.t("Pay by bank transfer") }),
          h("p", { text: this.t("Send {amount} to:", { amount: moneyText(bank.amount) }) }),
          bank.details
            ? h("address", null, bank.details.split("\n").map((line) => h("div", { text: line })))
            : h("p", { class: "sr-muted", text: this.t("The shop will email you its bank details.") }),
          h("p", null, this.t("Payment reference:") + " ", h("strong", { class: "sr-reference", text: bank.reference })),
          h("p", { class: "sr-muted", text: this.t("We send your order once the payment has arrived.") }));
      }
      if (order.paymentStatus !== "paid") return null;
      const email = order.email ? this.t("We have emailed a confirmation to {email}.", { email: order.email }) + " " : "";
      const ships = order.shippingAddress || !(order.downloads || []).length;
      return h("div", { class: "sr-next-steps" }, h("h4", { text: this.t("What happens next") }),
        h("p", { text: email + this.t(ships ? "We will email you again when your order ships."
          : "Your download links are below and in your email.") }));
    }

    /** A country's name in the page's language ("GB" -> "United Kingdom"), else the code. */
    regionName(code) {
      try {
        const names = new this.win.Intl.DisplayNames([this.doc.documentElement.lang || "en"], { type: "region" });
        return names.of(code) || code;
      } catch (error) {
        return code;
      }
    }

    // ---- account (passwordless login) ----

    renderAccountButtons() {
      this.accountButtons = this.mounts.account.map((node) => {
        const button = this.h("button", { type: "button", class: "sr-button sr-secondary", text: this.t("Sign in"),
          onClick: () => this.showAccount() });
        node.replaceChildren(button);
        return button;
      });
    }

    setAuth(auth) {
      const authenticated = !!(auth && auth.authenticated);
      this.auth = { authenticated: authenticated, customer: (auth && auth.customer) || null };
      for (const button of this.accountButtons || []) {
        button.textContent = this.t(authenticated ? "Account" : "Sign in");
      }
    }

    async refreshAuth() {
      try {
        this.setAuth(await this.client.get("/cart/auth-status"));
      } catch (error) {
        this.setAuth(null);
      }
    }

    async verifyLogin(token) {
      try {
        await this.client.post("/cart/verify-auth", { token: token });
      } catch (error) {
        await this.showAccount(error.message);
        return;
      }
      await Promise.all([this.refreshAuth(), this.refreshCart()]);
      await this.showAccount();
    }

    async showAccount(problem) {
      this.openPanel("account", this.t(this.auth.authenticated ? "Your account" : "Sign in"), this.loadingNode());
      const content = this.auth.authenticated ? await this.accountView() : this.loginForm();
      if (this.panelView === "account") {
        this.panelBody.replaceChildren(problem ? this.errorNode(problem) : "", content);
      }
    }

    loginForm() {
      const h = this.h;
      const errors = h("div");
      const email = h("input", { type: "email", name: "email", required: true, autocomplete: "email" });
      const submit = h("button", { type: "submit", class: "sr-button sr-block",
        text: this.t("Email me a sign-in link") });
      const form = h("form", { class: "sr-form", onSubmit: (event) => {
        event.preventDefault();
        const address = email.value.trim();
        if (!isEmail(address)) {
          errors.replaceChildren(this.errorNode(this.t("Enter your email address.")));
          return;
        }
        this.busy(submit, errors, async () => {
          // The same answer whether or not the email has an account: it reveals nothing.
          const sent = await this.client.post("/cart/send-auth", { email: address });
          const minutes = Math.round((sent.expiresIn || 900) / 60);
          form.replaceChildren(this.noticeNode(this.t("If {email} has an account in this shop, a sign-in " +
            "link is on its way. It works once, for {minutes} minutes.", { email: address, minutes: minutes }), "success"));
        });
      } },
        h("p", { class: "sr-muted", text: this.t("No password needed: we email you a link that signs you in.") }),
        this.field("Email", email), errors, submit);
      return form;
    }

    async accountView() {
      const h = this.h;
      let profile;
      let orders;
      try {
        [profile, orders] = await Promise.all([
          this.client.get("/account/profile"),
          this.client.get("/account/orders", { perPage: 20 }, { withMeta: true }),
        ]);
      } catch (error) {
        if (error.status === 401) {
          this.setAuth(null);
          return this.loginForm();
        }
        return this.errorNode(error.message);
      }
      const errors = h("div");
      const detail = h("div");
      const name = [profile.firstName, profile.lastName].filter(Boolean).join(" ");
      const address = addressLines(profile.defaultAddress);
      const rows = (orders.data || []).map((order) => h("li", { class: "sr-line" },
        h("button", { type: "button", class: "sr-link",
          text: order.orderNumber ? "#" + order.orderNumber : order.id,
          onClick: (event) => this.busy(event.currentTarget, errors, async () => {
            detail.replaceChildren(this.orderNode(await this.client.get("/account/orders/" + seg(order.id))));
          }) }),
        h("span", { class: "sr-muted", text: String(order.createdAt || "").slice(0, 10) }),
        h("span", { text: paymentStatusText(order.paymentStatus) }),
        h("span", { class: "sr-line-total", text: moneyText(order.totals && order.totals.total) })));
      return h("div", { class: "sr-account" },
        h("dl", { class: "sr-profile" },
          name ? [h("dt", { text: this.t("Name") }), h("dd", { text: name })] : null,
          h("dt", { text: this.t("Email") }), h("dd", { text: profile.email }),
          profile.phone ? [h("dt", { text: this.t("Phone") }), h("dd", { text: profile.phone })] : null,
          address.length
            ? [h("dt", { text: this.t("Address") }), h("dd", null, address.map((l) => h("div", { text: l })))]
            : null),
        h("h3", { text: this.t("Your orders") }),
        rows.length
          ? h("ul", { class: "sr-lines" }, rows)
          : h("p", { class: "sr-muted", text: this.t("No orders yet.") }),
        detail, errors,
        h("button", { type: "button", class: "sr-button sr-secondary sr-block", text: this.t("Sign out"),
          onClick: (event) => this.busy(event.currentTarget, errors, async () => {
            await this.client.post("/account/logout");
            this.setAuth(null);
            await this.refreshCart();
            this.showAccount();
          }) }));
    }

    // ---- chat ----

    buildChat() {
      const h = this.h;
      this.chatList = h("ol", { class: "sr-chat-messages", "aria-live": "polite" });
      this.chatErrors = h("div");
      const text = h("textarea", { name: "body", rows: "2", maxlength: "4000", placeholder: this.t("Write a message"),
        "aria-label": this.t("Message") });
      this.chatText = text;
      const send = h("button", { type: "submit", class: "sr-button", text: this.t("Send") });
      const form = h("form", { class: "sr-chat-form", onSubmit: (event) => {
        event.preventDefault();
        const body = text.value.trim();
        if (!body) return;
        this.busy(send, this.chatErrors, async () => {
          await this.sendChatMessage(body);
          text.value = "";
        });
      } }, text, send);
      this.chatBox = h("section", { class: "sr-chat", hidden: true, "aria-label": this.t("Chat with the shop") },
        h("div", { class: "sr-panel-head" }, h("strong", { text: this.t("Message {shop}", { shop: this.store.name }) }),
          h("button", { type: "button", class: "sr-icon-button", "aria-label": this.t("Close chat"), text: this.t("×"),
            onClick: () => this.toggleChat(false) })),
        this.chatList, this.chatErrors, form);
      this.chatBubble = h("button", { type: "button", class: "sr-chat-bubble",
        "aria-label": this.t("Chat with the shop"), text: this.t("Chat"), "aria-expanded": "false",
        onClick: () => this.toggleChat(this.chatBox.hidden) });
      this.doc.body.append(this.chatBox, this.chatBubble);
    }

    /** Whether this visitor started a chat with this store (remembered in localStorage). */
    chatStarted(set) {
      const storage = this.config.storage;
      const key = STORAGE_PREFIX.replace("cart-token", "chat") + this.config.publishableKey;
      try {
        if (set && storage) storage.setItem(key, "1");
        return !storage || storage.getItem(key) === "1";
      } catch (error) {
        return true;
      }
    }

    async toggleChat(open) {
      this.chatBox.hidden = !open;
      this.chat.open = open;
      this.chatBubble.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) this.chatText.focus();
      this.win.clearTimeout(this.chat.timer);
      if (!open) return;
      // Only a visitor who started a chat has one to fetch (no 404 for everyone else).
      if (!this.chat.conversation && this.chatStarted()) {
        try {
          this.chat.conversation = await this.client.get("/conversations/current");
        } catch (error) {
          if (error.status !== 404) this.chatErrors.replaceChildren(this.errorNode(error.message));
        }
      }
      await this.pollChat();
    }

    /** Fetch messages after the last one shown; repeat while the chat is open. */
    async pollChat() {
      const conversation = this.chat.conversation;
      if (!this.chat.open) return;
      if (conversation) {
        const last = this.chat.messages[this.chat.messages.length - 1];
        try {
          const fresh = await this.client.get("/conversations/" + seg(conversation.id) + "/messages",
            { after: last ? last.id : null });
          this.addChatMessages(fresh);
        } catch (error) {
          this.chatErrors.replaceChildren(this.errorNode(error.message));
        }
      } else if (!this.chat.messages.length) {
        this.chatList.replaceChildren(
          this.h("li", { class: "sr-muted", text: this.t("Ask us anything: we usually reply within a day.") }));
      }
      this.win.clearTimeout(this.chat.timer);
      this.chat.timer = this.win.setTimeout(() => this.pollChat(), CHAT_POLL_MS);
    }

    addChatMessages(messages) {
      const known = new Set(this.chat.messages.map((m) => m.id));
      const fresh = (messages || []).filter((m) => !known.has(m.id));
      if (!fresh.length) return;
      if (!this.chat.messages.length) this.chatList.replaceChildren();
      this.chat.messages.push(...fresh);
      for (const message of fresh) {
        const side = message.sender === "seller" ? "seller" : "visitor";
        this.chatList.appendChild(this.h("li", { class: "sr-chat-message sr-chat-" + side },
          this.h("span", { text: message.body })));
      }
      this.chatList.scrollTop = this.chatList.scrollHeight;
    }

    async sendChatMessage(body) {
      if (!this.chat.conversation) {
        this.chat.conversation = await this.client.post("/conversations", { initialMessage: body });
        this.chatStarted(true);
        await this.pollChat();
        return;
      }
      const path = "/conversations/" + seg(this.chat.conversation.id) + "/messages";
      this.addChatMessages([await this.client.post(path, { body: body })]);
    }
  }

  // -- field errors on forms -------------------------------------------------------------

  function clearFieldErrors(form) {
    for (const node of form.querySelectorAll(".sr-field-error")) node.remove();
    for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  }

  /** Put each field message under the control whose data-field names it. */
  function showFieldErrors(form, fields, h) {
    const labels = [];
    for (const [name, messages] of Object.entries(fields || {})) {
      const control = Array.from(form.querySelectorAll("[data-field]"))
        .find((node) => node.getAttribute("data-field") === name);
      if (!control) continue;
      const labelNode = control.parentNode.querySelector(".sr-label");
      const label = labelNode ? labelNode.textContent.replace(/\s*\(optional\)$/, "") : "";
      if (label) labels.push(label);
      control.setAttribute("aria-invalid", "true");
      control.parentNode.appendChild(h("small", { class: "sr-field-error",
        text: messages.map(humanFieldMessage).join(" ") }));
    }
    return labels;
  }

  // -- start-up --------------------------------------------------------------------------

  const started = {};

  /** Start the widget: `Shoprocket.init({publishableKey, apiBase, ...})`. */
  function init(options) {
    const win = root;
    const opts = options || {};
    if (!opts.publishableKey || !/^pk_(test|live)_/.test(opts.publishableKey)) {
      throw new Error(
        "Shoprocket: data-publishable-key must be a publishable key (pk_test_... or pk_live_...).");
    }
    if (started[opts.publishableKey]) return started[opts.publishableKey];
    const apiBase = String(opts.apiBase || win.location.origin).replace(/\/+$/, "");
    let storage = null;
    try {
      storage = win.localStorage;
    } catch (e) {
      storage = null;
    }
    const config = {
      publishableKey: opts.publishableKey,
      apiBase: apiBase,
      mediaBase: opts.mediaBase || apiBase + "/media/",
      perPage: Math.min(100, Math.max(1, parseInt(opts.perPage, 10) || 12)),
      chat: opts.chat || "on",
      locale: opts.locale || "",
      cartToken: loadCartToken(storage, opts.publishableKey, win.crypto),
      storage: storage,
      fetch: opts.fetch || win.fetch.bind(win),
    };
    const widget = new Storefront(config, { window: win });
    started[opts.publishableKey] = widget;
    // `widget.ready` settles once the store, cart and catalogue have loaded.
    widget.ready = new Promise((resolve) => {
      const run = () => resolve(widget.start().catch((error) => win.console && win.console.error(error)));
      if (win.document.readyState === "loading") win.document.addEventListener("DOMContentLoaded", run);
      else run();
    });
    return widget;
  }

  /** Start from the <script> tag's data-* attributes (when it has data-publishable-key). */
  function autoInit(script) {
    if (!script || !script.getAttribute("data-publishable-key")) return null;
    const src = script.src ? new URL(script.src, root.location.href) : null;
    const stylesheet = script.getAttribute("data-stylesheet");
    if (stylesheet !== "none" && src) {
      const link = root.document.createElement("link");
      link.rel = "stylesheet";
      link.href = stylesheet || new URL("shoprocket.css", src).href;
      root.document.head.appendChild(link);
    }
    return init({
      publishableKey: script.getAttribute("data-publishable-key"),
      apiBase: script.getAttribute("data-api-base") || (src ? src.origin : null),
      mediaBase: script.getAttribute("data-media-base"),
      perPage: script.getAttribute("data-per-page"),
      chat: script.getAttribute("data-chat"),
      locale: script.getAttribute("data-locale"),
    });
  }

  return {
    init: init,
    autoInit: autoInit,
    ApiError: ApiError,
    TEST_PAYMENT_METHODS: TEST_PAYMENT_METHODS,
    helpers: {
      generateToken, isValidCartToken, cartTokenKey, loadCartToken, apiUrl, seg, errorMessage,
      fieldErrors, moneyText, safeHttpUrl, withoutParams, returnUrlFor, mediaUrl, flattenCategories,
      selectVariant, checkoutOutcome, paymentStatusText, isPaymentSettled, isPaymentFailed, addressLines,
      cartCount, safeFragment, discountText, isEmail, humanFieldMessage, starsText,
      chooseLocale, translate, listText, subscriptionPriceText, MESSAGES, chooseCurrency,
      parseHexColour, contrastRatio, readableOn, inkOn,
      makeBuilder, createClient, latestAnswers,
    },
  };
});
