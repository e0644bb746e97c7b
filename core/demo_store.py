"""The demo store of ``make run``: created once, then only ever read, and its summary.

``demo_store_ensure()`` creates the store, its merchant login and every app's demo data
(``<app>.demo.seed(store=...)``) the first time, and records the store id and the raw secret
keys in ``VAR_DIR/demo.json`` (mode 0600): secret keys are stored hashed, so that file is the
only place they can be shown again from. Later runs change nothing the merchant may have
changed: keys are never rolled, the password is never reset, deleted demo data is not
re-created. Only an app whose demo data was never seeded (one added since) is seeded then.

``demo_summary()`` reads what is current (the active keys, whether the recorded secret key
still works, whether the demo password still signs in) and says what to open; its
``lines()`` are what ``seed_demo`` and ``runserver --demo`` print.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from . import services
from .models import ApiKey, Mode, Store
from .selectors import api_key_get_active

DEMO_STORE_NAME = "Acme Candles (demo)"
DEMO_EMAIL = "merchant@demo.shop"
DEMO_PASSWORD = "demo-merchant"


def state_path() -> Path:
    return Path(settings.VAR_DIR) / "demo.json"


def _state_read() -> dict:
    path = state_path()
    if not path.exists():
        return {}
    try:
        state = json.loads(path.read_text())
    except ValueError:
        return {}
    return state if isinstance(state, dict) else {}


def _state_write(state: dict) -> None:
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, indent=2) + "\n")
    path.chmod(0o600)


def _demo_modules() -> dict[str, object]:
    """``{app: <app>.demo}`` for every merchant app that has demo data."""
    modules = {}
    for app in services.MERCHANT_APPS:
        try:
            modules[app] = importlib.import_module(f"{app}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.demo":
                raise
    return modules


def demo_store_ensure() -> tuple[Store, bool]:
    """The demo store, created with its data on the first call; ``(store, created)``."""
    state = _state_read()
    store = Store.objects.filter(pk=state.get("id") or "").first()
    modules = _demo_modules()
    created = store is None
    if created:
        with transaction.atomic():
            store, keys = services.store_create(
                name=DEMO_STORE_NAME,
                currency="GBP",
                country="GB",
                shipping_countries=["GB", "US", "DE", "FR", "IE"],
                supported_currencies=["GBP"],
                supported_locales=["en", "fr", "de"],
                notification_email="orders@demo.shop",
                payment_methods=["card", "bank_transfer"],
            )
            services.merchant_add(store=store, email=DEMO_EMAIL, password=DEMO_PASSWORD)
        state = {"id": store.id, "keys": keys, "seeded": []}
        # Written before the data, so an interrupted first run keeps its keys.
        _state_write(state)
    elif "seeded" not in state:
        # Recorded before this list existed, by a version that seeded every app each run.
        state["seeded"] = sorted(modules)
    for app, module in modules.items():
        if app not in state["seeded"]:
            module.seed(store=store)
            state["seeded"] = sorted({*state["seeded"], app})
            _state_write(state)
    return store, created


@dataclass(frozen=True)
class KeyInfo:
    """One key as the summary shows it: ``raw`` is None when it cannot be shown."""

    mode: str
    kind: str
    raw: str | None
    display_prefix: str | None  # of the active key, when there is one

    @property
    def active(self) -> bool:
        return self.display_prefix is not None


@dataclass(frozen=True)
class DemoSummary:
    store: Store
    base_url: str
    keys: dict[str, dict[str, KeyInfo]]
    login_email: str | None
    login_password: str | None  # None once the merchant changed it

    @property
    def publishable(self) -> str | None:
        return self.keys[Mode.TEST]["publishable"].raw

    @property
    def secret(self) -> str | None:
        return self.keys[Mode.TEST]["secret"].raw

    @property
    def urls(self) -> dict[str, str]:
        base = self.base_url
        pk = self.publishable
        urls = {
            "home": f"{base}/",
            "dashboard": f"{base}/admin/",
            "docs": f"{base}/v3/docs",
            "privateApi": f"{base}/v3/private",
        }
        if pk:
            urls["storefront"] = f"{base}/storefront/{pk}/"
            urls["publicApi"] = f"{base}/v3/public/{pk}"
        return urls

    def as_json(self) -> dict:
        return {
            "store": {"id": self.store.id, "name": self.store.name},
            "keys": {
                mode: {kind: info.raw for kind, info in pair.items()}
                for mode, pair in self.keys.items()
            },
            "admin": {
                "url": self.urls["dashboard"],
                "email": self.login_email,
                "password": self.login_password,
            },
            **{k: v for k, v in self.urls.items() if k != "dashboard"},
        }

    def lines(self) -> list[str]:
        """The block a person acts on: what to open, how to sign in, the keys, one curl."""
        urls = self.urls
        pk, sk = self.keys[Mode.TEST]["publishable"], self.keys[Mode.TEST]["secret"]
        if self.login_email is None:
            login = (
                f"(no {DEMO_EMAIL} login any more: manage.py createsuperuser makes one)"
            )
        elif self.login_password is None:
            login = f"{self.login_email} / the password you set"
        else:
            login = f"{self.login_email} / {self.login_password}"
        lines = [
            f"{self.store.name} is ready (test mode, no real payments):",
            f"  Storefront   {urls.get('storefront', '(no active publishable test key)')}",
            f"  Dashboard    {urls['dashboard']}   {login}",
            f"  API docs     {urls['docs']}",
        ]
        if pk.raw:
            lines.append(f"  Test keys    {pk.raw}  (publishable)")
        else:
            lines.append(
                "  Test keys    no active publishable test key (revoked in the dashboard)"
            )
        if sk.raw:
            lines.append(f"               {sk.raw}  (secret)")
        elif sk.active:
            lines += [
                f"               {sk.display_prefix}…  (secret: rolled in the dashboard, "
                "so it can't be shown again;",
                "               to get a new one: Dashboard > Stores > select the store > "
                '"Roll the test secret key")',
            ]
        else:
            lines.append(
                "               no active secret test key (revoked); Dashboard > Stores > "
                'select the store > "Roll the test secret key" issues one'
            )
        if pk.raw:
            lines.append(
                f"  Try          curl -H 'Authorization: Bearer {pk.raw}' "
                f"{urls['publicApi']}/products"
            )
        elif sk.raw:
            lines.append(
                f"  Try          curl -H 'Authorization: Bearer {sk.raw}' "
                f"{urls['privateApi']}/store"
            )
        return lines


def demo_summary(*, base_url: str) -> DemoSummary | None:
    """What is current for the demo store recorded in ``demo.json`` (None: there is none).

    Reads only; a raw secret key that no longer works is dropped from ``demo.json``.
    """
    state = _state_read()
    store = Store.objects.filter(pk=state.get("id") or "").first()
    if store is None:
        return None
    recorded = state.get("keys") or {}
    keys: dict[str, dict[str, KeyInfo]] = {}
    forgotten = False
    for mode in (Mode.TEST, Mode.LIVE):
        keys[mode] = {}
        for kind in (ApiKey.Kind.PUBLISHABLE, ApiKey.Kind.SECRET):
            active = (
                store.api_keys.filter(kind=kind, mode=mode, revoked_at__isnull=True)
                .order_by("-created_at")
                .first()
            )
            raw = (recorded.get(mode) or {}).get(kind)
            if kind == ApiKey.Kind.PUBLISHABLE:
                # Kept in clear: the current one can always be shown.
                raw = active.publishable_key if active else None
            elif raw:
                current = api_key_get_active(raw=raw)
                if current is None or current.store_id != store.id:
                    raw, forgotten = None, True
            keys[mode][kind] = KeyInfo(
                mode=mode,
                kind=kind,
                raw=raw,
                display_prefix=active.display_prefix if active else None,
            )
    if forgotten:
        state["keys"] = {
            mode: {kind: info.raw for kind, info in pair.items()}
            for mode, pair in keys.items()
        }
        _state_write(state)
    user = (
        get_user_model()
        .objects.filter(email__iexact=DEMO_EMAIL, is_active=True, stores=store)
        .first()
    )
    return DemoSummary(
        store=store,
        base_url=base_url.rstrip("/"),
        keys=keys,
        login_email=user.email if user else None,
        login_password=(
            DEMO_PASSWORD if user and user.check_password(DEMO_PASSWORD) else None
        ),
    )
