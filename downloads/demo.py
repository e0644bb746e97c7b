"""Demo data: the demo store's digital products get a file to download once bought."""

from __future__ import annotations

from django.core.files.base import ContentFile

from catalog.models import Product

from . import services


def seed(*, store) -> None:
    for product in Product.objects.filter(
        store=store, product_type=Product.ProductType.DIGITAL
    ):
        if product.download_files.exists():
            continue
        text = f"{product.name}\n\nThank you for buying from {store.name}.\n"
        upload = ContentFile(text.encode(), name=f"{product.slug}.txt")
        services.product_file_add(product=product, upload=upload)
