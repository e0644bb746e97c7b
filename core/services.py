"""Writes for stores, keys and merchants."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from . import signals
from .exceptions import ValidationFailed
from .models import ApiKey, Mode, Store, StoreMembership, hash_key
from .money import currency_exponent, format_minor

MERCHANT_GROUP = "Merchants"
#: Apps whose models merchants manage in the dashboard.
MERCHANT_APPS = (
    "core",
    "catalog",
    "carts",
    "orders",
    "downloads",
    "customers",
    "conversations",
    "webhooks",
    "subscriptions",
    "transfers",
)


@dataclass(frozen=True)
class IssuedKey:
    """A key as issued: the raw value exists only here, at creation time."""

    api_key: ApiKey
    raw: str


def api_key_issue(*, store: Store, kind: str, mode: str) -> IssuedKey:
    raw = ApiKey.generate(kind, mode)
    key = ApiKey(
        store=store,
        kind=kind,
        mode=mode,
        hashed_key=hash_key(raw),
        publishable_key=raw if kind == ApiKey.Kind.PUBLISHABLE else None,
        display_prefix=raw[:14] if kind == ApiKey.Kind.SECRET else raw,
    )
    key.full_clean()
    key.save()
    return IssuedKey(api_key=key, raw=raw)


def api_key_revoke(*, api_key: ApiKey) -> bool:
    """Revoke a key for good (returns False when it was revoked already).

    Nothing un-revokes a key: ``revoked_at`` is only ever set, by this conditional UPDATE,
    and the dashboard shows it read-only. A store that needs a key again rolls a new one.
    """
    now = timezone.now()
    revoked = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
        revoked_at=now, updated_at=now
    )
    if revoked:
        api_key.revoked_at = now
    return bool(revoked)


@transaction.atomic
def api_key_roll(*, api_key: ApiKey) -> IssuedKey:
    """Revoke a key and issue its replacement (same store, kind and mode)."""
    api_key_revoke(api_key=api_key)
    return api_key_issue(store=api_key.store, kind=api_key.kind, mode=api_key.mode)


@transaction.atomic
def store_create(
    *, name: str, currency: str = "GBP", country: str = "GB", **fields
) -> tuple[Store, dict]:
    """Create a store with a publishable and a secret key for test and live mode.

    Returns the store and ``{"test": {"publishable", "secret"}, "live": {...}}`` with the raw
    keys, which are not recoverable afterwards.
    """
    fields.setdefault("shipping_countries", [country])
    fields.setdefault("supported_currencies", [currency])
    fields.setdefault("supported_locales", [fields.get("default_locale", "en")])
    store = Store(name=name, currency=currency, country=country, **fields)
    store.full_clean()
    store.save()
    keys: dict[str, dict[str, str]] = {}
    for mode in (Mode.TEST, Mode.LIVE):
        keys[mode] = {
            "publishable": api_key_issue(
                store=store, kind=ApiKey.Kind.PUBLISHABLE, mode=mode
            ).raw,
            "secret": api_key_issue(
                store=store, kind=ApiKey.Kind.SECRET, mode=mode
            ).raw,
        }
    return store, keys


#: Largest amount column value (a signed 64-bit integer): a conversion must fit it.
MAX_AMOUNT = 2**63 - 1
#: Exchange rates accepted for a price conversion: new major units per old major unit.
MIN_EXCHANGE_RATE = Decimal("0.000001")
MAX_EXCHANGE_RATE = Decimal("1000000")


def amount_converter(*, source: str, target: str, rate: Decimal):
    """``convert(amount) -> int``: minor units of ``source`` to minor units of ``target`` at
    ``rate`` (major units of target per major unit of source), rounded half up."""
    scale = Decimal(10) ** (currency_exponent(target) - currency_exponent(source))

    def convert(amount: int) -> int:
        value = int(
            (Decimal(int(amount)) * rate * scale).quantize(
                Decimal(1), rounding=ROUND_HALF_UP
            )
        )
        if value > MAX_AMOUNT:
            raise ValidationFailed(
                "This exchange rate makes an amount larger than can be stored.",
                fields={"exchange_rate": ["Too large for the store's amounts."]},
            )
        return value

    return convert


def store_currency_amounts(*, store: Store) -> list[str]:
    """What the store holds in its currency (prices, discounts, shipping rates, orders), as
    short descriptions from each app; empty when the currency can change freely."""
    found: list[str] = []
    for _, answer in signals.store_currency_amounts.send(sender=Store, store=store):
        found.extend(answer or [])
    return found


def store_currency_change(
    *, store: Store, currency: str, exchange_rate: Decimal | None = None
) -> None:
    """Check (and, with ``exchange_rate``, carry out) a change of ``store.currency``.

    Amounts are integers of minor units of the store currency, so a new currency would
    silently reinterpret them (GBP 2400 is £24.00; as JPY it would read ¥2,400). When the
    store holds any, the change is a 422 naming ``currency`` unless ``exchange_rate`` asks
    for a conversion: every stored price, discount amount and shipping rate is then
    converted at that rate, rounded half up, in the caller's transaction. Orders keep their
    own currency (each order records the one it was placed in).
    """
    if currency == store.currency:
        return
    held = store_currency_amounts(store=store)
    if not held:
        return
    if exchange_rate is None:
        example = format_minor(2400, store.currency, store.locale)
        misread = format_minor(2400, currency, store.locale)
        message = (
            f"The store's amounts are in {store.currency} ({', '.join(held)}). "
            f"Changing the currency to {currency} would read them as {currency} "
            f"({example} would become {misread}). To convert them, send "
            f'"convertPrices": true with an "exchangeRate" ({currency} for one '
            f"{store.currency}); otherwise keep {store.currency}."
        )
        raise ValidationFailed(
            message, code="currency_change_refused", fields={"currency": [message]}
        )
    convert = amount_converter(
        source=store.currency, target=currency, rate=exchange_rate
    )
    signals.store_currency_convert.send(sender=Store, store=store, convert=convert)


@transaction.atomic
def store_test_mode_reset(*, store: Store) -> list[str]:
    """Give test mode a fresh start on the shared catalogue and configuration: the stock
    test orders took and the test uses of discount codes are forgotten (live stock and
    usage are never touched). Test orders themselves stay. Returns what was reset."""
    done: list[str] = []
    for _, answer in signals.store_test_mode_reset.send(sender=Store, store=store):
        done.extend(answer or [])
    return done


@transaction.atomic
def store_update(
    *, store: Store, data: dict, exchange_rate: Decimal | None = None
) -> Store:
    """Change the given store settings (already validated); only the keys present change.

    A new ``currency`` goes through :func:`store_currency_change` (refused while the store
    holds amounts, unless ``exchange_rate`` converts them).
    """
    if "currency" in data and data["currency"] != store.currency:
        # One currency change at a time: the row lock serialises them.
        Store.objects.select_for_update().filter(pk=store.pk).first()
        store.currency = Store.objects.values_list("currency", flat=True).get(
            pk=store.pk
        )
        store_currency_change(
            store=store, currency=data["currency"], exchange_rate=exchange_rate
        )
    for field, value in data.items():
        setattr(store, field, value)
    store.full_clean()
    store.save()
    return store


def merchant_group() -> Group:
    """The group holding the dashboard permissions every merchant needs."""
    group, _ = Group.objects.get_or_create(name=MERCHANT_GROUP)
    perms = (
        Permission.objects.filter(content_type__app_label__in=MERCHANT_APPS)
        .exclude(content_type__model__in=["idempotencykey"])
        .exclude(codename__in=["add_store", "delete_store"])
    )
    group.permissions.set(perms)
    return group


@transaction.atomic
def merchant_add(
    *,
    store: Store,
    email: str,
    role: str = StoreMembership.Role.OWNER,
    password: str | None = None,
):
    """Create (or reuse) a staff user for ``email`` and make it a member of ``store``."""
    User = get_user_model()
    email = User.objects.normalize_email(email).lower()
    user = (
        User.objects.filter(email__iexact=email).first()
        or User.objects.filter(username=email).first()
    )
    created = user is None
    if created:
        user = User(username=email, email=email, is_staff=True)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    elif not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(merchant_group())
    StoreMembership.objects.get_or_create(
        store=store, user=user, defaults={"role": role}
    )
    return user, created
