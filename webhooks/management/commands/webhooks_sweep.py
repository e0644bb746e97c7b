"""Re-queue undispatched webhook events and due deliveries (the beat task, for cron)."""

from django.core.management.base import BaseCommand

from webhooks import services


class Command(BaseCommand):
    help = "Re-queue webhook events never dispatched and deliveries whose retry time has come."

    def handle(self, *args, **options):
        counts = services.webhooks_sweep()
        self.stdout.write(
            f"Queued {counts['events']} event(s) and {counts['deliveries']} delivery attempt(s); "
            f"reset {counts['reset']} interrupted attempt(s)."
        )
