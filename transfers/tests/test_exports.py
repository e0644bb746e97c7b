"""Order and customer exports: lines flattened, store time zone, key mode, opt-in."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from catalog.models import Product
from customers.models import Customer
from orders.models import Order, OrderItem

pytestmark = pytest.mark.django_db


def _rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _order(store, mode, customer=None, **fields):
    fields.setdefault("type", Order.Type.ORDER)
    return Order.objects.create(
        store=store,
        mode=mode,
        cart_token=uuid.uuid4().hex,
        currency=store.currency,
        customer=customer,
        email=customer.email if customer else "guest@example.com",
        total_amount=3450,
        subtotal_amount=3450,
        payment_status="paid",
        **fields,
    )


def test_orders_export_one_row_per_line_in_the_store_time_zone(shop, api_client_for):
    store = shop.store
    store.timezone = "America/New_York"
    store.save(update_fields=["timezone"])
    order = _order(store, "live", order_number=1001)
    Order.objects.filter(pk=order.pk).update(
        created_at=datetime(2026, 7, 1, 3, 30, tzinfo=UTC)
    )
    OrderItem.objects.create(
        order=order,
        product_name="Mug, large",
        sku="MUG-1",
        quantity=2,
        unit_price_amount=1200,
        subtotal_amount=2400,
    )
    OrderItem.objects.create(
        order=order,
        product_name="=HYPERLINK()",
        sku="T-1",
        quantity=1,
        unit_price_amount=1050,
        subtotal_amount=1050,
    )
    _order(store, "test")  # a test-mode order: not in the live export
    _order(store, "live", type=Order.Type.CART)  # a cart: never exported

    rows = _rows(api_client_for("private", shop.live_sk).get("/exports/orders"))

    assert len(rows) == 2
    assert {r["order_id"] for r in rows} == {order.pk}
    assert rows[0]["created_at"] == "2026-06-30T23:30:00-04:00"
    assert (rows[0]["product_name"], rows[0]["quantity"], rows[0]["unit_price"]) == (
        "Mug, large",
        "2",
        "12.00",
    )
    assert rows[1]["product_name"] == "'=HYPERLINK()"
    assert rows[1]["order_total"] == "34.50"
    test_rows = _rows(api_client_for("private", shop.sk).get("/exports/orders"))
    assert {r["order_id"] for r in test_rows} != {order.pk}


def test_customers_export_respects_mode_and_marketing_opt_in(shop, api_client_for):
    store = shop.store
    Customer.objects.create(
        store=store, mode="live", email="yes@example.com", marketing_opt_in=True
    )
    Customer.objects.create(store=store, mode="live", email="no@example.com")
    Customer.objects.create(store=store, mode="test", email="sandbox@example.com")
    client = api_client_for("private", shop.live_sk)

    everyone = _rows(client.get("/exports/customers"))
    assert {(r["email"], r["accepts_marketing"]) for r in everyone} == {
        ("yes@example.com", "yes"),
        ("no@example.com", "no"),
    }
    marketing = _rows(client.get("/exports/customers", query={"audience": "marketing"}))
    assert [r["email"] for r in marketing] == ["yes@example.com"]
    bad = client.get("/exports/customers", query={"audience": "spam"})
    assert bad.status_code == 422


def test_export_commands_write_csv(shop, tmp_path):
    Customer.objects.create(store=shop.store, mode="live", email="a@example.com")
    out = tmp_path / "customers.csv"
    call_command("export_customers", "--store", shop.store.pk, "--output", str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["email"] for r in rows] == ["a@example.com"]
    products = tmp_path / "products.csv"
    call_command(
        "export_products",
        "--store",
        shop.store.pk,
        "--format",
        "shopify",
        "--output",
        str(products),
    )
    assert products.read_text(encoding="utf-8").startswith("Handle,Title,")


def test_import_command_shows_progress_and_the_refusals(shop, shopify_csv, tmp_path):
    path = tmp_path / "products.csv"
    path.write_bytes(shopify_csv)
    out = io.StringIO()
    call_command(
        "import_products", str(path), "--store", shop.store.pk, "--dry-run", stdout=out
    )
    text = out.getvalue()
    assert "[##############################] 11/11 rows, 2 refused" in text
    assert "row 10 broken-price: refused" in text
    assert "4 would be created" in text
    assert not Product.objects.filter(store=shop.store).exists()
