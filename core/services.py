"""Writes for stores, keys and merchants."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from .models import ApiKey, Mode, Store, StoreMembership, hash_key

MERCHANT_GROUP = "Merchants"
#: Apps whose models merchants manage in the dashboard.
MERCHANT_APPS = (
    "core",
    "catalog",
    "carts",
    "orders",
    "customers",
    "conversations",
    "webhooks",
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


@transaction.atomic
def store_update(*, store: Store, data: dict) -> Store:
    """Change the given store settings (already validated); only the keys present change."""
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
