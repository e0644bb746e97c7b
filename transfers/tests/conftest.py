from __future__ import annotations

from pathlib import Path

import pytest

from catalog.tests.factories import png_bytes
from transfers.tests.imageserver import image_server

DATA = Path(__file__).parent / "data"


@pytest.fixture
def images(settings, tmp_path):
    """A local image host (the import's SSRF guard lets loopback through for tests only)."""
    settings.TRANSFERS_IMAGES_ALLOW_INSECURE_URLS = True
    settings.MEDIA_ROOT = str(tmp_path / "media")
    files = {
        "/img/shirt-front.png": png_bytes(40, 50),
        "/img/shirt-back.png": png_bytes(40, 50, (10, 20, 30)),
        "/img/mug.png": png_bytes(60, 60),
    }
    with image_server(files, media_root=settings.MEDIA_ROOT) as server:
        yield server


@pytest.fixture
def shopify_csv(images) -> bytes:
    host = f"127.0.0.1:{images.server_address[1]}"
    text = (DATA / "shopify_products.csv").read_text(encoding="utf-8")
    return text.replace("{host}", host).encode("utf-8")
