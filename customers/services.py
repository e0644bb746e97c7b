"""Writes for customers: guests, passwordless login, sessions, profiles and saved addresses.

Services other areas call:

- :func:`customer_get_or_create_guest` (checkout): the store's customer for an email.
- :func:`customer_address_save_from_order` (checkout): keep an order's address on the customer.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.addresses import ADDRESS_FIELDS
from core.emails import email_send
from core.exceptions import Conflict, ValidationFailed, field_error
from core.outbox import enqueue
from core.storefront import storefront_url
from orders.models import Order

from . import events, selectors
from .models import (
    Address,
    Customer,
    CustomerSession,
    LoginToken,
    address_identity,
    address_values,
)

logger = logging.getLogger(__name__)

#: How long a login link works.
LOGIN_TOKEN_TTL = timedelta(minutes=15)
LOGIN_TOKEN_PREFIX = "lnk_"
#: ``lnk_`` and ``secrets.token_urlsafe(32)``: 256 random bits in 43 url-safe characters.
LOGIN_TOKEN_PATTERN = re.compile(r"^lnk_[A-Za-z0-9_-]{43}$")
#: At most this many unused links per customer within one TTL window; further requests are
#: answered the same way but send nothing (so the endpoint cannot flood an inbox).
MAX_OUTSTANDING_LOGIN_LINKS = 5
#: The query parameter of the storefront URL that carries the token.
LOGIN_LINK_QUERY_PARAM = "login_token"
#: Used and expired tokens are deleted this long after they stop working.
LOGIN_TOKEN_RETENTION = timedelta(days=1)


# -- helpers ----------------------------------------------------------------------------


def email_normalize(email: str) -> str:
    """Trim and lower-case the domain (the local part is kept as typed)."""
    email = (email or "").strip()
    local, sep, domain = email.rpartition("@")
    return f"{local}{sep}{domain.lower()}" if sep else email


def login_token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# -- guests -----------------------------------------------------------------------------


def _guest_email(email: str) -> str:
    """The normalised email, or a 422 naming ``email``."""
    email = email_normalize(email)
    try:
        validate_email(email)
        if len(email) > 254:
            raise ValidationError("too long")
    except ValidationError:
        raise field_error("email", "Enter a valid email address.") from None
    return email


def _customer_get_or_create(
    *,
    store,
    email: str,
    first_name: str = "",
    last_name: str = "",
    marketing_opt_in: bool | None = None,
    mode: str = "test",
) -> tuple[Customer, bool]:
    email = _guest_email(email)
    first_name = (first_name or "").strip()[:100]
    last_name = (last_name or "").strip()[:100]
    customer = selectors.customer_get_by_email(store=store, mode=mode, email=email)
    if customer is None:
        customer = Customer(
            store=store,
            mode=mode,
            email=email,
            first_name=first_name,
            last_name=last_name,
            marketing_opt_in=bool(marketing_opt_in),
        )
        # The store is the caller's (no query to check it exists); the unique index
        # settles duplicates below.
        customer.full_clean(
            exclude=["store"], validate_unique=False, validate_constraints=False
        )
        try:
            with transaction.atomic():
                customer.save(force_insert=True)
                events.customer_event(
                    customer=customer, type="customer.created", mode=mode
                )
            return customer, True
        except IntegrityError:
            # Created concurrently: the unique (store, mode, lower(email)) index decided.
            customer = selectors.customer_get_by_email(
                store=store, mode=mode, email=email
            )
            if customer is None:
                raise
    changed = []
    if first_name and not customer.first_name:
        customer.first_name = first_name
        changed.append("first_name")
    if last_name and not customer.last_name:
        customer.last_name = last_name
        changed.append("last_name")
    if marketing_opt_in and not customer.marketing_opt_in:
        customer.marketing_opt_in = True
        changed.append("marketing_opt_in")
    if changed:
        customer.save(update_fields=[*changed, "updated_at"])
        events.customer_event(customer=customer, type="customer.updated", mode=mode)
    return customer, False


def customer_get_or_create_guest(
    *,
    store,
    email: str,
    first_name: str = "",
    last_name: str = "",
    marketing_opt_in: bool | None = None,
    mode: str = "test",
) -> Customer:
    """Return the store's customer of ``mode`` for ``email``, creating an unclaimed (guest)
    one if needed.

    Called by checkout for every order. Customers are per store and key mode: the same email
    in two stores, or in test and live mode, is two customers (a test checkout never creates
    or changes a live customer). The email matches case-insensitively; a new customer keeps
    it as typed (domain lower-cased). Concurrency-safe: two simultaneous calls for one email
    get the same row (the unique ``(store, mode, lower(email))`` index settles the race).

    On an existing customer, blank first/last names are filled in and ``marketing_opt_in=True``
    opts in; ``False`` or ``None`` never opts out (only the customer or the merchant do that).
    Records ``customer.created`` (or ``customer.updated`` when something changed) in the
    caller's transaction, with ``mode`` the key mode of the request. An invalid email is a 422.
    """
    email = _guest_email(email)  # refused before the transaction is touched
    # No savepoint of its own: checkout calls it inside its transaction, and a database
    # error here fails that transaction anyway (the insert's race has its own savepoint).
    with transaction.atomic(savepoint=False):
        customer, _ = _customer_get_or_create(
            store=store,
            email=email,
            first_name=first_name,
            last_name=last_name,
            marketing_opt_in=marketing_opt_in,
            mode=mode,
        )
    return customer


@transaction.atomic
def customer_create(*, store, email: str, mode: str = "live", **fields) -> Customer:
    """Create a customer of ``mode`` with the given fields (the dashboard's "add customer":
    live); a duplicate email in the store and mode is a 409. Records ``customer.created``."""
    customer = Customer(store=store, mode=mode, email=email_normalize(email), **fields)
    customer.full_clean(validate_constraints=False)
    existing = selectors.customer_get_by_email(
        store=store, mode=mode, email=customer.email
    )
    if existing is not None:
        raise Conflict(
            "A customer with this email already exists in this store.",
            code="customer_exists",
        )
    try:
        with transaction.atomic():
            customer.save(force_insert=True)
    except IntegrityError:
        raise Conflict(
            "A customer with this email already exists in this store.",
            code="customer_exists",
        ) from None
    events.customer_event(customer=customer, type="customer.created", mode=mode)
    return customer


# -- saved addresses --------------------------------------------------------------------


@transaction.atomic(savepoint=False)
def customer_address_save_from_order(
    *, customer: Customer, address: dict
) -> Address | None:
    """Save an order's address (its JSON snapshot, snake_case or camelCase keys) to the
    customer's saved addresses, unless an equal one is already there.

    Equality ignores case, repeated spaces, spaces in the postcode and the phone. The
    customer keeps exactly one default: the first saved address becomes the default, later
    ones do not (the customer's choice stays). Returns the saved (or matching existing)
    address, or None when the snapshot lacks a required part (line1, city, country code):
    a checkout never fails because of this.
    """
    if not isinstance(address, dict):
        return None
    values = address_values(address)
    # Lock the customer so two orders placed at once cannot both add (or both default) it.
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    existing = list(Address.objects.filter(customer=customer))
    identity = address_identity(values)
    for saved in existing:
        if address_identity({n: getattr(saved, n) for n in ADDRESS_FIELDS}) == identity:
            if not saved.phone and values["phone"]:
                saved.phone = values["phone"]
                saved.save(update_fields=["phone", "updated_at"])
            return saved
    new = Address(customer=customer, **values)
    new.is_default = not any(a.is_default for a in existing)
    try:
        # The fields only: the customer is locked above (no query to check it exists),
        # and the one-default rule was decided under that lock.
        new.full_clean(
            exclude=["customer"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        logger.info("Order address not saved for %s: %s", customer.pk, exc.message_dict)
        return None
    new.save()
    return new


@transaction.atomic
def customer_default_address_set(
    *, customer: Customer, address: Address | None = None
) -> Address | None:
    """Make ``address`` the customer's one default (or, with None, keep the current default,
    falling back to the oldest address when there is none)."""
    addresses = Address.objects.filter(customer=customer)
    if address is None:
        current = addresses.filter(is_default=True).first()
        if current is not None:
            return current
        address = addresses.order_by("created_at").first()
        if address is None:
            return None
    addresses.exclude(pk=address.pk).filter(is_default=True).update(is_default=False)
    addresses.filter(pk=address.pk).update(is_default=True)
    address.is_default = True
    return address


# -- profile and merchant updates -------------------------------------------------------


@transaction.atomic
def customer_update(*, customer: Customer, data: dict, mode: str) -> Customer:
    """Change the given (already validated) fields; only keys present in ``data`` change.

    Used by ``PUT /account/profile`` (names, phone, marketing preference) and the private
    ``PATCH /customers/{id}`` (tags and metadata replaced entirely, marketing preference).
    Records ``customer.updated`` when something actually changed.
    """
    allowed = {
        "first_name",
        "last_name",
        "phone",
        "marketing_opt_in",
        "tags",
        "metadata",
    }
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"customer_update cannot change {sorted(unknown)}")
    changed = []
    for field, value in data.items():
        if field == "phone" and value is None:
            value = ""
        if getattr(customer, field) != value:
            setattr(customer, field, value)
            changed.append(field)
    if changed:
        customer.full_clean(validate_unique=False, validate_constraints=False)
        customer.save(update_fields=[*changed, "updated_at"])
        events.customer_event(customer=customer, type="customer.updated", mode=mode)
    return customer


# -- sessions ---------------------------------------------------------------------------


SESSION_DETAILS = ("first_name", "last_name", "phone", "marketing_opt_in")


def _session_details(customer: Customer) -> dict:
    return {name: getattr(customer, name) for name in SESSION_DETAILS}


def _sessions_end(sessions) -> int:
    """Delete ``sessions`` and unlink the open carts of their tokens (like a logout)."""
    ended = 0
    for session in sessions:
        Order.objects.filter(
            store_id=session.store_id,
            mode=session.mode,
            cart_token=session.cart_token,
            type=Order.Type.CART,
            customer_id=session.customer_id,
        ).update(customer=None, updated_at=timezone.now())
        session.delete()
        ended += 1
    return ended


def _session_start(
    *, store, mode: str, cart_token: str, customer: Customer, verified: bool
) -> CustomerSession:
    """Mark the customer logged in, bind it to the visitor token and link the open cart.

    ``verified``: a login link proved the email. That session sees the whole account, and
    every other unverified session of the customer (create-account on another token, maybe
    not the owner's) ends. An unverified session keeps a copy of the profile details as
    they are now (all of which this token typed) and sees only those and its own orders.
    """
    now = timezone.now()
    customer.claimed_at = customer.claimed_at or now
    customer.last_login_at = now
    customer.save(update_fields=["claimed_at", "last_login_at", "updated_at"])
    state = {
        "customer": customer,
        "last_seen_at": now,
        "verified_at": now if verified else None,
        "details": {} if verified else _session_details(customer),
    }
    sessions = CustomerSession.objects.filter(
        store=store, mode=mode, cart_token=cart_token
    )
    if not sessions.update(**state):
        try:
            with transaction.atomic():
                CustomerSession.objects.create(
                    store=store, mode=mode, cart_token=cart_token, **state
                )
        except IntegrityError:
            sessions.update(**state)
    if verified:
        _sessions_end(
            CustomerSession.objects.filter(
                customer=customer, verified_at__isnull=True
            ).exclude(store=store, mode=mode, cart_token=cart_token)
        )
    Order.objects.filter(
        store=store, mode=mode, cart_token=cart_token, type=Order.Type.CART
    ).update(customer=customer, updated_at=now)
    return sessions.get()


@transaction.atomic
def customer_logout(*, store, mode: str, cart_token: str) -> None:
    """End the session on this visitor token; the open cart stays, no longer linked."""
    CustomerSession.objects.filter(
        store=store, mode=mode, cart_token=cart_token
    ).delete()
    Order.objects.filter(
        store=store,
        mode=mode,
        cart_token=cart_token,
        type=Order.Type.CART,
        customer__isnull=False,
    ).update(customer=None, updated_at=timezone.now())


# -- passwordless login -----------------------------------------------------------------


def login_link_url(*, store, mode: str, raw_token: str) -> str:
    """The storefront URL with the token: the store's ``storefront_url``, else
    ``settings.STOREFRONT_URL``, else this server's storefront page for the key mode."""
    base = storefront_url(store=store, mode=mode)
    parts = urlsplit(base)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k != LOGIN_LINK_QUERY_PARAM
    ]
    query.append((LOGIN_LINK_QUERY_PARAM, raw_token))
    return urlunsplit(parts._replace(query=urlencode(query)))


@transaction.atomic
def login_link_request(
    *, store, mode: str, email: str, locale: str = ""
) -> LoginToken | None:
    """Issue a login token for the store's customer with this email and email the link
    (in ``locale``, the store locale the shopper reads, when the store supports it).

    An email with no customer in this store and key mode gets nothing: no row, no email
    (the API answer is the same either way). Guests (unclaimed customers) get a link too: using it claims
    the account. Returns the token row, or None when nothing was sent.
    """
    customer = selectors.customer_get_by_email(
        store=store, mode=mode, email=email_normalize(email)
    )
    if customer is None:
        return None
    now = timezone.now()
    outstanding = LoginToken.objects.filter(
        customer=customer, used_at__isnull=True, created_at__gt=now - LOGIN_TOKEN_TTL
    ).count()
    if outstanding >= MAX_OUTSTANDING_LOGIN_LINKS:
        logger.info(
            "Login link not sent to %s: %d links outstanding", customer.pk, outstanding
        )
        return None
    raw = LOGIN_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = LoginToken.objects.create(
        store=store,
        mode=mode,
        customer=customer,
        token_hash=login_token_digest(raw),
        created_at=now,
        expires_at=now + LOGIN_TOKEN_TTL,
        locale=locale,
    )
    # The raw token waits in the outbox only until the email leaves (the row is then deleted).
    enqueue("customers.tasks.login_link_email_send", token.pk, raw)
    return token


def login_link_email_send(*, token_id: str, raw_token: str) -> int:
    """Send the login-link email for a token that still works (else send nothing)."""
    token = (
        LoginToken.objects.select_related("customer", "store")
        .filter(pk=token_id)
        .first()
    )
    if token is None or token.used_at is not None or token.expires_at <= timezone.now():
        return 0
    if not hmac.compare_digest(token.token_hash, login_token_digest(raw_token)):
        logger.warning(
            "Login link %s not sent: token does not match its digest", token_id
        )
        return 0
    minutes = int(LOGIN_TOKEN_TTL.total_seconds() // 60)
    return email_send(
        store=token.store,
        to=token.customer.email,
        template="login_link",
        locale=token.locale,
        context={
            "customer": token.customer,
            "link_url": login_link_url(
                store=token.store, mode=token.mode, raw_token=raw_token
            ),
            "expires_minutes": minutes,
        },
    )


def _token_refused(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={"token": [message]})


@transaction.atomic
def login_token_verify(
    *, store, mode: str, cart_token: str, raw_token: str
) -> Customer:
    """Exchange a login token for a session on ``cart_token``; returns the customer.

    Refused with a 422 (and nothing authenticated) when the token is malformed, unknown,
    of another store or key mode, already used, or expired. The token is looked up by its
    SHA-256 digest and the digests compared with ``hmac.compare_digest``; it is consumed by
    a conditional UPDATE, so two concurrent uses cannot both succeed. Success claims the
    customer, sets ``last_login_at``, consumes the customer's other unused links, starts a
    verified session (ending the customer's unverified ones on other tokens) and links the
    open cart of ``cart_token`` to the customer.
    """
    if not isinstance(raw_token, str) or not LOGIN_TOKEN_PATTERN.match(raw_token):
        raise _token_refused("This is not a login token.", "login_token_invalid")
    digest = login_token_digest(raw_token)
    token = (
        LoginToken.objects.select_related("customer__store")
        .filter(token_hash=digest)
        .first()
    )
    if (
        token is None
        or not hmac.compare_digest(token.token_hash, digest)
        or token.store_id != store.pk
        or token.mode != mode
    ):
        raise _token_refused("This login link is not valid.", "login_token_invalid")
    now = timezone.now()
    if token.used_at is not None:
        raise _token_refused(
            "This login link has already been used. Request a new one.",
            "login_token_used",
        )
    if token.expires_at <= now:
        raise _token_refused(
            "This login link has expired. Request a new one.", "login_token_expired"
        )
    consumed = LoginToken.objects.filter(
        pk=token.pk, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not consumed:
        raise _token_refused(
            "This login link has already been used. Request a new one.",
            "login_token_used",
        )
    customer = token.customer
    LoginToken.objects.filter(customer=customer, used_at__isnull=True).update(
        used_at=now
    )
    _session_start(
        store=store, mode=mode, cart_token=cart_token, customer=customer, verified=True
    )
    return customer


@transaction.atomic
def account_create(
    *,
    store,
    mode: str,
    cart_token: str,
    email: str,
    first_name: str | None = None,
    last_name: str | None = None,
    marketing_opt_in: bool | None = None,
) -> Customer:
    """Create (or claim) the customer for ``email`` and start an **unverified** session on
    the visitor's token: nothing proves the email yet, so the session sees only what this
    token creates (its own orders and the details it typed), until a login link verifies it.

    - A new email: the customer is created, claimed and signed in.
    - An unclaimed guest whose orders were all placed on this ``X-Cart-Token`` (the
      end-of-checkout "save my details" case): claimed (sent names and marketing preference
      applied) and signed in.
    - An unclaimed guest with no order on this token, or with an order placed on another
      token: a 409 ``login_link_required``, no session; knowing an email must not open its
      order history.
    - A claimed account: a 409 ``account_exists``, no session.

    Either refusal asks for the login link (``POST /cart/send-auth``).
    """
    email = email_normalize(email)
    customer = selectors.customer_get_by_email(store=store, mode=mode, email=email)
    if customer is None:
        customer, created = _customer_get_or_create(
            store=store,
            email=email,
            first_name=first_name or "",
            last_name=last_name or "",
            marketing_opt_in=marketing_opt_in,
            mode=mode,
        )
        if created:
            _session_start(
                store=store,
                mode=mode,
                cart_token=cart_token,
                customer=customer,
                verified=False,
            )
            return customer
    customer = (
        Customer.objects.select_for_update().select_related("store").get(pk=customer.pk)
    )
    if customer.is_claimed:
        raise Conflict(
            "An account already exists for this email. Send a login link to it "
            "(POST /cart/send-auth) to sign in.",
            code="account_exists",
        )
    tokens = set(
        Order.objects.filter(store=store, mode=mode, type=Order.Type.ORDER)
        .filter(Q(customer=customer) | Q(email__iexact=customer.email))
        .values_list("cart_token", flat=True)
        .distinct()
    )
    if tokens != {cart_token}:
        raise Conflict(
            "This email has orders placed elsewhere. Confirm the address with a login "
            "link (POST /cart/send-auth) to sign in.",
            code="login_link_required",
        )
    changed = []
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        value = (value or "").strip()[:100]
        if value and getattr(customer, field) != value:
            setattr(customer, field, value)
            changed.append(field)
    if marketing_opt_in is not None and customer.marketing_opt_in != marketing_opt_in:
        customer.marketing_opt_in = marketing_opt_in
        changed.append("marketing_opt_in")
    if changed:
        customer.save(update_fields=[*changed, "updated_at"])
    _session_start(
        store=store, mode=mode, cart_token=cart_token, customer=customer, verified=False
    )
    events.customer_event(customer=customer, type="customer.updated", mode=mode)
    return customer


@transaction.atomic
def session_profile_update(*, session: CustomerSession, data: dict) -> Customer:
    """``PUT /account/profile``: change the profile of the session's customer; returns the
    profile as the session sees it (``selectors.session_profile``).

    A verified session changes the customer (:func:`customer_update`). An unverified one
    changes what it sees (its ``details``) and, on the customer, only fills blanks and opts
    in, like a guest checkout would: it never overwrites what the customer or the merchant
    set, since the email is not proven.
    """
    customer = session.customer
    if session.is_verified:
        customer_update(customer=customer, data=data, mode=session.mode)
        return customer
    details = dict(session.details or {})
    for field, value in data.items():
        details[field] = "" if value is None and field == "phone" else value
    CustomerSession.objects.filter(pk=session.pk).update(details=details)
    session.details = details
    fill = {
        field: value
        for field, value in data.items()
        if field in ("first_name", "last_name", "phone")
        and value
        and not getattr(customer, field)
    }
    if data.get("marketing_opt_in") and not customer.marketing_opt_in:
        fill["marketing_opt_in"] = True
    if fill:
        customer_update(customer=customer, data=fill, mode=session.mode)
    return selectors.session_profile(session)


def login_tokens_purge() -> int:
    """Delete tokens that stopped working more than a day ago; returns how many."""
    cutoff = timezone.now() - LOGIN_TOKEN_RETENTION
    deleted, _ = LoginToken.objects.filter(
        Q(expires_at__lt=cutoff) | Q(used_at__lt=cutoff)
    ).delete()
    return deleted
