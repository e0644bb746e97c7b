"""CORS on the public surface only; Money objects formatted per Accept-Language."""

import pytest

from core.money import Money, format_minor, locale_from_accept_language

pytestmark = pytest.mark.django_db


class TestCors:
    def test_public_preflight_allows_any_origin_and_our_headers(self, client, shop):
        response = client.options(
            f"/v3/public/{shop.pk}/cart",
            headers={
                "Origin": "https://shop.example.com",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, x-cart-token, content-type",
            },
        )
        assert response.status_code == 200
        assert response["Access-Control-Allow-Origin"] == "*"
        allowed = {
            h.strip() for h in response["Access-Control-Allow-Headers"].split(",")
        }
        assert {"authorization", "x-cart-token", "content-type"} <= allowed
        assert "POST" in response["Access-Control-Allow-Methods"]

    def test_public_response_carries_cors_header(self, client, shop):
        response = client.get(
            f"/v3/public/{shop.pk}",
            headers={
                "Origin": "https://shop.example.com",
                "Authorization": f"Bearer {shop.pk}",
            },
        )
        assert response["Access-Control-Allow-Origin"] == "*"
        assert (
            "x-ratelimit-remaining" in response["Access-Control-Expose-Headers"].lower()
        )

    def test_private_api_sends_no_cors_headers(self, client, shop):
        preflight = client.options(
            "/v3/private/store",
            headers={
                "Origin": "https://evil.example",
                "Access-Control-Request-Method": "GET",
            },
        )
        assert "Access-Control-Allow-Origin" not in preflight
        response = client.get(
            "/v3/private/store",
            headers={
                "Origin": "https://evil.example",
                "Authorization": f"Bearer {shop.sk}",
            },
        )
        assert response.status_code == 200
        assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize(
    "amount, currency, locale, expected",
    [
        (2400, "GBP", "en", "£24.00"),
        (2400, "GBP", "fr", "24,00\xa0£"),
        (4299, "USD", "en", "$42.99"),
        (4299, "USD", "fr", "42,99\xa0$"),
        (2400, "EUR", "en", "€24.00"),
        (2400, "EUR", "fr", "24,00\xa0€"),
        (1000, "JPY", "en", "¥1,000"),
        (1000, "JPY", "fr", "1\u202f000\xa0¥"),
        (123456789, "GBP", "en", "£1,234,567.89"),
        (-500, "GBP", "en", "-£5.00"),
        (1234, "BHD", "en", "BHD1.234"),
    ],
)
def test_format_minor(amount, currency, locale, expected):
    assert format_minor(amount, currency, locale) == expected


def test_money_refuses_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        Money(24.0, "GBP")
    with pytest.raises(ValueError):
        Money(1, "GBP") + Money(1, "USD")
    assert (Money(2400, "GBP") * 3 - Money(1440, "GBP")).amount == 5760


@pytest.mark.parametrize(
    "header, expected",
    [
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr_FR"),
        ("en;q=0.1, de;q=0.9", "de"),
        ("xx-YY, fr", "fr"),
        ("*", "en"),
        ("", "en"),
        (None, "en"),
        ("de;q=abc", "de"),
    ],
)
def test_locale_negotiation(header, expected):
    assert locale_from_accept_language(header) == expected


@pytest.mark.urls("core.tests.urls")
@pytest.mark.parametrize(
    "currency, language, formatted",
    [
        ("GBP", "en-GB", "£24.00"),
        ("GBP", "fr", "24,00\xa0£"),
        ("USD", "en-US", "$24.00"),
        ("USD", "fr-FR", "24,00\xa0$"),
        ("EUR", "en", "€24.00"),
        ("EUR", "fr", "24,00\xa0€"),
        ("JPY", "en", "¥2,400"),
        ("JPY", "fr", "2\u202f400\xa0¥"),
    ],
)
def test_money_object_on_the_wire_honours_accept_language(
    public, currency, language, formatted
):
    response = public.get(
        "/_money", query={"currency": currency}, headers={"Accept-Language": language}
    )
    assert response.json()["data"]["price"] == {
        "amount": 2400,
        "currency": currency,
        "formatted": formatted,
    }
