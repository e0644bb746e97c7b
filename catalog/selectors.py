"""Catalog reads."""

from __future__ import annotations

from core.exceptions import NotFound
from core.ids import has_prefix

from .models import Product


def product_get_purchasable(*, store, ref: str) -> Product:
    """A published product of ``store`` by id or slug; anything else is a 404."""
    lookup = {"pk": ref} if has_prefix(ref, "prod") else {"slug": ref}
    product = (
        Product.objects.filter(store=store, status=Product.Status.PUBLISHED, **lookup)
        .prefetch_related("variants")
        .first()
    )
    if product is None:
        raise NotFound("Product not found.")
    return product
