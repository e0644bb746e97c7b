"""The two product CSV formats: reading them into :class:`Record` s and writing them.

**Shopify's product CSV** (``Handle, Title, Body (HTML), Vendor, Type, Tags, Published,
Option1 Name, Option1 Value, ..., Variant SKU, Variant Grams, Variant Inventory Qty,
Variant Price, Variant Compare At Price, Image Src, ...``): one row per variant, the
product's fields on its first row, extra images on rows that carry only ``Handle`` and
``Image Src``. The mapping (also in ``transfers/README.md``):

- ``Handle`` is the slug; ``Title`` the name; ``Body (HTML)`` the description (kept as
  HTML, which Markdown passes through); ``Vendor`` the brand.
- ``Type`` is a category (found by name or slug, created when missing); each tag that names
  an existing category of the store (by name or slug) adds that category too; all the tags
  are kept in ``metadata["tags"]``.
- ``Published`` ``TRUE`` is published, anything else draft; a ``Status`` column, when
  present, wins for ``draft`` and ``archived``.
- A single variant ``Title`` / ``Default Title`` is a simple product; otherwise the options
  are ``Option1..3 Name`` and each variant row is a variant.
- ``Variant Price`` / ``Variant Compare At Price`` are major units, converted exactly to the
  store currency's minor units (more decimals than the currency has is a refusal). A
  compare-at price above the price is the product's price and the price its sale price
  when the product is simple or every variant has the same two prices; otherwise the
  first variant's price is the product's, other variants carry their own, and compare-at
  prices are ignored.
- ``Variant Inventory Qty`` is the stock (below 0 is imported as 0);
  ``Variant Inventory Tracker`` empty on every variant turns stock tracking off.
- ``Variant Grams`` the weight, ``Variant Barcode`` the barcode, ``Cost per item`` the cost
  (simple products), ``Image Src`` / ``Image Alt Text`` the images in file order.

**This platform's CSV** (``handle, name, description, status, ...``, the columns of
:data:`NATIVE_COLUMNS`): the same shape (one row per variant, the product on its first row,
image-only rows), with this platform's own fields and amounts in major units.

Rows of one product must follow each other (both platforms export them so). Row numbers
are the spreadsheet's: the header is row 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from core.csvfiles import csv_uncell
from core.money import parse_major, to_major_string

#: A cell longer than this is refused by the csv module (HTML bodies can be long).
MAX_FIELD_SIZE = 4 * 1024 * 1024
MAX_OPTIONS = 3

SHOPIFY_COLUMNS = (
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Option3 Name",
    "Option3 Value",
    "Variant SKU",
    "Variant Grams",
    "Variant Inventory Tracker",
    "Variant Inventory Qty",
    "Variant Price",
    "Variant Compare At Price",
    "Variant Barcode",
    "Image Src",
    "Image Position",
    "Image Alt Text",
    "Cost per item",
    "Status",
)

NATIVE_COLUMNS = (
    "handle",
    "name",
    "description",
    "status",
    "brand",
    "categories",
    "tags",
    "price",
    "sale_price",
    "cost",
    "track_inventory",
    "option1_name",
    "option1_value",
    "option2_name",
    "option2_value",
    "option3_name",
    "option3_value",
    "variant_sku",
    "variant_price",
    "variant_stock",
    "variant_barcode",
    "variant_weight_grams",
    "image_url",
    "image_alt",
)

#: A list inside one cell (categories, tags): ``"Mugs|Gifts"``.
LIST_SEPARATOR = "|"


class UnknownFormat(ValueError):
    """The header is neither Shopify's nor this platform's product CSV."""


@dataclass
class Record:
    """One product of a file, read but not yet applied."""

    handle: str
    row: int
    last_row: int
    #: Rows of the file this record was read from.
    size: int = 1
    data: dict = field(default_factory=dict)
    category_names: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    #: Tags may also name existing categories (Shopify files).
    tags_are_categories: bool = False
    archived: bool = False
    images: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rows_label(self) -> str:
        if self.last_row == self.row:
            return f"row {self.row}"
        return f"rows {self.row}-{self.last_row}"


def detect_format(header: list[str]) -> str:
    names = {name.strip() for name in header}
    if {"Handle", "Title", "Variant Price"} <= names:
        return "shopify"
    if {"handle", "name", "price"} <= names:
        return "native"
    raise UnknownFormat(
        "The first row must be the header of a Shopify product CSV (Handle, Title, "
        "Variant Price, ...) or of this platform's product export (handle, name, "
        "price, ...)."
    )


def csv_reader(text: io.TextIOBase):
    if csv.field_size_limit() < MAX_FIELD_SIZE:
        csv.field_size_limit(MAX_FIELD_SIZE)
    return csv.reader(text)


def count_rows(text: io.TextIOBase) -> int:
    """Data rows in the file (streamed; blank lines are not rows)."""
    reader = csv_reader(text)
    next(reader, None)
    return sum(1 for row in reader if any(cell.strip() for cell in row))


def _groups(text: io.TextIOBase, handle_column: str):
    """``(format, header, [(row number, {column: value}), ...])`` per product, streamed."""
    reader = csv_reader(text)
    header = [name.strip() for name in next(reader, [])]
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    kind = detect_format(header)
    key = "Handle" if kind == "shopify" else "handle"
    group: list[tuple[int, dict]] = []
    current = None
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        row = dict(zip(header, (cell.strip() for cell in cells), strict=False))
        handle = row.get(key, "")
        if group and handle != current:
            yield kind, group
            group = []
        current = handle
        group.append((number, row))
    if group:
        yield kind, group


def read_records(text: io.TextIOBase, *, currency: str) -> Iterator[Record]:
    """Every product of the file, in file order (streamed: one product in memory)."""
    for kind, group in _groups(text, "Handle"):
        if kind == "shopify":
            yield _shopify_record(group, currency)
        else:
            yield _native_record(group, currency)


# -- reading helpers ---------------------------------------------------------------------


class _Cells:
    """Typed reads of one row's cells; a bad cell adds an error naming row and column."""

    def __init__(self, record: Record, number: int, row: dict, currency: str):
        self.record, self.number, self.row, self.currency = (
            record,
            number,
            row,
            currency,
        )

    def text(self, column: str) -> str:
        return self.row.get(column, "") or ""

    def _error(self, column: str, message: str) -> None:
        self.record.errors.append(f"Row {self.number}, {column}: {message}")

    def money(self, column: str) -> int | None:
        value = self.text(column)
        if not value:
            return None
        try:
            return parse_major(value, self.currency)
        except ValueError as exc:
            self._error(column, str(exc))
            return None

    def integer(self, column: str, *, clamp_negative: bool = False) -> int | None:
        value = self.text(column)
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            self._error(column, f"{value!r} is not a number.")
            return None
        if number != int(number):
            self._error(column, f"{value!r} is not a whole number.")
            return None
        if number < 0 and clamp_negative:
            self.record.notes.append(
                f"Row {self.number}, {column}: {value} imported as 0."
            )
            return 0
        if number < 0:
            self._error(column, f"{value!r} is below 0.")
            return None
        return int(number)

    def boolean(self, column: str) -> bool | None:
        value = self.text(column).lower()
        if not value:
            return None
        if value in ("true", "yes", "1"):
            return True
        if value in ("false", "no", "0"):
            return False
        self._error(column, f"{value!r} is not TRUE or FALSE.")
        return None


def _split_list(value: str, separator: str) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in value.split(separator) if v.strip()))


def _options(first: dict, name_column: str) -> list[str]:
    return [
        first.get(name_column.format(i), "")
        for i in range(1, MAX_OPTIONS + 1)
        if first.get(name_column.format(i), "")
    ]


def _structure(
    record: Record,
    variants: list[dict],
    option_names: list[str],
    *,
    simple: bool,
) -> None:
    """Put options and variants (or a simple product's one variant) into ``record.data``."""
    data = record.data
    if not variants:
        record.errors.append(f"Row {record.row}: the product has no variant row.")
        return
    if simple:
        only = variants[0]
        data["options"] = []
        for key in ("sku", "barcode", "weight_grams", "stock"):
            if only.get(key) is not None:
                data[key] = only[key]
        return
    values: dict[str, list[str]] = {name: [] for name in option_names}
    for variant in variants:
        for name, value in variant["option_values"].items():
            if value.lower() not in {v.lower() for v in values[name]}:
                values[name].append(value)
    data["options"] = [{"name": name, "values": values[name]} for name in option_names]
    data["variants"] = variants


def _option_values(
    cells: _Cells, option_names: list[str], value_column: str
) -> dict[str, str]:
    found = {}
    for index, name in enumerate(option_names, start=1):
        value = cells.text(value_column.format(index))
        if not value:
            cells._error(value_column.format(index), f"No value for {name}.")
        found[name] = value
    return found


def _image(record: Record, cells: _Cells, url_column: str, alt_column: str) -> None:
    url = cells.text(url_column)
    if url and url not in {u for u, _ in record.images}:
        record.images.append((url, cells.text(alt_column)[:255]))


# -- Shopify ----------------------------------------------------------------------------


def _shopify_record(group: list[tuple[int, dict]], currency: str) -> Record:
    first_number, first = group[0]
    record = Record(
        handle=first.get("Handle", ""),
        row=first_number,
        last_row=group[-1][0],
        size=len(group),
        tags_are_categories=True,
    )
    head = _Cells(record, first_number, first, currency)
    if not record.handle:
        record.errors.append(f"Row {first_number}, Handle: the handle is empty.")
    data = record.data
    data["name"] = head.text("Title")
    data["slug"] = record.handle
    data["description"] = first.get("Body (HTML)", "")
    data["brand"] = head.text("Vendor")
    published = head.boolean("Published")
    status = head.text("Status").lower()
    data["status"] = "published" if published else "draft"
    if status == "draft":
        data["status"] = "draft"
    elif status == "archived":
        record.archived = True
    if head.text("Type"):
        record.category_names.append(head.text("Type"))
    record.tags = _split_list(head.text("Tags"), ",")
    option_names = _options(first, "Option{} Name")
    variants: list[dict] = []
    tracked = False
    pairs: list[tuple[int | None, int | None]] = []
    cost = head.money("Cost per item")
    for number, row in group:
        cells = _Cells(record, number, row, currency)
        _image(record, cells, "Image Src", "Image Alt Text")
        _image(record, cells, "Variant Image", "Image Alt Text")
        if not (
            cells.text("Option1 Value")
            or cells.text("Variant SKU")
            or cells.text("Variant Price")
        ):
            continue
        tracked = tracked or bool(cells.text("Variant Inventory Tracker"))
        price = cells.money("Variant Price")
        if price is None and not cells.text("Variant Price"):
            cells._error("Variant Price", "The price is empty.")
        pairs.append((price, cells.money("Variant Compare At Price")))
        variants.append(
            {
                "option_values": _option_values(cells, option_names, "Option{} Value"),
                "sku": cells.text("Variant SKU"),
                "barcode": cells.text("Variant Barcode"),
                "weight_grams": cells.integer("Variant Grams"),
                "stock": cells.integer("Variant Inventory Qty", clamp_negative=True)
                or 0,
                "price": price,
            }
        )
    data["track_inventory"] = tracked
    simple = len(variants) == 1 and (
        not option_names
        or (
            option_names == ["Title"]
            and variants[0]["option_values"].get("Title") == "Default Title"
        )
    )
    if pairs:
        price, compare_at = pairs[0]
        uniform = all(pair == pairs[0] for pair in pairs)
        if (simple or uniform) and compare_at is not None and price is not None:
            if compare_at > price:
                data["price"], data["sale_price"] = compare_at, price
            else:
                data["price"], data["sale_price"] = price, None
        else:
            data["price"], data["sale_price"] = price or 0, None
        for variant in variants:
            own = variant.pop("price")
            if not simple and not uniform and own is not None and own != data["price"]:
                variant["price"] = own
            elif not simple:
                variant["price"] = None
    if simple:
        data["cost"] = cost
    _structure(record, variants, option_names, simple=simple)
    return record


# -- this platform's CSV -----------------------------------------------------------------


def _native_record(group: list[tuple[int, dict]], currency: str) -> Record:
    group = [(n, {k: csv_uncell(v) for k, v in row.items()}) for n, row in group]
    first_number, first = group[0]
    record = Record(
        handle=first.get("handle", ""),
        row=first_number,
        last_row=group[-1][0],
        size=len(group),
    )
    head = _Cells(record, first_number, first, currency)
    if not record.handle:
        record.errors.append(f"Row {first_number}, handle: the handle is empty.")
    data = record.data
    data["name"] = head.text("name")
    data["slug"] = record.handle
    data["description"] = first.get("description", "")
    status = head.text("status").lower() or "draft"
    if status == "archived":
        record.archived = True
        status = "draft"
    data["status"] = status
    data["brand"] = head.text("brand")
    data["price"] = head.money("price")
    if data["price"] is None:
        head._error("price", "The price is empty.")
    data["sale_price"] = head.money("sale_price")
    data["cost"] = head.money("cost")
    tracked = head.boolean("track_inventory")
    data["track_inventory"] = True if tracked is None else tracked
    record.category_names = _split_list(head.text("categories"), LIST_SEPARATOR)
    record.tags = _split_list(head.text("tags"), LIST_SEPARATOR)
    option_names = _options(first, "option{}_name")
    variants = []
    for index, (number, row) in enumerate(group):
        cells = _Cells(record, number, row, currency)
        _image(record, cells, "image_url", "image_alt")
        is_variant = index == 0 or any(
            cells.text(c) for c in ("option1_value", "variant_sku", "variant_stock")
        )
        if not is_variant:
            continue
        variant = {
            "sku": cells.text("variant_sku"),
            "barcode": cells.text("variant_barcode"),
            "weight_grams": cells.integer("variant_weight_grams"),
            "stock": cells.integer("variant_stock") or 0,
        }
        if option_names:
            variant["option_values"] = _option_values(
                cells, option_names, "option{}_value"
            )
            variant["price"] = cells.money("variant_price")
        variants.append(variant)
    _structure(record, variants, option_names, simple=not option_names)
    return record


# -- writing ----------------------------------------------------------------------------


def major(amount: int | None, currency: str) -> str:
    return "" if amount is None else to_major_string(amount, currency)
