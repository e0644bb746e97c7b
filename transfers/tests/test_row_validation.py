"""An imported row's product is checked by the API's input serializer, and a refusal reaches
the import service as a domain error whose report lines name each field by its path."""

from __future__ import annotations

import pytest

from core.exceptions import ValidationFailed
from transfers.serializers import product_row_validate
from transfers.services import _messages


def _refusal(data: dict, *, partial: bool = False) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        product_row_validate(data, partial=partial)
    return caught.value


def test_a_valid_row_is_the_serializers_validated_data():
    valid = product_row_validate({"name": "Mug", "price": 1200}, partial=False)
    assert (valid["name"], valid["price"]) == ("Mug", 1200)


def test_field_refusals_are_named_by_path():
    refusal = _refusal({"name": "", "price": "abc"})
    assert refusal.fields == {
        ("name",): ["This field may not be blank."],
        ("price",): ["A valid integer is required."],
    }
    assert _messages(refusal) == [
        "name: This field may not be blank.",
        "price: A valid integer is required.",
    ]


def test_nested_refusals_keep_their_paths_in_the_report():
    refusal = _refusal(
        {
            "name": "Shirt",
            "price": 100,
            "options": [{"name": "Size", "values": []}],
            "variants": [{"options": {"Size": "S"}, "price": -5}],
        }
    )
    assert _messages(refusal) == [
        "options.0.values: Ensure this field has at least 1 elements.",
        "variants.0.option_values: This field is required.",
        "variants.0.price: Ensure this value is greater than or equal to 0.",
    ]


def test_a_partial_row_checks_only_what_it_sends():
    assert product_row_validate({"price": 900}, partial=True) == {"price": 900}
    assert _refusal({"price": -1}, partial=True).fields == {
        ("price",): ["Ensure this value is greater than or equal to 0."]
    }
