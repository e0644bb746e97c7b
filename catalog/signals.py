"""Signals the catalog sends to the apps above it (catalog imports none of them).

- :data:`purchase_verify`: ``send(sender=Product, product=, email=, customer=, mode=)``
  when a review is submitted; a receiver returns True when that email (or customer) bought
  the product in that key mode (orders answers: ``orders.selectors.product_purchased``).
  The review is a verified purchase when any receiver says so.
"""

from django.dispatch import Signal

purchase_verify = Signal()
