"""``descriptionHtml``: the product's Markdown description as sanitised HTML."""

from __future__ import annotations

import pytest

from catalog.tests.factories import make_product
from core.markdown import markdown_html

pytestmark = pytest.mark.django_db

HOSTILE = "\n\n".join(
    [
        "Hand-poured **soft** wax, *slow* burn.",
        "<script>alert('x')</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href="https://candles.test/care" onclick="steal()">Care guide</a>',
        "[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=)",
        '<iframe src="https://evil.test"></iframe><style>body{display:none}</style>',
        '<p style="background:url(javascript:alert(1))" onmouseover="x()">styled</p>',
        "<svg onload=alert(1)><circle/></svg>",
    ]
)


def test_markdown_is_rendered_and_everything_active_is_removed(public, shop):
    product = make_product(shop.store, name="Soft candle", description=HOSTILE)
    html = public.get(f"/products/{product.slug}").json()["data"]["descriptionHtml"]

    assert "<strong>soft</strong>" in html and "<em>slow</em>" in html
    assert (
        '<a href="https://candles.test/care" rel="noopener noreferrer nofollow">'
        "Care guide</a>" in html
    )
    lowered = html.lower()
    for forbidden in (
        "<script",
        "alert(",
        "onerror",
        "onclick",
        "onload",
        "onmouseover",
        "javascript:",
        "data:text",
        "<iframe",
        "<style",
        "style=",
        "<svg",
        "<img",
    ):
        assert forbidden not in lowered, forbidden


def test_lists_show_it_too_and_empty_text_is_empty(public, shop):
    make_product(shop.store, name="Plain", description="")
    make_product(shop.store, name="Listed", description="- one\n- two")
    listed = {p["name"]: p for p in public.get("/products").json()["data"]}
    assert listed["Plain"]["descriptionHtml"] == ""
    assert (
        listed["Listed"]["descriptionHtml"] == "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    )
    assert markdown_html("   ") == ""
