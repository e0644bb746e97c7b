"""Publish queued work the broker never got and retries that are due (the beat task, for cron)."""

from django.core.management.base import BaseCommand

from core.outbox import outbox_sweep


class Command(BaseCommand):
    help = (
        "Hand the broker the outbox messages it never got (it was down) and the retries "
        "that are due; recover messages whose worker died."
    )

    def handle(self, *args, **options):
        counts = outbox_sweep()
        self.stdout.write(
            f"Queued {counts['published']} message(s); "
            f"recovered {counts['reset']} interrupted one(s)."
        )
