"""Product feeds for ad platforms, rendered as a stream of XML text.

Written with Django's ``SimplerXMLGenerator`` (escaping, attributes and the XML declaration as
Django's own syndication feeds write them), one product at a time into a small buffer.
All four platforms read RSS 2.0 with Google's ``g:`` namespace (Meta, Pinterest and TikTok
document it as an accepted catalogue format); they differ in the availability wording. A
simple product is one item (``g:id`` the product id); a variant-based product is one item per
variant (``g:id`` the variant id) sharing ``g:item_group_id`` (the product id).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.utils.xmlutils import SimplerXMLGenerator

from core.money import to_major_string

from .derived import product_facts, variant_in_stock
from .models import Product, Variant
from .selectors import FeedEntry

G_NS = "http://base.google.com/ns/1.0"
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_GTIN = re.compile(r"^\d{8}$|^\d{12,14}$")
MAX_TITLE = 150
MAX_DESCRIPTION = 5000
MAX_ADDITIONAL_IMAGES = 10


@dataclass(frozen=True)
class FeedFormat:
    in_stock: str
    out_of_stock: str


PLATFORMS = {
    "google": FeedFormat(in_stock="in_stock", out_of_stock="out_of_stock"),
    "facebook": FeedFormat(in_stock="in stock", out_of_stock="out of stock"),
    "pinterest": FeedFormat(in_stock="in stock", out_of_stock="out of stock"),
    "tiktok": FeedFormat(in_stock="in stock", out_of_stock="out of stock"),
}


class _FeedWriter:
    """An XML generator over a buffer that is emptied each time its text is taken."""

    def __init__(self):
        self.buffer = io.StringIO()
        self.xml = SimplerXMLGenerator(self.buffer, "utf-8", short_empty_elements=True)

    def element(self, name: str, value) -> None:
        """``<name>value</name>``, left out when there is no value; characters XML 1.0
        cannot carry are dropped (a product name pasted with a control character)."""
        if value is None or value == "":
            return
        self.xml.addQuickElement(name, _INVALID_XML.sub("", str(value)))

    def take(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _plain(markdown_text: str) -> str:
    """Markdown to plain text, good enough for a feed description."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", markdown_text)  # images
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their text
    text = re.sub(
        r"(?m)^\s{0,3}(?:#{1,6}|>|[-*+]|\d+\.)\s+", "", text
    )  # headings, quotes, lists
    return re.sub(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1", r"\2", text)  # emphasis, code


@dataclass
class FeedContext:
    store: object
    platform: str
    product_url: Callable[[Product], str]
    media_url: Callable[[str], str]
    channel_link: str


def _option(pairs: list[tuple[str, str]], *names: str) -> str:
    return next((value for name, value in pairs if name.strip().lower() in names), "")


def _item(
    out: _FeedWriter, ctx: FeedContext, entry: FeedEntry, variant: Variant | None
) -> None:
    product = entry.product
    fmt = PLATFORMS[ctx.platform]
    facts = product_facts(product, variants=entry.variants)
    currency = ctx.store.currency
    target = variant or facts.default_variant
    own_price = target.price_amount if target is not None else None
    sku = (target.sku if target is not None and target.sku else product.sku) or ""
    barcode = (
        target.barcode if target is not None and target.barcode else product.barcode
    ) or ""
    if own_price is not None:
        price, sale = own_price, None
    else:
        price = product.price_amount
        sale = product.sale_price_amount if facts.on_sale else None
    in_stock = (
        variant_in_stock(target, product) if target is not None else facts.in_stock
    )
    pairs = entry.option_values.get(variant.pk, []) if variant is not None else []
    title = (
        product.name
        if variant is None
        else f"{product.name} - {' / '.join(v for _, v in pairs)}"
    )
    description = (
        _plain(product.description or product.summary)
        or product.summary
        or product.name
    )
    images = [path for path, is_video in entry.media if not is_video]
    weight = (
        target.weight_grams if target is not None else None
    ) or product.weight_grams
    g = out.element
    out.xml.startElement("item", {})
    g("g:id", variant.pk if variant is not None else product.pk)
    g("g:title", _clip(title, MAX_TITLE))
    g("g:description", _clip(description, MAX_DESCRIPTION))
    g("g:link", ctx.product_url(product))
    if images:
        g("g:image_link", ctx.media_url(images[0]))
        for path in images[1 : 1 + MAX_ADDITIONAL_IMAGES]:
            g("g:additional_image_link", ctx.media_url(path))
    g("g:price", f"{to_major_string(price, currency)} {currency}")
    if sale is not None:
        g("g:sale_price", f"{to_major_string(sale, currency)} {currency}")
        if product.sale_starts_at and product.sale_ends_at:
            window = f"{product.sale_starts_at.isoformat()}/{product.sale_ends_at.isoformat()}"
            g("g:sale_price_effective_date", window)
    g("g:availability", fmt.in_stock if in_stock else fmt.out_of_stock)
    g("g:condition", "new")
    g("g:brand", product.brand or ctx.store.name)
    gtin = barcode if _GTIN.match(barcode) else ""
    g("g:gtin", gtin)
    g("g:mpn", sku)
    if not gtin and not sku:
        g("g:identifier_exists", "no")
    if variant is not None:
        g("g:item_group_id", product.pk)
        g("g:size", _option(pairs, "size"))
        g("g:color", _option(pairs, "colour", "color"))
    if entry.category:
        g("g:product_type", entry.category)
    if weight:
        g("g:shipping_weight", f"{weight} g")
    out.xml.endElement("item")
    out.xml.ignorableWhitespace("\n")


def feed_render(ctx: FeedContext, entries: Iterator[FeedEntry]) -> Iterator[str]:
    """Yield the feed as text: the channel header, one chunk per product, the footer."""
    out = _FeedWriter()
    out.xml.startDocument()
    out.xml.startElement("rss", {"version": "2.0", "xmlns:g": G_NS})
    out.xml.startElement("channel", {})
    out.element("title", ctx.store.name)
    out.element("link", ctx.channel_link)
    out.element("description", f"Products of {ctx.store.name}")
    yield out.take()
    for entry in entries:
        facts = product_facts(entry.product, variants=entry.variants)
        for variant in facts.option_variants or [None]:
            _item(out, ctx, entry, variant)
        yield out.take()
    out.xml.endElement("channel")
    out.xml.endElement("rss")
    out.xml.endDocument()
    yield out.take()
