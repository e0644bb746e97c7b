"""Signals core sends to the apps above it (core imports none of them).

A store's currency is the unit of every amount the apps above keep in ``*_amount`` columns
(prices, discounts, shipping rates). Changing it must not reinterpret those amounts, so core
asks the apps what they hold, and has them convert it when the merchant asks for that:

- :data:`store_currency_amounts`: ``send(sender=Store, store=store)``; each receiver returns
  a list of short descriptions of what it holds in the store currency (``"3 priced
  products"``), empty when nothing.
- :data:`store_currency_convert`: ``send(sender=Store, store=store, convert=convert)`` inside
  the currency change's transaction; each receiver rewrites its amounts with
  ``convert(amount: int) -> int`` (old currency's minor units to the new one's).

Test mode keeps its own counters where the apps above count shared things (units of stock
taken by test orders, test uses of discount codes):

- :data:`store_test_mode_reset`: ``send(sender=Store, store=store)``; each receiver clears
  its test-mode counters and returns a list of short descriptions of what it reset.
"""

from django.dispatch import Signal

store_currency_amounts = Signal()
store_currency_convert = Signal()
store_test_mode_reset = Signal()
