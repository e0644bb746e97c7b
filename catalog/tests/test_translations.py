"""The translated catalogue: translations written on the private API for the store's
supported locales, public reads in the best of them for Accept-Language (field by field
fallback to the default locale, Content-Language), search in the translated text, and the
page cache and query counts with translations."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import selectors
from catalog.models import Category, Product, ProductOption, ProductOptionValue
from catalog.tests.factories import bulk_catalogue, make_category, make_product

pytestmark = pytest.mark.django_db

FR = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
DE = {"Accept-Language": "de-DE"}


@pytest.fixture
def store(shop):
    shop.store.supported_locales = ["en", "fr", "de"]
    shop.store.save(update_fields=["supported_locales"])
    return shop.store


def error(response) -> dict:
    return response.json()["error"]


def _french_shirt(private, category) -> dict:
    response = private.post(
        "/products",
        {
            "name": "Linen shirt",
            "summary": "Cool in summer",
            "description": "Made of *linen*.",
            "price": 3900,
            "status": "published",
            "categoryIds": [category.pk],
            "options": [
                {
                    "name": "Size",
                    "values": ["S", "M"],
                    "translations": {
                        "fr": {"name": "Taille", "values": {"S": "Petit"}},
                        "de": {"name": "Größe"},
                    },
                },
                {"name": "Colour", "values": ["Red"]},
            ],
            # No French description: it falls back to the English one.
            "translations": {
                "fr": {"name": "Chemise en lin", "summary": "Fraîche en été"},
                "de": {"name": "Leinenhemd", "description": "Aus *Leinen*."},
            },
        },
    )
    assert response.status_code == 201, response.json()
    return response.json()["data"]


def test_a_french_read_falls_back_field_by_field_with_content_language(
    store, private, public
):
    category = make_category(
        store,
        "Shirts",
        translations={"fr": {"name": "Chemises", "meta_title": "Chemises | Acme"}},
    )
    created = _french_shirt(private, category)

    response = public.get(f"/products/{created['id']}", headers=FR)
    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    data = response.json()["data"]
    assert data["name"] == "Chemise en lin" and data["summary"] == "Fraîche en été"
    assert data["description"] == "Made of *linen*."  # no French description
    assert "<em>linen</em>" in data["descriptionHtml"]
    assert data["categories"] == [
        {"id": category.pk, "name": "Chemises", "slug": "shirts"}
    ]
    size, colour = data["options"]
    assert (size["name"], size["values"]) == ("Taille", ["Petit", "M"])
    assert (colour["name"], colour["values"]) == ("Colour", ["Red"])
    names = sorted(v["name"] for v in data["variants"])
    assert names == ["M / Red", "Petit / Red"]
    assert {"Taille": "Petit", "Colour": "Red"} in [
        v["optionValues"] for v in data["variants"]
    ]
    assert "translations" not in data  # the public shape is unchanged

    german = public.get(f"/products/{created['id']}", headers=DE)
    assert german["Content-Language"] == "de"
    data = german.json()["data"]
    assert data["name"] == "Leinenhemd" and data["summary"] == "Cool in summer"
    assert "<em>Leinen</em>" in data["descriptionHtml"]
    assert data["options"][0]["name"] == "Größe"
    assert data["options"][0]["values"] == ["S", "M"]


def test_an_unsupported_or_missing_language_reads_the_default_locale(
    store, private, public
):
    product = make_product(
        store, "Candle", translations={"fr": {"name": "Bougie"}}, summary="Soy"
    )
    for headers in ({"Accept-Language": "es-ES,it;q=0.8"}, {}):
        response = public.get(f"/products/{product.slug}", headers=headers)
        assert response["Content-Language"] == "en"
        assert response.json()["data"]["name"] == "Candle"
    # A regional tag reads its language; q-values rank the tags.
    response = public.get(
        f"/products/{product.slug}", headers={"Accept-Language": "de;q=0.2, fr-CA"}
    )
    assert response["Content-Language"] == "fr"
    assert response.json()["data"]["name"] == "Bougie"
    # The list answers in the locale too.
    listed = public.get("/products", headers=FR)
    assert listed["Content-Language"] == "fr"
    assert [p["name"] for p in listed.json()["data"]] == ["Bougie"]


def test_categories_read_in_the_visitors_locale(store, private, public):
    response = private.post(
        "/categories",
        {
            "name": "Candles",
            "description": "Soy wax candles.",
            "metaTitle": "Candles | Acme",
            "translations": {
                "fr": {"name": "Bougies", "metaTitle": "Bougies | Acme"},
            },
        },
    )
    assert response.status_code == 201, response.json()
    assert response.json()["data"]["translations"] == {
        "fr": {"name": "Bougies", "metaTitle": "Bougies | Acme"}
    }
    detail = public.get("/categories/candles", headers=FR)
    assert detail["Content-Language"] == "fr"
    data = detail.json()["data"]
    assert (data["name"], data["metaTitle"]) == ("Bougies", "Bougies | Acme")
    assert data["description"] == "Soy wax candles."  # fallback
    tree = public.get("/categories", headers=FR).json()["data"]
    assert [c["name"] for c in tree] == ["Bougies"]
    assert public.get("/categories", headers=DE).json()["data"][0]["name"] == "Candles"


def test_private_api_reads_and_replaces_translations(store, private):
    created = _french_shirt(private, make_category(store, "Shirts"))
    assert created["name"] == "Linen shirt"  # the private shape is the default text
    assert created["translations"] == {
        "fr": {"name": "Chemise en lin", "summary": "Fraîche en été"},
        "de": {"name": "Leinenhemd", "description": "Aus *Leinen*."},
    }
    assert created["options"][0]["translations"] == {
        "fr": {"name": "Taille", "values": {"S": "Petit"}},
        "de": {"name": "Größe"},
    }
    # PATCH replaces the product's translations; blank texts are dropped.
    response = private.patch(
        f"/products/{created['id']}",
        {"translations": {"fr": {"name": "Chemise", "description": " "}}},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["translations"] == {"fr": {"name": "Chemise"}}
    # Options sent without translations keep theirs (matched by name and value).
    response = private.patch(
        f"/products/{created['id']}",
        {"options": [{"name": "Size", "values": ["S", "M", "L"]}]},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["options"][0]["translations"]["fr"] == {
        "name": "Taille",
        "values": {"S": "Petit"},
    }
    stored = ProductOptionValue.objects.get(option__product_id=created["id"], value="S")
    assert stored.translations == {"fr": {"value": "Petit"}}


def test_a_locale_outside_supported_locales_is_a_422_and_changes_nothing(
    store, private, candle
):
    response = private.patch(
        f"/products/{candle.pk}",
        {"name": "Changed", "translations": {"es": {"name": "Vela"}}},
    )
    assert response.status_code == 422
    fields = error(response)["fields"]
    assert list(fields) == ["translations.es"]
    assert "en, fr, de" in fields["translations.es"][0]
    candle.refresh_from_db()
    assert (candle.name, candle.translations) == ("Hand-poured candle", {})

    for body, field in [
        ({"translations": {"fr": {"price": "1"}}}, "translations.fr.price"),
        ({"translations": {"fr": {"name": 12}}}, "translations.fr.name"),
        ({"translations": {"fr": {"name": "x" * 256}}}, "translations.fr.name"),
        ({"translations": ["fr"]}, "translations"),
        ({"translations": {"fr": "Bougie"}}, "translations.fr"),
    ]:
        response = private.patch(f"/products/{candle.pk}", body)
        assert response.status_code == 422, body
        assert list(error(response)["fields"]) == [field], response.json()
    # An option's translated values must be its own values.
    response = private.patch(
        f"/products/{candle.pk}",
        {
            "options": [
                {
                    "name": "Size",
                    "values": ["S"],
                    "translations": {"fr": {"values": {"XL": "Très grand"}}},
                }
            ]
        },
    )
    assert response.status_code == 422
    assert list(error(response)["fields"]) == ["options[0].translations.fr.values"]
    assert not ProductOption.objects.filter(product=candle).exists()
    # Categories check the same way.
    response = private.post(
        "/categories", {"name": "Candles", "translations": {"ja": {"name": "x"}}}
    )
    assert response.status_code == 422
    assert list(error(response)["fields"]) == ["translations.ja"]
    assert not Category.objects.filter(store=store).exists()


def test_a_store_without_other_locales_refuses_translations(shop, private, candle):
    response = private.patch(
        f"/products/{candle.pk}", {"translations": {"fr": {"name": "Bougie"}}}
    )
    assert response.status_code == 422
    assert list(error(response)["fields"]) == ["translations.fr"]


# -- search -----------------------------------------------------------------------------


def test_search_finds_a_product_by_its_name_in_the_visitors_locale(store, public):
    make_product(
        store,
        "Hand-poured candle",
        translations={"fr": {"name": "Bougie coulée à la main"}},
    )
    make_product(store, "Bougie-free soap")  # the default text still matches
    make_product(store, "Lavender spray", translations={"fr": {"name": "Brume"}})

    def search(q, headers):
        response = public.get("/products", query={"q": q}, headers=headers)
        assert response.status_code == 200
        return sorted(p["name"] for p in response.json()["data"])

    assert search("bougie", FR) == ["Bougie coulée à la main", "Bougie-free soap"]
    assert search("bougie coulée", FR) == ["Bougie coulée à la main"]
    assert search("candle", FR) == ["Bougie coulée à la main"]  # default text too
    # Without French, the French name is not searched.
    assert search("bougie", {}) == ["Bougie-free soap"]
    assert search("brume", DE) == []
    # An explicit sort keeps every match (no ranking); names sort by the default text.
    response = public.get(
        "/products", query={"q": "bougie", "sort": "-name"}, headers=FR
    )
    assert [p["name"] for p in response.json()["data"]] == [
        "Bougie coulée à la main",  # Hand-poured candle
        "Bougie-free soap",
    ]


@pytest.mark.postgres
def test_french_search_stems_with_the_french_configuration(store, public):
    make_product(store, "Candle", translations={"fr": {"name": "Bougies parfumées"}})
    make_product(store, "Chandelier", translations={"de": {"name": "Kerzenständer"}})
    # "bougie" and "bougies" share the French stem "bougi" (a prefix match in 'simple'
    # would not find "bougies" from "bougiez", the French stem does).
    response = public.get("/products", query={"q": "bougiez"}, headers=FR)
    assert [p["name"] for p in response.json()["data"]] == ["Bougies parfumées"]
    response = public.get("/products", query={"q": "kerzen"}, headers=DE)
    assert [p["name"] for p in response.json()["data"]] == ["Kerzenständer"]


@pytest.mark.postgres
def test_translated_search_uses_its_gin_index(store):
    make_product(store, "Candle", translations={"fr": {"name": "Bougie"}})
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            plan = (
                Product.objects.annotate(
                    v=selectors.product_translated_search_vector("fr")
                )
                .filter(v=_french_query("bougie"))
                .explain()
            )
        finally:
            cursor.execute("SET enable_seqscan = on")
    assert "catalog_product_search_fr" in plan, plan


def _french_query(word):
    from django.contrib.postgres.search import SearchQuery

    return SearchQuery(f"{word}:*", search_type="raw", config="french")


# -- cache and query counts -------------------------------------------------------------


def test_the_page_cache_keys_on_the_negotiated_locale(shop, private, public):
    product = make_product(
        shop.store, "Candle", translations={"fr": {"name": "Bougie"}}
    )
    first = public.get(f"/products/{product.slug}", headers=FR)
    assert first["Content-Language"] == "en"
    assert first.json()["data"]["name"] == "Candle"
    # Same Accept-Language, but the store now supports French: a new page, in French.
    response = private.patch("/store", {"supportedLocales": ["en", "fr"]})
    assert response.status_code == 200, response.json()
    again = public.get(f"/products/{product.slug}", headers=FR)
    assert again["Content-Language"] == "fr"
    assert again.json()["data"]["name"] == "Bougie"
    assert again["ETag"] != first["ETag"]
    assert "Accept-Language" in again["Vary"]


def _translate_everything(store):
    for product in Product.objects.filter(store=store):
        product.translations = {"fr": {"name": f"FR {product.name}"}}
        product.save(update_fields=["translations"])
    ProductOption.objects.filter(product__store=store).update(
        translations={"fr": {"name": "Taille"}}
    )
    ProductOptionValue.objects.filter(option__product__store=store).update(
        translations={"fr": {"value": "Valeur"}}
    )
    Category.objects.filter(store=store).update(
        translations={"fr": {"name": "Catégorie"}}
    )


def test_list_query_count_is_unchanged_with_translations(store, public):
    bulk_catalogue(store, 20, variants_each=3, media_each=1, categories_each=2)
    with CaptureQueriesContext(connection) as plain:
        response = public.get("/products", query={"perPage": 20})
    assert response.status_code == 200
    _translate_everything(store)
    with CaptureQueriesContext(connection) as translated:
        response = public.get("/products", query={"perPage": 20}, headers=FR)
    data = response.json()["data"]
    assert len(data) == 20 and all(p["name"].startswith("FR ") for p in data)
    assert all(
        p["options"][0]["name"] == "Taille"
        and set(p["options"][0]["values"]) == {"Valeur"}
        and {c["name"] for c in p["categories"]} == {"Catégorie"}
        and all(v["optionValues"] == {"Taille": "Valeur"} for v in p["variants"])
        for p in data
    )
    assert len(translated.captured_queries) == len(plain.captured_queries)
    # The French search adds no query either.
    with CaptureQueriesContext(connection) as searched:
        response = public.get(
            "/products", query={"perPage": 20, "q": "FR Bulk"}, headers=FR
        )
    assert len(response.json()["data"]) == 20
    assert len(searched.captured_queries) == len(plain.captured_queries)
