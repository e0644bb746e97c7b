"""``runserver`` that ends its start-up output with the demo store's summary (``make run``).

The summary's links use the address the server is listening on (a wildcard address shown as
the loopback address), or ``PUBLIC_BASE_URL`` when set; it is printed again after each
auto-reload, like Django's own banner.
"""

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import (
    Command as RunserverCommand,
)
from django.db import connections

from core.demo_store import demo_summary
from core.links import browsable_origin


class Command(RunserverCommand):
    help = "Start the development server and print the demo store's summary."

    def on_bind(self, server_port):
        super().on_bind(server_port)
        host = f"[{self.addr}]" if self._raw_ipv6 else self.addr
        base = settings.PUBLIC_BASE_URL or browsable_origin(
            f"{self.protocol}://{host}:{server_port}"
        )
        summary = demo_summary(base_url=base)
        connections.close_all()  # opened in the main thread, which serves no request
        if summary is None:
            self.stdout.write("No demo store yet: run `manage.py seed_demo` first.")
            return
        self.stdout.write("\n".join(["", *summary.lines(), ""]))
