"""Product images and videos, stored through Django's storage."""

from __future__ import annotations

from django.db import transaction

from ..images import image_aspect_ratio
from ..models import Media, Product


@transaction.atomic
def media_save(*, media: Media) -> Media:
    """Store a product image or video through Django's storage, with its aspect ratio read
    from the image (videos keep whatever ratio was given)."""
    if not media.is_video and media.file:
        ratio = image_aspect_ratio(media.file)
        if ratio is not None:
            media.aspect_ratio = ratio
    media.save()
    # Reading the ratio opened the stored file; release it now rather than at collection.
    media.file.close()
    return media


def media_create(
    *,
    product: Product,
    file,
    alt: str = "",
    position: int = 0,
    is_video: bool = False,
    aspect_ratio: float | None = None,
) -> Media:
    media = Media(
        product=product,
        alt=alt,
        position=position,
        is_video=is_video,
        aspect_ratio=aspect_ratio,
    )
    media.file.save(file.name, file, save=False)
    return media_save(media=media)


@transaction.atomic
def media_delete(*, media: Media) -> None:
    """Delete a product image or video; its stored file goes once the deletion commits
    (a rolled-back deletion keeps it). Variants showing it show none."""
    name, storage = media.file.name, media.file.storage
    media.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
