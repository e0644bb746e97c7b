"""core.locales: the content locale among a store's supported locales, translated text."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from core.locales import (
    content_language,
    content_locale,
    django_language,
    store_locale,
    text_search_config,
    translated,
)


def _store(default="en", supported=("en", "fr", "de-CH")):
    return SimpleNamespace(locale=default, supported_locales=list(supported))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("fr", "fr"),
        ("fr-FR,fr;q=0.9", "fr"),
        ("es, fr;q=0.5", "fr"),  # the first supported one, by rank
        ("de;q=0.4, fr;q=0.8", "fr"),
        ("de-DE", "de-CH"),  # same language, the store's spelling
        ("DE-ch", "de-CH"),
        ("es, it", "en"),
        ("*", "en"),
        ("fr;q=abc, de", "de-CH"),  # a malformed q ranks last
    ],
)
def test_content_locale_negotiates_among_the_store_locales(header, expected):
    assert content_locale(_store(), header) == expected


def test_the_default_locale_always_counts_and_emails_fall_back_to_it():
    store = _store(default="fr", supported=["de"])
    assert content_locale(store, "fr-CA") == "fr"
    assert store_locale(store, "de") == "de"
    assert store_locale(store, "es") == "fr" and store_locale(store, "") == "fr"


def test_translated_falls_back_field_by_field():
    row = SimpleNamespace(
        name="Candle", description="Soy", translations={"fr": {"name": "Bougie"}}
    )
    assert translated(row, "name", "fr") == "Bougie"
    assert translated(row, "description", "fr") == "Soy"
    assert translated(row, "name", "de") == "Candle"
    assert translated(row, "name", None) == "Candle"
    row.translations = {"fr": {"name": "  "}}
    assert translated(row, "name", "fr") == "Candle"


def test_header_and_configuration_names():
    assert content_language("fr_CA") == "fr-CA"
    assert django_language("fr_CA") == "fr-ca"
    assert text_search_config("fr-CA") == "french"
    assert text_search_config("de") == "german"
    assert text_search_config("ja") == "simple"
