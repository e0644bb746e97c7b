from transfers import exports
from transfers.management.base import ExportCommand


class Command(ExportCommand):
    help = "Write the store's products as CSV (Shopify's format or this platform's)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--format", choices=exports.PRODUCT_FORMATS, default="native"
        )

    def handle(self, *args, **options):
        store = self.store(options)
        self.write_lines(
            options,
            exports.product_csv_lines(store=store, format=options["format"]),
        )
