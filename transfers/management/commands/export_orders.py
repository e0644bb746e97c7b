from transfers import exports
from transfers.management.base import ExportCommand


class Command(ExportCommand):
    help = "Write the store's orders of one mode as CSV, one row per line item."

    def handle(self, *args, **options):
        store = self.store(options)
        self.write_lines(
            options, exports.order_csv_lines(store=store, mode=options["mode"])
        )
