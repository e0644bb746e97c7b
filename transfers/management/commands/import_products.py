from pathlib import Path

from django.core.files import File
from django.core.management.base import CommandError

from core.exceptions import DomainError
from transfers import services
from transfers.management.base import StoreCommand

BAR_WIDTH = 30


class Command(StoreCommand):
    help = (
        "Import a Shopify product CSV or this platform's product export into a store, "
        "with a progress bar; --dry-run reports without changing anything. The report "
        "is printed at the end (refused products) and kept on the import."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        super().add_arguments(parser)
        parser.add_argument("--dry-run", action="store_true")

    def progress(self, run) -> None:
        total = run.rows_total or 0
        filled = BAR_WIDTH * run.rows_done // total if total else BAR_WIDTH
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stdout.write(
            f"\r[{bar}] {run.rows_done}/{total} rows, {run.products_refused} refused",
            ending="",
        )
        self.stdout.flush()

    def handle(self, *args, **options):
        store = self.store(options)
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        with path.open("rb") as handle:
            try:
                run = services.import_create(
                    store=store,
                    mode=options["mode"],
                    upload=File(handle, name=path.name),
                    dry_run=options["dry_run"],
                    actor="command:import_products",
                    queue=False,
                )
            except DomainError as exc:
                raise CommandError(_describe(exc)) from None
        run = services.import_run(
            import_id=run.pk, time_budget=None, progress=self.progress
        )
        self.stdout.write("")
        if run.error:
            raise CommandError(f"{run.pk}: {run.error}")
        for line in run.lines.filter(action__in=["refused", "image_failed"]):
            self.stdout.write(
                f"row {line.row} {line.handle}: {line.action}: {line.message}"
            )
        verb = "would be" if run.dry_run else "were"
        self.stdout.write(
            self.style.SUCCESS(
                f"{run.pk}{' (dry run)' if run.dry_run else ''}: "
                f"{run.products_created} {verb} created, {run.products_updated} updated, "
                f"{run.products_unchanged} unchanged, {run.products_refused} refused."
            )
        )


def _describe(exc: DomainError) -> str:
    if exc.fields:
        return "; ".join(m for messages in exc.fields.values() for m in messages)
    return exc.message
