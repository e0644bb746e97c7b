"""A variant's own image: ``mediaId`` (one of the product's media) set with the private API
and shown on the public product, so the storefront shows the selected variant's image."""

from __future__ import annotations

import pytest

from catalog.models import Media, Variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def blue_photo(shirt):
    return Media.objects.create(product=shirt, file="products/blue.jpg", alt="Blue")


def variants_body(media_id):
    return {
        "variants": [
            {"optionValues": {"Size": "S", "Colour": "Red"}, "sku": "Lin-S-R"},
            {
                "optionValues": {"Size": "S", "Colour": "Blue"},
                "sku": "Lin-S-B",
                "mediaId": media_id,
            },
        ]
    }


def test_a_variant_shows_its_own_media(private, public, shirt, blue_photo):
    response = private.patch(f"/products/{shirt.pk}", variants_body(blue_photo.pk))
    assert response.status_code == 200, response.json()
    by_sku = {v["sku"]: v for v in response.json()["data"]["variants"]}
    assert by_sku["Lin-S-B"]["mediaId"] == blue_photo.pk
    assert by_sku["Lin-S-R"]["mediaId"] is None

    shown = public.get(f"/products/{shirt.slug}").json()["data"]
    media_ids = {v["name"]: v["mediaId"] for v in shown["variants"]}
    assert media_ids == {"S / Red": None, "S / Blue": blue_photo.pk}
    assert blue_photo.pk in [m["id"] for m in shown["media"]]

    # Deleting the photo leaves the variant without one.
    blue_photo.delete()
    assert Variant.objects.get(sku="Lin-S-B").media_id is None


def test_media_of_another_product_is_refused(private, shirt, candle):
    other = Media.objects.create(product=candle, file="products/candle.jpg")
    response = private.patch(f"/products/{shirt.pk}", variants_body(other.pk))
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "variants[1].mediaId": ["Not one of this product's media."]
    }
    assert not Variant.objects.filter(product=shirt, media__isnull=False).exists()
