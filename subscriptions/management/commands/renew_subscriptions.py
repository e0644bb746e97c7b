from django.core.management.base import BaseCommand

from subscriptions import services


class Command(BaseCommand):
    help = "Charge every subscription whose next charge has come (what beat runs)."

    def handle(self, *args, **options):
        count = services.subscriptions_renew_due()
        self.stdout.write(f"{count} renewal{'s' if count != 1 else ''} recorded")
