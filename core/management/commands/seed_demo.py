"""Create the demo store once, then print what to open: ``make run`` runs it before the server.

Idempotent and never destructive: a second run reuses the store recorded in ``var/demo.json``
and changes nothing the merchant changed (see ``core.demo_store``). The emails the demo data
would send (order confirmations, the store's new-order and inbox notifications) are written to
``EMAIL_FILE_PATH`` instead of being sent, so the console shows only the summary.
"""

import json

from django.conf import settings
from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from core.demo_store import demo_store_ensure, demo_summary
from core.links import server_base_url


class Command(BaseCommand):
    help = "Create the demo store (once) and print its storefront, dashboard, docs and keys."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default=None,
            help="Address to print links for (default: PUBLIC_BASE_URL, else SERVER_URL).",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        # Demo emails go to files (var/emails/), whatever the configured backend: they are
        # addressed to example addresses and would bury the summary on the console.
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=settings.EMAIL_FILE_PATH,
        ):
            demo_store_ensure()
        summary = demo_summary(base_url=options["base_url"] or server_base_url())
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_json()))
        elif options["verbosity"] > 0:
            self.stdout.write("\n".join(["", *summary.lines(), ""]))
