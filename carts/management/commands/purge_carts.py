from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from carts import services


class Command(BaseCommand):
    help = "Delete carts idle for 30 days or more (the periodic task carts.tasks.purge_idle_carts)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=services.CART_TTL.days,
            help="Idle days after which a cart is deleted (default 30).",
        )

    def handle(self, *args, **options):
        if options["days"] < 1:
            raise CommandError("--days must be at least 1.")
        count = services.carts_purge_idle(older_than=timedelta(days=options["days"]))
        self.stdout.write(f"Deleted {count} idle cart(s).")
