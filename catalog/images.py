"""Image facts read with Pillow."""

from __future__ import annotations

import contextlib

EXIF_ORIENTATION = 0x0112
_ROTATED = {5, 6, 7, 8}  # EXIF orientations shown turned by 90 degrees


def image_aspect_ratio(fileobj) -> float | None:
    """Width / height as displayed (EXIF rotation applied), or None if not a readable image."""
    from PIL import Image, UnidentifiedImageError

    try:
        fileobj.seek(0)
        with Image.open(fileobj) as image:
            width, height = image.size
            if image.getexif().get(EXIF_ORIENTATION) in _ROTATED:
                width, height = height, width
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    finally:
        with contextlib.suppress(OSError, ValueError):
            fileobj.seek(0)
    return round(width / height, 4) if height else None
