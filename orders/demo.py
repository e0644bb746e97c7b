"""Demo orders (test mode) in every state the dashboard and ``GET /orders`` show: paid and
waiting to ship, partly shipped and partly refunded, a bank transfer awaiting payment, and a
cancelled one. Built with the same services as checkout and the order operations."""

from __future__ import annotations

from django.db import transaction

from catalog import services as catalog_services
from catalog.models import Product, Variant
from catalog.services import StockLine

from . import services
from .gateways import get_gateway, payment_idempotency_key
from .models import Order, OrderItem
from .timeline import Actor

DEMO_KEY = "demo_order"
DEMO_ACTOR = Actor.system("Demo data")

ADDRESS = {
    "first_name": "Sam",
    "last_name": "Buyer",
    "line1": "221B Baker Street",
    "city": "London",
    "postcode": "NW1 6XE",
    "country_code": "GB",
}

DEMO_ORDERS = (
    ("paid", "sam.buyer@example.com", 2),
    ("shipped_refunded", "guest.shopper@example.com", 3),
    ("bank_transfer", "orders@wholesale.example", 4),
    ("cancelled", "sam.buyer@example.com", 1),
)


def _variant(store) -> Variant:
    """A tracked variant of the store's catalogue, or a demo product of its own."""
    variant = (
        Variant.objects.filter(
            product__store=store, product__track_inventory=True, stock__gte=20
        )
        .select_related("product")
        .order_by("created_at")
        .first()
    )
    if variant is not None:
        return variant
    product, _ = Product.objects.get_or_create(
        store=store,
        slug="demo-order-candle",
        defaults={
            "name": "Demo candle",
            "price_amount": 2400,
            "status": Product.Status.PUBLISHED,
            "sku": "DEMO-CANDLE",
        },
    )
    variant = product.variants.filter(is_default=True).first()
    if variant is None:
        variant = Variant.objects.create(
            product=product, is_default=True, sku="DEMO-CANDLE"
        )
    if variant.stock < 20:
        catalog_services.stock_adjust(
            mode="live",
            variant=variant,
            operation="set",
            quantity=100,
            reason="Demo stock",
            source="import",
        )
    return variant


def _place(
    store, *, variant: Variant, email: str, quantity: int, name: str, method: str
) -> Order:
    price = variant.current_price_amount()
    order = Order.objects.create(
        store=store,
        mode="test",
        type=Order.Type.ORDER,
        cart_token=f"demo-{name}",
        currency=store.currency,
        email=email,
        shipping_address=dict(ADDRESS),
        billing_address=dict(ADDRESS),
        payment_method=method,
        subtotal_amount=price * quantity,
        total_amount=price * quantity,
        metadata={DEMO_KEY: name},
    )
    OrderItem.objects.create(
        order=order,
        product=variant.product,
        variant=variant,
        quantity=quantity,
        product_name=variant.product.name,
        sku=variant.sku,
        unit_price_amount=price,
        subtotal_amount=price * quantity,
    )
    catalog_services.stock_reserve(
        lines=[StockLine(variant_id=variant.pk, quantity=quantity)],
        mode=order.mode,
        reference=order.pk,
    )
    order.stock_reserved = True
    order.save(update_fields=["stock_reserved"])
    services.order_number_assign(order=order)
    services.order_placed_record(order=order)
    return order


def _pay_by_card(order: Order) -> None:
    result = get_gateway(mode=order.mode).payment_create(
        order=order,
        amount=order.total_amount,
        currency=order.currency,
        payment_method="pm_card_visa",
        idempotency_key=payment_idempotency_key(order=order, attempt=1),
    )
    services.order_payment_record(order=order, result=result)


def seed(*, store) -> None:
    """Create the demo orders once (idempotent: orders already seeded are left alone)."""
    existing = set(
        Order.objects.filter(store=store, metadata__has_key=DEMO_KEY).values_list(
            f"metadata__{DEMO_KEY}", flat=True
        )
    )
    variant = None
    for name, email, quantity in DEMO_ORDERS:
        if name in existing:
            continue
        variant = variant or _variant(store)
        method = "bank_transfer" if name == "bank_transfer" else "pm_card_visa"
        with transaction.atomic():
            order = _place(
                store,
                variant=variant,
                email=email,
                quantity=quantity,
                name=name,
                method=method,
            )
            if method != "bank_transfer":
                _pay_by_card(order)
            if name == "shipped_refunded":
                line = order.items.get()
                services.order_fulfill(
                    order=order,
                    items=[{"id": line.pk, "quantity": 1}],
                    carrier="Royal Mail",
                    tracking_number="JD0002123456",
                    tracking_url="https://www.royalmail.com/track-your-item#/tracking-results/JD0002123456",
                    notify_customer=False,
                    actor=DEMO_ACTOR,
                )
                services.order_refund(
                    order=order,
                    amount=line.unit_price_amount,
                    reason="customer_request",
                    items=[{"id": line.pk, "quantity": 1}],
                    notify_customer=False,
                    actor=DEMO_ACTOR,
                )
            if name == "cancelled":
                services.order_cancel(
                    order=order,
                    reason="Customer changed their mind",
                    notify_customer=False,
                    actor=DEMO_ACTOR,
                )
