"""The dashboard edits translations: a section per supported locale on products and
categories, and a translations line per locale on each option."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Category, Product
from catalog.tests.factories import make_category, make_product
from catalog.tests.test_admin import _inline_management, _product_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def french(shop):
    shop.store.supported_locales = ["en", "fr", "de"]
    shop.store.save(update_fields=["supported_locales"])
    return shop


def test_add_product_with_translations_and_option_translations(merchant, french):
    data = _product_form(french)
    data.update(_inline_management("options", total=1))
    data.update(
        {
            "translation__fr__name": "Tablier en lin",
            "translation__fr__description": "En *lin*.",
            "translation__de__name": "  ",
            "options-0-name": "Size",
            "options-0-values_text": "S, M",
            "options-0-translations_text": "fr: Taille | Petit, Moyen\nde: Größe",
            "options-0-position": "0",
        }
    )
    response = merchant.post(reverse("admin:catalog_product_add"), data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else ""
    )
    product = Product.objects.get(slug="linen-apron")
    assert product.translations == {
        "fr": {"name": "Tablier en lin", "description": "En *lin*."}
    }
    option = product.options.get()
    assert option.translations == {"fr": {"name": "Taille"}, "de": {"name": "Größe"}}
    assert {v.value: v.translations for v in option.values.all()} == {
        "S": {"fr": {"value": "Petit"}},
        "M": {"fr": {"value": "Moyen"}},
    }
    page = merchant.get(reverse("admin:catalog_product_change", args=[product.pk]))
    content = page.content.decode()
    assert "Translation: fr" in content and "Translation: de" in content
    assert 'value="Tablier en lin"' in content
    assert "fr: Taille | Petit, Moyen" in content


def test_a_store_without_other_locales_has_no_translation_sections(merchant, shop):
    product = make_product(shop.store, "Candle")
    page = merchant.get(reverse("admin:catalog_product_change", args=[product.pk]))
    assert page.status_code == 200
    assert "Translation:" not in page.content.decode()


def test_a_malformed_option_translation_is_a_form_error(merchant, french):
    data = _product_form(french)
    data.update(_inline_management("options", total=1))
    data.update(
        {
            "options-0-name": "Size",
            "options-0-values_text": "S",
            "options-0-translations_text": "Taille | Petit",
            "options-0-position": "0",
        }
    )
    response = merchant.post(reverse("admin:catalog_product_add"), data)
    assert response.status_code == 200
    assert not Product.objects.exists()


def test_edit_category_translations_keeps_other_locales(merchant, french):
    category = make_category(
        french.store, "Candles", translations={"it": {"name": "Candele"}}
    )
    response = merchant.post(
        reverse("admin:catalog_category_change", args=[category.pk]),
        {
            "store": french.store.pk,
            "name": "Candles",
            "slug": "candles",
            "published": "on",
            "sort_order": "0",
            "description": "",
            "meta_title": "",
            "meta_description": "",
            "translation__fr__name": "Bougies",
            "translation__fr__meta_title": "Bougies | Acme",
        },
    )
    assert response.status_code == 302
    category = Category.objects.get(pk=category.pk)
    assert category.translations == {
        "it": {"name": "Candele"},  # not a supported locale now: kept, not shown
        "fr": {"name": "Bougies", "meta_title": "Bougies | Acme"},
    }
