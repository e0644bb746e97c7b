"""The store's languages: which of its supported locales a visitor reads, and translated text.

A store writes its catalogue in its ``default_locale`` (the model's own columns) and may add
``translations`` per row for its other ``supported_locales``:
``{"fr": {"name": "Bougie", "description": "..."}}``. A public read is answered in the
**content locale**: the best of the store's supported locales for ``Accept-Language``
(:func:`content_locale`), each field falling back on its own to the default text
(:func:`translated`). Emails go out in the locale the shopper used (:func:`store_locale`).

Money formatting is another matter: it follows ``Accept-Language`` against every locale Babel
knows (:func:`core.money.locale_from_accept_language`), whatever the store translated.
"""

from __future__ import annotations

from functools import lru_cache

#: PostgreSQL's built-in text-search configurations, by language (``simple``: none).
TEXT_SEARCH_CONFIGS = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nb": "norwegian",
    "ne": "nepali",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}


def _key(tag: str) -> str:
    return (tag or "").strip().replace("-", "_").lower()


def language_of(tag: str) -> str:
    """``"fr"`` for ``fr``, ``fr-CA`` or ``fr_CA``."""
    return _key(tag).split("_")[0]


def ranked_tags(header: str | None) -> list[str]:
    """The language tags of an ``Accept-Language`` header, best first (q-values; a malformed
    q counts as 0; ``*`` and empty tags are left out; at most 16 are read)."""
    ranked = []
    for index, part in enumerate((header or "").split(",")[:16]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        tag = tag.strip()
        if tag and tag != "*":
            ranked.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(ranked)]


def supported_locales(store) -> list[str]:
    """The store's locales as it spells them, its default first."""
    default = store.locale
    others = [t for t in (store.supported_locales or []) if t and t != default]
    return [default, *others]


@lru_cache(maxsize=2048)
def _negotiate(header: str, supported: tuple[str, ...], default: str) -> str:
    exact = {_key(tag): tag for tag in supported}
    by_language: dict[str, str] = {}
    for tag in supported:
        by_language.setdefault(language_of(tag), tag)
    for wanted in ranked_tags(header):
        found = exact.get(_key(wanted)) or by_language.get(language_of(wanted))
        if found:
            return found
    return default


def content_locale(store, header: str | None) -> str:
    """The store's supported locale that best answers ``Accept-Language`` (an exact tag
    first, then the same language: ``fr-CA`` reads ``fr``, ``fr`` reads ``fr-CA``), else
    its default locale."""
    return _negotiate(
        (header or "")[:512], tuple(supported_locales(store)), store.locale
    )


def store_locale(store, locale: str | None) -> str:
    """``locale`` when the store supports it (or its language), else the default: the
    locale an email to a shopper is written in."""
    return _negotiate(locale or "", tuple(supported_locales(store)), store.locale)


def content_language(locale: str) -> str:
    """The ``Content-Language`` value of a locale (``fr_CA`` -> ``fr-CA``)."""
    return locale.replace("_", "-")


def django_language(locale: str) -> str:
    """The Django language code of a locale (``fr_CA`` -> ``fr-ca``), for
    ``translation.override``."""
    return locale.replace("_", "-").lower()


def translated(
    obj, field: str, locale: str | None, *, source: str | None = None
) -> str:
    """``obj``'s ``field`` in ``locale``: its translation when one is set and not blank,
    else the default-locale column (``source``, defaulting to ``field``)."""
    value = getattr(obj, source or field)
    if locale:
        text = ((getattr(obj, "translations", None) or {}).get(locale) or {}).get(field)
        if isinstance(text, str) and text.strip():
            return text
    return value


def text_search_config(locale: str) -> str:
    """PostgreSQL's text-search configuration for a locale's language, else ``simple``."""
    return TEXT_SEARCH_CONFIGS.get(language_of(locale), "simple")
