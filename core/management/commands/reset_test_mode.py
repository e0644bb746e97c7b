from django.core.management.base import BaseCommand, CommandError

from core import services
from core.models import Store


class Command(BaseCommand):
    help = (
        "Give test mode a fresh start: the stock test orders took and the test uses of "
        "discount codes are forgotten (live stock and usage are never touched)."
    )

    def add_arguments(self, parser):
        parser.add_argument("store_ids", nargs="*", metavar="str_...")
        parser.add_argument(
            "--all", action="store_true", help="Every store of the installation."
        )

    def handle(self, *args, **options):
        if options["all"]:
            stores = list(Store.objects.order_by("pk"))
        elif options["store_ids"]:
            stores = list(Store.objects.filter(pk__in=options["store_ids"]))
            missing = set(options["store_ids"]) - {s.pk for s in stores}
            if missing:
                raise CommandError(f"No such store: {', '.join(sorted(missing))}")
        else:
            raise CommandError("Name the stores (str_...) or pass --all.")
        for store in stores:
            done = services.store_test_mode_reset(store=store)
            self.stdout.write(f"{store.pk} {store.name}: reset {', '.join(done)}")
