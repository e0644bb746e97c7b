"""The links email: sent to the shopper once a paid order's download grants exist."""

from __future__ import annotations

from django.conf import settings

from core.emails import email_send
from orders.models import Order

from . import selectors


def download_links_send(*, order_id: str) -> int:
    """Email the order's working download links; returns how many messages were sent."""
    order = Order.objects.select_related("store").filter(pk=order_id).first()
    if order is None or not order.email:
        return 0
    links = [
        link
        for link in selectors.order_downloads_describe(Order, order=order)
        if link["available"]
    ]
    if not links:
        return 0
    return email_send(
        store=order.store,
        to=order.email,
        template="download_links",
        context={
            "order_number": order.order_number or order.id,
            "links": links,
            "expire_days": settings.DOWNLOAD_EXPIRE_DAYS,
            "download_limit": settings.DOWNLOAD_LIMIT,
        },
    )
