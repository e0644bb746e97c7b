"""Product feeds for ad platforms, rendered as a stream of XML text.

All four platforms read RSS 2.0 with Google's ``g:`` namespace (Meta, Pinterest and TikTok
document it as an accepted catalogue format); they differ in the availability wording. A
simple product is one item (``g:id`` the product id); a variant-based product is one item per
variant (``g:id`` the variant id) sharing ``g:item_group_id`` (the product id).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape

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


def _text(value) -> str:
    return escape(_INVALID_XML.sub("", str(value)))


def _element(name: str, value) -> str:
    if value is None or value == "":
        return ""
    return f"<g:{name}>{_text(value)}</g:{name}>"


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


def _item(ctx: FeedContext, entry: FeedEntry, variant: Variant | None) -> str:
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
    parts = [
        "<item>",
        _element("id", variant.pk if variant is not None else product.pk),
        _element("title", _clip(title, MAX_TITLE)),
        _element("description", _clip(description, MAX_DESCRIPTION)),
        _element("link", ctx.product_url(product)),
    ]
    if images:
        parts.append(_element("image_link", ctx.media_url(images[0])))
        parts.extend(
            _element("additional_image_link", ctx.media_url(path))
            for path in images[1 : 1 + MAX_ADDITIONAL_IMAGES]
        )
    parts.append(_element("price", f"{to_major_string(price, currency)} {currency}"))
    if sale is not None:
        parts.append(
            _element("sale_price", f"{to_major_string(sale, currency)} {currency}")
        )
        if product.sale_starts_at and product.sale_ends_at:
            window = f"{product.sale_starts_at.isoformat()}/{product.sale_ends_at.isoformat()}"
            parts.append(_element("sale_price_effective_date", window))
    parts.append(
        _element("availability", fmt.in_stock if in_stock else fmt.out_of_stock)
    )
    parts.append(_element("condition", "new"))
    parts.append(_element("brand", product.brand or ctx.store.name))
    gtin = barcode if _GTIN.match(barcode) else ""
    parts.append(_element("gtin", gtin))
    parts.append(_element("mpn", sku))
    if not gtin and not sku:
        parts.append(_element("identifier_exists", "no"))
    if variant is not None:
        parts.append(_element("item_group_id", product.pk))
        parts.append(_element("size", _option(pairs, "size")))
        parts.append(_element("color", _option(pairs, "colour", "color")))
    if entry.category:
        parts.append(_element("product_type", entry.category))
    if weight:
        parts.append(_element("shipping_weight", f"{weight} g"))
    parts.append("</item>\n")
    return "".join(parts)


def feed_render(ctx: FeedContext, entries: Iterator[FeedEntry]) -> Iterator[str]:
    """Yield the feed as text: the channel header, one chunk per product, the footer."""
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<rss version="2.0" xmlns:g="{G_NS}">\n<channel>\n'
        f"<title>{_text(ctx.store.name)}</title>\n"
        f"<link>{_text(ctx.channel_link)}</link>\n"
        f"<description>{_text(f'Products of {ctx.store.name}')}</description>\n"
    )
    for entry in entries:
        facts = product_facts(entry.product, variants=entry.variants)
        if facts.option_variants:
            yield "".join(
                _item(ctx, entry, variant) for variant in facts.option_variants
            )
        else:
            yield _item(ctx, entry, None)
    yield "</channel>\n</rss>\n"
