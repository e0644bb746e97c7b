"""Catalog writes, one module per subject.

- :mod:`.stock`: stock changes (adjust, reserve, release), each audited; the test-mode stock;
- :mod:`.products`: create, update and archive products, their field rules and bundle rules;
- :mod:`.variants`: options, variant combinations, skus and prices in other currencies;
- :mod:`.slugs`: slugs unique per store (products and categories);
- :mod:`.media`: product images and videos;
- :mod:`.categories`: the category tree;
- :mod:`.reviews`: submission, moderation and the review totals on products;
- :mod:`.store`: the receivers of store-wide questions (stale cached pages, store-currency
  amounts, the test-mode reset).

The names below are the public ones; callers may import them from here. Modules of this
package import each other directly, never through this one. A test that patches a function
patches it where it is looked up (``catalog.services.stock.stock_adjust`` for calls made
inside the package).
"""

from .categories import (
    CATEGORY_FIELDS,
    category_create,
    category_delete,
    category_parent_check,
    category_update,
)
from .media import media_create, media_delete, media_save
from .products import (
    PRODUCT_FIELDS,
    SUBSCRIPTION_FIELDS,
    product_archive,
    product_check_rules,
    product_create,
    product_notify_saved,
    product_update,
)
from .reviews import (
    product_review_totals_refresh,
    review_create,
    review_moderate,
    review_totals_columns,
    review_totals_on_change,
    review_verified_purchase,
)
from .slugs import SLUG_MAX, unique_slug
from .stock import (
    InventoryResult,
    OutOfStock,
    StockLine,
    product_inventory_adjust,
    stock_adjust,
    stock_release,
    stock_reserve,
    test_stock_reset,
)
from .store import (
    catalog_changed,
    convert_amount_columns,
    store_amounts_convert,
    store_amounts_describe,
    store_test_mode_reset,
)
from .variants import (
    MAX_GENERATED_VARIANTS,
    product_options_replace,
    sku_check_unique,
    variant_combinations,
)

__all__ = [
    "CATEGORY_FIELDS",
    "MAX_GENERATED_VARIANTS",
    "PRODUCT_FIELDS",
    "SLUG_MAX",
    "SUBSCRIPTION_FIELDS",
    "InventoryResult",
    "OutOfStock",
    "StockLine",
    "catalog_changed",
    "category_create",
    "category_delete",
    "category_parent_check",
    "category_update",
    "convert_amount_columns",
    "media_create",
    "media_delete",
    "media_save",
    "product_archive",
    "product_check_rules",
    "product_create",
    "product_inventory_adjust",
    "product_notify_saved",
    "product_options_replace",
    "product_review_totals_refresh",
    "product_update",
    "review_create",
    "review_moderate",
    "review_totals_columns",
    "review_totals_on_change",
    "review_verified_purchase",
    "sku_check_unique",
    "stock_adjust",
    "stock_release",
    "stock_reserve",
    "store_amounts_convert",
    "store_amounts_describe",
    "store_test_mode_reset",
    "test_stock_reset",
    "unique_slug",
    "variant_combinations",
]
