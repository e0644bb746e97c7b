"""The import bench: a generated Shopify product CSV imported on PostgreSQL.

    .venv/bin/python -m bench.import_bench --rows 100000

1. creates the database ``bench_import`` on the server of ``--database-url`` (once) and
   migrates it; every run imports into a new store of its own;
2. writes a Shopify product CSV of ``--rows`` rows (``--variants`` variants a product, HTML
   bodies, quoted commas) to a temporary file, streamed;
3. measures the ceiling: reading and mapping the whole file (``transfers.formats``) without
   touching the database, in rows per second;
4. imports it (``services.import_run`` in-process, the same code a worker runs), sampling the
   process's resident memory (``VmRSS``) after every batch, then imports it a second time
   (every product ``unchanged``);
5. prints a markdown table and appends it to ``bench/RESULTS.md`` (unless ``--no-record``).

The rate to compare between machines is the import's ratio to the parse ceiling; memory is
flat when the resident size after the last batch is close to the size after the first.
Settings: the project's, with ``DEBUG=false`` (Django keeps every query in memory when
DEBUG is on). Without ``--redis-url`` queued work runs inline, as in the tests (each
webhook event's fan-out in the import's time); with it, queued work goes to that Redis
database as in production, the import's ``product.created`` tasks (one a batch, what a
worker does) are then run in-process and timed apart, and the bench empties its queues.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
DB_NAME = "bench_import"
EVENTS_TASK = "transfers.tasks.products_event"


def rss_mb() -> float:
    """The process's resident set size now, in MB (Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def write_shopify_csv(path: Path, rows: int, variants: int) -> int:
    """A Shopify product export of ``rows`` rows; returns the number of products."""
    from transfers.formats import SHOPIFY_COLUMNS

    products = rows // variants
    sizes = [f"Size {index + 1}" for index in range(variants)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SHOPIFY_COLUMNS)
        for n in range(products):
            for index, size in enumerate(sizes):
                row = {
                    "Handle": f"bench-product-{n}",
                    "Option1 Value": size,
                    "Variant SKU": f"B-{n}-{size}",
                    "Variant Grams": "250",
                    "Variant Inventory Tracker": "shopify",
                    "Variant Inventory Qty": str((n + index) % 50),
                    "Variant Price": f"{10 + n % 90}.{n % 100:02d}",
                }
                if index == 0:
                    row.update(
                        {
                            "Title": f"Bench product {n}, size-run",
                            "Body (HTML)": f'<p>Product {n}: soft, "durable".</p>\n'
                            "<ul><li>One, two</li></ul>",
                            "Vendor": f"Vendor {n % 40}",
                            "Type": f"Type {n % 25}",
                            "Tags": "bench, generated",
                            "Published": "TRUE",
                            "Option1 Name": "Size",
                            "Status": "active",
                        }
                    )
                writer.writerow([row.get(c, "") for c in SHOPIFY_COLUMNS])
    return products


def ensure_database(url: str, name: str = DB_NAME) -> str:
    import psycopg

    with psycopg.connect(f"{url}/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{url}/{name}"


def run_events_tasks(services) -> tuple[int, float]:
    """Run the product.created tasks the import queued (what a worker does after each
    batch) in-process; returns how many and the seconds they took."""
    from core.models import OutboxMessage

    messages = list(OutboxMessage.objects.filter(task=EVENTS_TASK))
    started = time.perf_counter()
    for message in messages:
        store_id, mode, type_, ids = message.args
        services.products_event(
            store_id=store_id, mode=mode, type=type_, product_ids=ids
        )
    seconds = time.perf_counter() - started
    OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).delete()
    return len(messages), seconds


def drop_queues(redis_url: str) -> None:
    """Forget the messages the run handed to the broker (no worker listens to this
    bench's Redis database): the imports and webhooks queues only, never the database."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.delete("imports", "webhooks")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--variants", type=int, default=4)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default=DB_NAME, help="bench database name")
    parser.add_argument(
        "--redis-url",
        default="",
        help="a Redis database of your own: queued work (events, webhooks) goes to it "
        "as in production instead of running inline; its queues are emptied after",
    )
    parser.add_argument(
        "--import-only",
        action="store_true",
        help="the first import only: no events tasks, no second import",
    )
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    # The code that runs is the code checked out now, not at the end of a long run.
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    ).stdout.strip()

    os.environ["DATABASE_URL"] = ensure_database(
        args.database_url.rstrip("/"), args.database
    )
    if args.redis_url:
        os.environ["REDIS_URL"] = args.redis_url
        os.environ["CACHE_KEY_PREFIX"] = "import-bench"
    else:
        os.environ.pop("REDIS_URL", None)
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shoprocket_site.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.files import File
    from django.core.management import call_command
    from django.db import connection

    from core import services as core_services
    from transfers import formats, services

    call_command("migrate", verbosity=0)
    store, _ = core_services.store_create(
        name=f"Import bench {datetime.now(UTC):%H%M%S}", currency="GBP", country="GB"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "products.csv"
        products = write_shopify_csv(path, args.rows, args.variants)
        size_mb = path.stat().st_size / 1024 / 1024

        started = time.perf_counter()
        with path.open(encoding="utf-8-sig", newline="") as text:
            parsed = sum(1 for _ in formats.read_records(text, currency="GBP"))
        parse_seconds = time.perf_counter() - started
        assert parsed == products

        samples: list[tuple[int, float]] = []

        def sample(run) -> None:
            samples.append((run.rows_done, rss_mb()))
            done = run.rows_done * 100 // max(run.rows_total or 1, 1)
            print(
                f"\r{run.rows_done}/{run.rows_total} rows ({done}%)", end="", flush=True
            )

        timings = {}
        events = (0, 0.0)
        for label in ("first",) if args.import_only else ("first", "again"):
            with path.open("rb") as handle:
                run = services.import_create(
                    store=store,
                    mode="live",
                    upload=File(handle, name="bench.csv"),
                    dry_run=False,
                    queue=False,
                )
            started = time.perf_counter()
            run = services.import_run(
                import_id=run.pk,
                time_budget=None,
                progress=sample if label == "first" else None,
            )
            timings[label] = (time.perf_counter() - started, run)
            print()
            if label == "first" and args.redis_url and not args.import_only:
                events = run_events_tasks(services)
    if args.redis_url:
        drop_queues(args.redis_url)
    first_seconds, first = timings["first"]
    assert first.products_created == products, first.products_refused
    if not args.import_only:
        again_seconds, again = timings["again"]
        assert again.products_unchanged == products
    parse_rate = args.rows / parse_seconds
    import_rate = args.rows / first_seconds
    first_batch_rss = samples[0][1]
    at_10k = max((rss for done, rss in samples if done <= 10_000), default=0.0)
    peak_rss = max(rss for _, rss in samples)
    last_rss = samples[-1][1]
    lines = [
        "",
        f"## Import bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"`python -m bench.import_bench --rows {args.rows} --variants {args.variants}"
        + (" --redis-url ..." if args.redis_url else "")
        + (" --import-only" if args.import_only else "")
        + "` "
        f"on commit {commit}, PostgreSQL {connection.pg_version // 10000}, "
        f"{platform.machine()} with {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f}. {args.note}",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| file | {args.rows:,} rows, {products:,} products, {size_mb:.1f} MB |",
        f"| parse ceiling (read and map, no database) | {parse_seconds:.1f} s, "
        f"{parse_rate:,.0f} rows/s |",
        f"| import (create everything) | {first_seconds:.1f} s, {import_rate:,.0f} "
        f"rows/s, **{100 * import_rate / parse_rate:.2f}% of the ceiling** |",
        (
            "| re-import | not run (--import-only) |"
            if args.import_only
            else f"| re-import (every product unchanged) | {again_seconds:.1f} s, "
            f"{args.rows / again_seconds:,.0f} rows/s |"
        ),
        "| product.created events (the worker's tasks, run after) | "
        + (
            f"{events[0]} tasks, {events[1]:.1f} s |"
            if args.redis_url and not args.import_only
            else "not run (--import-only) |"
            if args.import_only
            else "inline, in the import's time (no --redis-url) |"
        ),
        f"| resident memory after the first batch / peak to 10,000 rows / peak / "
        f"after the last | {first_batch_rss:.0f} / {at_10k:.0f} / {peak_rss:.0f} / "
        f"{last_rss:.0f} MB |",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if not args.no_record:
        with RESULTS.open("a", encoding="utf-8") as results:
            results.write(report)


if __name__ == "__main__":
    main()
