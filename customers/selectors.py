from __future__ import annotations

from .models import Customer, CustomerSession


def session_customer_get(*, store, mode: str, cart_token: str | None) -> Customer | None:
    """The customer authenticated on this visitor token, or None."""
    if not cart_token:
        return None
    session = (
        CustomerSession.objects.select_related("customer")
        .filter(store=store, mode=mode, cart_token=cart_token)
        .first()
    )
    return session.customer if session else None
