"""Create (or reuse) the demo store, its merchant and its catalogue; print how to use them.

Idempotent: the store id and its raw keys are kept in ``var/demo.json`` so a second run reuses
them. Each app may provide ``<app>.demo.seed(store=...)`` to add its demo data.
"""

import importlib
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from core import services
from core.models import ApiKey, Mode, Store

DEMO_EMAIL = "merchant@demo.shop"
DEMO_PASSWORD = "demo-merchant"


class Command(BaseCommand):
    help = "Create or reuse the demo store and print its keys, dashboard, docs and storefront URLs."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default=None)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        path = Path(settings.VAR_DIR) / "demo.json"
        state = json.loads(path.read_text()) if path.exists() else {}
        store = Store.objects.filter(pk=state.get("id")).first()
        if store is None:
            store, keys = services.store_create(
                name="Acme Candles (demo)",
                currency="GBP",
                country="GB",
                shipping_countries=["GB", "US", "DE", "FR", "IE"],
                supported_currencies=["GBP"],
                supported_locales=["en", "fr", "de"],
                notification_email="orders@demo.shop",
                payment_methods=["card", "bank_transfer"],
            )
            state = {"id": store.id, "keys": keys}
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(state, indent=2))
            path.chmod(0o600)
        else:
            state["keys"] = self._ensure_keys(store, state.get("keys", {}))
            path.write_text(json.dumps(state, indent=2))
        user, _ = services.merchant_add(store=store, email=DEMO_EMAIL)
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        for app in services.MERCHANT_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.seed(store=store)

        base = (options["base_url"] or settings.PUBLIC_BASE_URL).rstrip("/")
        keys = state["keys"]
        info = {
            "store": {"id": store.id, "name": store.name},
            "keys": keys,
            "admin": {
                "url": f"{base}/admin/",
                "email": DEMO_EMAIL,
                "password": DEMO_PASSWORD,
            },
            "docs": f"{base}/v3/docs",
            "publicApi": f"{base}/v3/public/{keys['test']['publishable']}",
            "privateApi": f"{base}/v3/private",
            "storefront": f"{base}/storefront/{keys['test']['publishable']}/",
        }
        if options["json"]:
            self.stdout.write(json.dumps(info))
            return
        self.stdout.write(
            self.style.SUCCESS(f"\nDemo store: {store.name} ({store.id})")
        )
        self.stdout.write(f"  Publishable test key: {keys['test']['publishable']}")
        self.stdout.write(f"  Secret test key:      {keys['test']['secret']}")
        self.stdout.write(
            f"  Dashboard:            {base}/admin/  ({DEMO_EMAIL} / {DEMO_PASSWORD})"
        )
        self.stdout.write(f"  API docs:             {base}/v3/docs")
        self.stdout.write(f"  Storefront: {info['storefront']}")
        self.stdout.write(
            f"  Try:  curl -H 'Authorization: Bearer {keys['test']['publishable']}' "
            f"{base}/v3/public/{keys['test']['publishable']}/products\n"
        )

    def _ensure_keys(self, store, keys: dict) -> dict:
        """Keep the recorded raw keys while they are valid; roll any that were revoked."""
        from core.selectors import api_key_get_active

        result = {}
        for mode in (Mode.TEST, Mode.LIVE):
            pair = dict(keys.get(mode, {}))
            for kind, name in (
                (ApiKey.Kind.PUBLISHABLE, "publishable"),
                (ApiKey.Kind.SECRET, "secret"),
            ):
                current = api_key_get_active(raw=pair.get(name, ""))
                if current is None or current.store_id != store.id:
                    old = store.api_keys.filter(
                        kind=kind, mode=mode, revoked_at__isnull=True
                    ).first()
                    issued = (
                        services.api_key_roll(api_key=old)
                        if old
                        else services.api_key_issue(store=store, kind=kind, mode=mode)
                    )
                    pair[name] = issued.raw
            result[mode] = pair
        return result
