"""What the import and export commands share: ``--store``, ``--mode``, ``--output``."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError

from core.models import Mode, Store


class StoreCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--store", required=True, metavar="str_...")
        parser.add_argument(
            "--mode",
            choices=[m.value for m in Mode],
            default=Mode.LIVE,
            help="Key mode of the data (default live).",
        )

    def store(self, options) -> Store:
        store = Store.objects.filter(pk=options["store"]).first()
        if store is None:
            raise CommandError(f"No such store: {options['store']}")
        return store


class ExportCommand(StoreCommand):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--output", "-o", default="-", help="File to write (default: stdout)."
        )

    @contextmanager
    def output(self, options):
        if options["output"] == "-":
            yield self.stdout  # lines end with a line break: none is added
            return
        with open(options["output"], "w", encoding="utf-8", newline="") as handle:
            yield handle

    def write_lines(self, options, lines) -> None:
        with self.output(options) as handle:
            for line in lines:
                handle.write(line)
