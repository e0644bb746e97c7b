import json
import secrets

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core import services


class Command(BaseCommand):
    help = (
        "Create a store with test and live key pairs (secret keys are shown only now)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--currency", default="GBP")
        parser.add_argument("--country", default="GB")
        parser.add_argument(
            "--owner-email", help="Create or link a merchant user for this store."
        )
        parser.add_argument(
            "--json", action="store_true", help="Print only the JSON document."
        )

    def handle(self, *args, **options):
        try:
            store, keys = services.store_create(
                name=options["name"],
                currency=options["currency"].upper(),
                country=options["country"].upper(),
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        password = None
        if options.get("owner_email"):
            password = secrets.token_urlsafe(12)
            user, created = services.merchant_add(
                store=store, email=options["owner_email"], password=password
            )
            if not created:
                password = None
        document = {
            "id": store.id,
            "name": store.name,
            "currency": store.currency,
            "keys": keys,
        }
        if options["json"]:
            self.stdout.write(json.dumps(document))
            if password:
                self.stderr.write(
                    f"Merchant login: {options['owner_email']} / {password}"
                )
            return
        self.stdout.write(
            self.style.SUCCESS(f"Created store {store.name} ({store.id})")
        )
        for mode, pair in keys.items():
            self.stdout.write(f"  {mode}: publishable {pair['publishable']}")
            self.stdout.write(f"  {mode}: secret      {pair['secret']}  (shown once)")
        if options.get("owner_email"):
            if password:
                self.stdout.write(
                    f"  merchant login: {options['owner_email']} / {password}"
                )
            else:
                self.stdout.write(f"  linked existing user {options['owner_email']}")
