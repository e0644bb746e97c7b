"""Demo catalogue: a few categories (one nested), eight products (one with Size/Colour
variants, one on sale, one digital, one bundle of two others), generated images and
approved reviews.

Idempotent: categories and products are found by slug; only what is missing is created.
"""

from __future__ import annotations

import io

from django.core.files.base import ContentFile

from . import services
from .models import Category, Product, Review

CATEGORIES = [
    # slug, name, parent slug, description
    ("candles", "Candles", None, "Hand-poured scented candles."),
    ("soy-wax", "Soy wax", "candles", "Clean-burning soy wax candles."),
    ("home-fragrance", "Home fragrance", None, "Sprays and diffusers."),
    ("gifts", "Gifts", None, "Ready to give."),
]

PRODUCTS = [
    {
        "slug": "hand-poured-candle",
        "name": "Hand-poured candle",
        "price": 2400,
        "stock": 47,
        "summary": "Soy wax, 60 hours burn time.",
        "sku": "CANDLE-001",
        "barcode": "5012345678900",
        "cost": 780,
        "weight_grams": 340,
        "featured": True,
        "categories": ["soy-wax"],
        "description": "Hand-poured soy wax candle with a cotton wick.\n\n- 60 hours burn time\n- Vegan",
        "images": [("Front", (214, 170, 120), 0.75), ("Lit", (240, 200, 90), 0.75)],
        "reviews": [
            (
                5,
                "Best candle I've bought",
                "Smells incredible and the burn is clean.",
                "Sam B.",
            ),
            (4, "Lovely", "Great scent throw, a little small.", "Ola K."),
        ],
    },
    {
        "slug": "lavender-linen-spray",
        "name": "Lavender linen spray",
        "price": 1200,
        "stock": 30,
        "summary": "Calming lavender for pillows and linen.",
        "sku": "SPRAY-LAV",
        "categories": ["home-fragrance"],
        "images": [("Bottle", (170, 150, 210), 0.75)],
        "reviews": [
            (5, "Sleep better", "A few sprays on the pillow and I'm out.", "Priya D.")
        ],
    },
    {
        "slug": "beeswax-taper-pair",
        "name": "Beeswax taper pair",
        "price": 1600,
        "stock": 12,
        "sale_price": 1200,
        "sale_name": "Spring sale",
        "summary": "Two hand-dipped tapers.",
        "sku": "TAPER-2",
        "categories": ["candles", "gifts"],
        "images": [("Pair", (230, 190, 80), 0.5)],
    },
    {
        "slug": "candle-making-guide",
        "name": "Candle-making guide (PDF)",
        "price": 900,
        "product_type": "digital",
        "shipping_type": "none",
        "track_inventory": False,
        "stock": 0,
        "summary": "Our 40-page guide to pouring your own.",
        "categories": ["gifts"],
        "images": [("Cover", (90, 120, 160), 0.7071)],
    },
    {
        "slug": "linen-apron",
        "name": "Linen apron",
        "price": 3200,
        "summary": "Stone-washed linen.",
        "categories": ["gifts"],
        "images": [("Apron", (120, 110, 100), 0.8)],
        "options": [
            {"name": "Size", "values": ["S", "M", "L"]},
            {"name": "Colour", "values": ["Natural", "Charcoal"]},
        ],
        "variant_stock": {
            ("S", "Natural"): 4,
            ("M", "Natural"): 6,
            ("L", "Natural"): 2,
            ("S", "Charcoal"): 0,
            ("M", "Charcoal"): 5,
            ("L", "Charcoal"): 3,
        },
        "variant_price": {("L", "Natural"): 3400, ("L", "Charcoal"): 3400},
    },
    {
        "slug": "reed-diffuser",
        "name": "Reed diffuser",
        "price": 2800,
        "stock": 3,
        "summary": "Fig and cedar, lasts three months.",
        "sku": "DIFF-FIG",
        "categories": ["home-fragrance"],
        "images": [("Diffuser", (110, 140, 100), 0.75)],
    },
    {
        "slug": "long-matches",
        "name": "Long matches",
        "price": 450,
        "stock": 0,
        "summary": "Extra-long safety matches.",
        "sku": "MATCH-L",
        "categories": ["candles"],
    },
    {
        "slug": "candle-care-kit",
        "name": "Candle care kit",
        "price": 5500,
        "product_type": "bundle",
        # A bundle sells from its components' stock: (product slug, units per kit).
        "components": [("hand-poured-candle", 2), ("lavender-linen-spray", 1)],
        "summary": "Two hand-poured candles and a lavender linen spray.",
        "sku": "KIT-CARE",
        "categories": ["gifts"],
        "images": [("Kit", (60, 60, 70), 1.0)],
    },
]


def demo_image(colour: tuple[int, int, int], ratio: float, label: str) -> bytes:
    """A flat product shot: a coloured card with a simple 'product' shape and a caption."""
    from PIL import Image, ImageDraw

    width = 600
    height = int(round(width / ratio))
    image = Image.new("RGB", (width, height), (246, 242, 236))
    draw = ImageDraw.Draw(image)
    w, h = width // 3, height // 2
    left, top = (width - w) // 2, height // 3
    draw.rounded_rectangle((left, top, left + w, top + h), radius=24, fill=colour)
    draw.ellipse(
        (width // 2 - 10, top - 40, width // 2 + 10, top - 5), fill=(250, 180, 60)
    )
    draw.text((24, height - 40), label, fill=(60, 60, 60))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _categories(store) -> dict[str, Category]:
    found = {
        c.slug: c
        for c in Category.objects.filter(
            store=store, slug__in=[s for s, *_ in CATEGORIES]
        )
    }
    for position, (slug, name, parent, description) in enumerate(CATEGORIES):
        if slug not in found:
            data = {
                "name": name,
                "slug": slug,
                "description": description,
                "sort_order": position,
            }
            if parent:
                data["parent_id"] = found[parent].pk
            found[slug] = services.category_create(store=store, data=data)
    return found


def _product(store, spec: dict, categories: dict[str, Category]) -> None:
    if Product.objects.filter(store=store, slug=spec["slug"]).exists():
        return
    keys = (
        "name",
        "slug",
        "price",
        "summary",
        "description",
        "sku",
        "barcode",
        "cost",
        "weight_grams",
        "featured",
        "sale_price",
        "sale_name",
        "product_type",
        "shipping_type",
        "track_inventory",
    )
    data = {k: spec[k] for k in keys if k in spec}
    data["status"] = Product.Status.PUBLISHED
    data["category_ids"] = [categories[slug].pk for slug in spec.get("categories", [])]
    if "options" in spec:
        data["options"] = spec["options"]
        data["variants"] = []
        for (size, colour), stock in spec["variant_stock"].items():
            variant = {
                "option_values": {"Size": size, "Colour": colour},
                "stock": stock,
                "sku": f"APRON-{size}-{colour[:4].upper()}",
            }
            if (size, colour) in spec.get("variant_price", {}):
                variant["price"] = spec["variant_price"][(size, colour)]
            data["variants"].append(variant)
    elif "components" in spec:
        data["components"] = [
            {
                "variant_id": Product.objects.get(store=store, slug=slug)
                .variants.get(is_default=True)
                .pk,
                "quantity": quantity,
            }
            for slug, quantity in spec["components"]
        ]
    else:
        data["stock"] = spec.get("stock", 0)
    product = services.product_create(
        mode="live", store=store, data=data, actor="demo", source="import"
    )
    for position, (alt, colour, ratio) in enumerate(spec.get("images", [])):
        upload = ContentFile(
            demo_image(colour, ratio, f"{spec['name']} - {alt}"),
            name=f"{spec['slug']}-{position}.jpg",
        )
        services.media_create(product=product, file=upload, alt=alt, position=position)
    for rating, title, body, author in spec.get("reviews", []):
        Review.objects.create(
            store=store,
            product=product,
            rating=rating,
            title=title,
            body=body,
            author_name=author,
            author_email=f"{author.split()[0].lower()}@example.com",
            status=Review.Status.APPROVED,
        )


def seed(*, store) -> None:
    categories = _categories(store)
    for spec in PRODUCTS:
        _product(store, spec, categories)
