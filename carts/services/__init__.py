"""Cart flows, discount redemption and pricing configuration, by subject.

- :mod:`.lifecycle`: the cart row (created on first use, its currency, locked for every
  change, personal data forgotten after 2 idle hours);
- :mod:`.fetch`: reading a cart's lines with their catalog rows, its destination and currency;
- :mod:`.rules`: the pricing engine's inputs built from rows, and the rules of a discount code;
- :mod:`.corrections`: a stale cart's lines removed or capped, each with a message;
- :mod:`.price`: :func:`cart_price` and :class:`PricedCart`, ``GET /cart``;
- :mod:`.snapshot`: the priced amounts written onto the row and its lines;
- :mod:`.items`: adding, changing and removing lines;
- :mod:`.discounts`: codes applied and removed, redeemed and given back, and their CRUD;
- :mod:`.checkout_data`: email, addresses, shipping options, the estimate, ``/tax/calculate``;
- :mod:`.configuration`: shipping methods and tax rates, store currency amounts;
- :mod:`.purge`: idle carts deleted after 30 days.

Entry points for checkout (call them inside checkout's ``transaction.atomic()``):

- :func:`cart_lock` loads and locks the visitor's open cart.
- :func:`cart_price` prices it with the one engine (``carts.pricing.price``) after applying the
  same corrections every cart response applies (stock caps, unavailable lines, a discount or
  shipping option that no longer applies), and returns a :class:`PricedCart`.
- :func:`cart_snapshot` writes the priced amounts, names and tax lines onto the order row and
  its items.
- :func:`discount_redeem` / :func:`discount_release` count a discount use (usage limits hold
  under concurrency) and give it back after a failed payment.

A cart is an ``orders.Order`` with ``type="cart"``, unique per (store, key mode, X-Cart-Token).
Every mutation locks the cart row (``SELECT ... FOR UPDATE``), so concurrent requests for one
cart apply one after the other.

The modules import each other directly, never through this package; this module only
re-exports the public names, so ``from carts import services`` keeps working.
"""

from .checkout_data import (
    CheckoutDataView,
    cart_checkout_data_get,
    cart_checkout_data_save,
    cart_estimate,
    cart_shipping_option_select,
    cart_shipping_options,
    tax_calculate,
)
from .configuration import (
    SHIPPING_FIELDS,
    TAX_FIELDS,
    shipping_method_create,
    shipping_method_delete,
    shipping_method_update,
    store_amounts_convert,
    store_amounts_describe,
    tax_rate_create,
    tax_rate_delete,
    tax_rate_update,
)
from .corrections import Corrections, cart_correct, cart_corrections_save
from .discounts import (
    DISCOUNT_FIELDS,
    cart_discount_apply,
    cart_discount_remove,
    discount_create,
    discount_delete,
    discount_redeem,
    discount_release,
    discount_update,
    order_released,
    store_test_mode_reset,
    test_usage_reset,
)
from .fetch import (
    RENEWAL_METADATA_KEY,
    CartInfo,
    CartLine,
    cart_conversion,
    cart_destination,
    cart_info_fetch,
)
from .items import cart_item_add, cart_item_remove, cart_item_update
from .lifecycle import (
    CartKey,
    cart_currency_set,
    cart_currency_switch,
    cart_get_or_create,
    cart_lock,
    cart_write_lock,
)
from .price import (
    PricedCart,
    ShippingOption,
    cart_fetch,
    cart_info_price,
    cart_price,
)
from .purge import CART_TTL, carts_purge_idle
from .rules import PERSONAL_DATA_TTL
from .snapshot import cart_snapshot, cart_write_save

__all__ = [
    "CART_TTL",
    "DISCOUNT_FIELDS",
    "PERSONAL_DATA_TTL",
    "RENEWAL_METADATA_KEY",
    "SHIPPING_FIELDS",
    "TAX_FIELDS",
    "CartInfo",
    "CartKey",
    "CartLine",
    "Corrections",
    "CheckoutDataView",
    "PricedCart",
    "ShippingOption",
    "cart_checkout_data_get",
    "cart_checkout_data_save",
    "cart_conversion",
    "cart_correct",
    "cart_corrections_save",
    "cart_currency_set",
    "cart_currency_switch",
    "cart_destination",
    "cart_discount_apply",
    "cart_discount_remove",
    "cart_estimate",
    "cart_fetch",
    "cart_get_or_create",
    "cart_info_fetch",
    "cart_info_price",
    "cart_item_add",
    "cart_item_remove",
    "cart_item_update",
    "cart_lock",
    "cart_price",
    "cart_shipping_option_select",
    "cart_shipping_options",
    "cart_snapshot",
    "cart_write_lock",
    "cart_write_save",
    "carts_purge_idle",
    "discount_create",
    "discount_delete",
    "discount_redeem",
    "discount_release",
    "discount_update",
    "order_released",
    "shipping_method_create",
    "shipping_method_delete",
    "shipping_method_update",
    "store_amounts_convert",
    "store_amounts_describe",
    "store_test_mode_reset",
    "tax_calculate",
    "tax_rate_create",
    "tax_rate_delete",
    "tax_rate_update",
    "test_usage_reset",
]
