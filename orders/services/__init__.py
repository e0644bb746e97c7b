"""Every write on placed orders, by subject.

- :mod:`.placement`: a cart checkout turned into an order is recorded as placed;
- :mod:`.numbering`: sequential order numbers per store and key mode;
- :mod:`.payments`: paid, failed, payment attempts, automatic refunds, the reservation timeout;
- :mod:`.fulfilment`: shipping units with tracking;
- :mod:`.refunds`: refunds through the gateway (and those made at the gateway);
- :mod:`.cancellation`: cancelling what has not shipped;
- :mod:`.updates`: notes, metadata and addresses.

Rows are locked in the order ``orders.locks`` documents. A service given ``locked=True``
(``order_payment_record``, ``order_placed_record``) works on the row its caller has locked
and read in the same transaction (checkout's record step): it neither locks nor reads it
again, and opens no savepoint. The checkout flow that places orders is ``carts.checkout``
(above orders).
"""

from ..models import Order
from .cancellation import order_cancel
from .fulfilment import order_fulfill
from .numbering import (
    ORDER_NUMBER_START,
    order_number_assign,
    order_numbers_last,
)
from .payments import (
    AUTO_REFUND_CUSTOMER_REASONS,
    EXPIRED_REASON,
    order_mark_paid,
    order_payment_failed,
    order_payment_record,
    order_payment_settle,
    order_reservation_expire,
    order_reservations_expire,
    payment_attempt_update,
    reservation_expires_at,
)
from .placement import order_placed_record
from .refunds import order_refund, order_refunds_sync
from .updates import order_update

__all__ = [
    "AUTO_REFUND_CUSTOMER_REASONS",
    "EXPIRED_REASON",
    "ORDER_NUMBER_START",
    "order_cancel",
    "order_fulfill",
    "order_mark_paid",
    "order_number_assign",
    "order_numbers_last",
    "order_payment_failed",
    "order_payment_record",
    "order_payment_settle",
    "order_placed_record",
    "order_refund",
    "order_refunds_sync",
    "order_reservation_expire",
    "order_reservations_expire",
    "order_update",
    "payment_attempt_update",
    "reservation_expires_at",
    "store_amounts_describe",
]


def store_amounts_describe(*, store, **kwargs) -> list[str]:
    """``core.signals.store_currency_amounts``: the store's placed orders. A conversion
    leaves them as they are: each order keeps the currency it was placed in."""
    count = Order.objects.filter(store=store, type=Order.Type.ORDER).count()
    return [f"{count} order{'s' if count != 1 else ''}"] if count else []
