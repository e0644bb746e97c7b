"""Fail pending orders whose stock reservation has expired (what the beat task runs)."""

from django.core.management.base import BaseCommand

from orders.services import order_reservations_expire


class Command(BaseCommand):
    help = "Fail pending orders whose payment reservation has expired and release their stock."

    def handle(self, *args, **options):
        count = order_reservations_expire()
        self.stdout.write(f"Expired {count} order reservation(s).")
