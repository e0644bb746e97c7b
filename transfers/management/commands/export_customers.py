from transfers import exports
from transfers.management.base import ExportCommand


class Command(ExportCommand):
    help = (
        "Write the store's customers of one mode as CSV (--audience marketing: only "
        "those who opted in to marketing)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--audience", choices=exports.AUDIENCES, default="all")

    def handle(self, *args, **options):
        store = self.store(options)
        self.write_lines(
            options,
            exports.customer_csv_lines(
                store=store, mode=options["mode"], audience=options["audience"]
            ),
        )
