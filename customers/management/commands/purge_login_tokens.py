from django.core.management.base import BaseCommand

from customers import services


class Command(BaseCommand):
    help = "Delete login-link tokens that stopped working more than a day ago (also a beat task)."

    def handle(self, *args, **options):
        deleted = services.login_tokens_purge()
        self.stdout.write(f"Deleted {deleted} login token(s).")
