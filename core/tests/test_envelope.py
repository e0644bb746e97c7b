"""Every error, whatever raised it, is the one JSON envelope; no HTML, no traceback."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("core.tests.urls")]


def check_envelope(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def test_400_malformed_json(private):
    error = check_envelope(
        private.patch("/store", raw_body="{not json"), 400, "malformed_json"
    )
    assert "fields" not in error


def test_401(private):
    check_envelope(private.get("/store", key="nope"), 401, "unauthenticated")


def test_402_payment_required(private):
    error = check_envelope(private.get("/_raise/payment"), 402, "card_declined")
    assert error["message"] == "Your card was declined."


def test_403_permission_denied(private):
    check_envelope(private.get("/_raise/permission"), 403, "forbidden")


def test_404_unknown_path_under_v3(private, public):
    check_envelope(private.get("/does-not-exist"), 404, "not_found")
    check_envelope(public.get("/does-not-exist"), 404, "not_found")


def test_404_unknown_path_with_debug_on(private, settings):
    settings.DEBUG = True
    check_envelope(private.get("/does-not-exist"), 404, "not_found")


def test_405_method_not_allowed(private):
    response = private.delete("/store")
    check_envelope(response, 405, "method_not_allowed")


def test_409_conflict_and_integrity_error(private):
    check_envelope(private.get("/_raise/conflict"), 409, "conflict")
    check_envelope(private.get("/_raise/integrity"), 409, "conflict")


def test_422_with_camel_case_field_messages(private):
    error = check_envelope(
        private.post("/_probe", {"amount": -1}), 422, "validation_failed"
    )
    assert error["fields"] == {
        "amount": ["Ensure this value is greater than or equal to 0."],
        "someName": ["The someName field is required."],
    }


def test_422_from_django_validation_error(private):
    error = check_envelope(
        private.get("/_raise/django-validation"), 422, "validation_failed"
    )
    assert error["fields"] == {"priceAmount": ["Too high."]}


def test_422_body_not_an_object(private):
    check_envelope(private.post("/_probe", [1, 2]), 422, "validation_failed")


def test_415_non_json_body(private, shop, client):
    response = client.post(
        "/v3/private/_probe",
        "amount=1",
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Bearer {shop.sk}"},
    )
    check_envelope(response, 415, "unsupported_media_type")


def test_500_inside_drf_hides_internals(private):
    error = check_envelope(private.get("/_raise/runtime"), 500, "server_error")
    assert "boom" not in error["message"]


def test_500_outside_drf_is_enveloped(client):
    response = client.get("/v3/private/_plain")
    check_envelope(response, 500, "server_error")
    assert "boom" not in response.content.decode()


def test_html_error_from_plain_django_view_is_replaced(client):
    check_envelope(client.get("/v3/private/_html403"), 403, "forbidden")


def test_camel_case_request_and_response(private):
    response = private.post("/_probe", {"amount": 5, "someName": "x"})
    assert response.status_code == 201
    assert response.json() == {"data": {"echo": {"amount": 5, "someName": "x"}}}


def test_metadata_keys_are_left_as_sent_but_other_keys_are_camelised(public):
    data = public.get("/_money").json()["data"]
    assert data["metadata"] == {"order_ref": 1, "camelKey": 2}
    assert data["nestedValue"] == {"innerKey": 3}


def test_domain_errors_are_data_the_handler_words_for_the_wire():
    """Services raise a code, a message and snake_case subjects; the one handler gives the
    status and writes the paths as the wire shows them."""
    from core.api.exceptions import domain_error_body, domain_status, wire_path
    from core.exceptions import (
        Conflict,
        DomainError,
        NotFound,
        PaymentDeclined,
        ServiceUnavailable,
        ValidationFailed,
    )

    assert wire_path(("items", 0, "quantity")) == "items[0].quantity"
    assert wire_path("shipping_address.postcode") == "shippingAddress.postcode"
    assert wire_path(("variants", 2, "option_values")) == "variants[2].optionValues"
    assert wire_path("X-Cart-Token") == "X-Cart-Token"
    statuses = {
        NotFound: 404,
        Conflict: 409,
        ValidationFailed: 422,
        PaymentDeclined: 402,
        ServiceUnavailable: 502,
        DomainError: 400,
    }
    for klass, status in statuses.items():
        assert domain_status(klass("No.")) == status
    body = domain_error_body(
        ValidationFailed(
            "Only 2 left.",
            code="out_of_stock",
            fields={("items", 1, "quantity"): ["Only 2 left."], "discount_code": ["x"]},
        )
    )
    assert body == {
        "error": {
            "code": "out_of_stock",
            "message": "Only 2 left.",
            "fields": {"items[1].quantity": ["Only 2 left."], "discountCode": ["x"]},
        }
    }
