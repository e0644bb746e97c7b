"""Markdown written by merchants (product and category descriptions) as safe HTML.

Python-Markdown renders, then nh3 (the Ammonia sanitiser) keeps only the tags and attributes
below: no script, style or iframe, no event handlers, no ``javascript:`` URLs, and links get
``rel="noopener noreferrer nofollow"``. The widget inserts the result with DOMParser, never
``innerHTML``, and under a Content-Security-Policy without inline script, as a second fence.
"""

from __future__ import annotations

from functools import lru_cache

import markdown
import nh3

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "b", "i", "del", "code", "pre", "blockquote",
        "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody",
        "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


@lru_cache(maxsize=2048)
def markdown_html(text: str) -> str:
    """``text`` (Markdown) as sanitised HTML; "" for empty text. Cached: product lists
    render the same descriptions again and again."""
    if not text or not text.strip():
        return ""
    html = markdown.markdown(text, extensions=["tables", "sane_lists"])
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    ).strip()
