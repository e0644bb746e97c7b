"""The visitor of the public API, resolved once per request and passed down.

A public request carries the store and key mode (its publishable key), a locale
(``Accept-Language``) and, on cart and account endpoints, the visitor's ``X-Cart-Token``.
The customer signed in on that token is looked up at most once per request, and only by a
view that asks for it.

Who is signed in on a token is the customers app's business, above ``core``: the
``VISITOR_SESSION_LOADER`` setting names the function that finds the session
(``loader(store=, mode=, cart_token=)``, returning an object with ``customer``,
``is_verified`` and ``cart_token``, or None), as DRF's settings name its policies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from core.currencies import CurrencyContext, currency_context, parse_currency_header
from core.exceptions import ValidationFailed

CART_TOKEN_HEADER = "X-Cart-Token"
MAX_CART_TOKEN_LENGTH = 128

_UNSET = object()


@cache
def _loader(path: str):
    return import_string(path)


def session_loader():
    """The configured session loader (``settings.VISITOR_SESSION_LOADER``)."""
    return _loader(settings.VISITOR_SESSION_LOADER)


@dataclass
class Visitor:
    """Who is calling the public API: store, key mode, locale, cart token and customer."""

    store: object
    mode: str
    locale: str
    #: The store's supported locale the visitor reads (``core.locales.content_locale``).
    content_locale: str = ""
    #: The raw ``X-Cart-Token`` header (validated when read through the properties).
    cart_token_header: str = ""
    #: The raw ``X-Currency`` header (validated when read through :attr:`currency`).
    currency_header: str = ""
    _session: object = field(default=_UNSET, repr=False)
    _currency: object = field(default=_UNSET, repr=False)

    @property
    def requested_currency(self) -> str | None:
        """The currency the request names (``X-Currency``), or None without the header."""
        return self.currency.currency if self.currency_header.strip() else None

    @property
    def currency(self) -> CurrencyContext:
        """The store's conversion into the currency the visitor asked for (the store's own
        without ``X-Currency``); one the store does not offer is a 422
        ``unsupported_currency``."""
        if self._currency is _UNSET:
            self._currency = currency_context(
                self.store, parse_currency_header(self.currency_header)
            )
        return self._currency

    @property
    def optional_cart_token(self) -> str | None:
        """The visitor's token, or None without one; a malformed one is a 422."""
        token = (self.cart_token_header or "").strip()
        if not token:
            return None
        if len(token) > MAX_CART_TOKEN_LENGTH or not token.isprintable():
            raise ValidationFailed(
                "The X-Cart-Token header must be 1 to 128 printable characters.",
                code="cart_token_invalid",
                fields={CART_TOKEN_HEADER: ["Must be 1 to 128 printable characters."]},
            )
        return token

    @property
    def cart_token(self) -> str:
        """The visitor's token; missing or malformed is a 422 naming the header."""
        token = self.optional_cart_token
        if token is None:
            raise ValidationFailed(
                "The X-Cart-Token header is required.",
                code="cart_token_required",
                fields={CART_TOKEN_HEADER: ["This header is required."]},
            )
        return token

    @property
    def session(self):
        """The customer session on the visitor's token, or None (one query, once)."""
        if self._session is _UNSET:
            token = self.optional_cart_token
            self._session = (
                session_loader()(store=self.store, mode=self.mode, cart_token=token)
                if token
                else None
            )
        return self._session

    @property
    def customer(self):
        """The customer signed in on the token, verified or not."""
        return self.session.customer if self.session is not None else None

    @property
    def verified_customer(self):
        """The customer, when a login link proved the email on this token: anything that
        shows or attributes the customer's data beyond what the token itself created asks
        for this one."""
        session = self.session
        return session.customer if session is not None and session.is_verified else None
