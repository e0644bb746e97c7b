"""Signals orders send to the apps above them (orders imports none of them).

- :data:`order_released`: ``send(sender=Order, order=order)`` inside the transaction in which
  a placed order gives up what it held: its payment failed or expired, or it was cancelled.
  Orders puts the stock back itself (catalog is below it); receivers give back what they
  counted for the order (carts: the discount use, ``carts.services.discount_release``).
- :data:`order_downloads`: ``send(sender=Order, order=order, request=request or None)`` when the public order, the
  account order or the private order is shown; each receiver returns a list of the order's
  download links (dicts in :class:`orders.serializers.OrderDownloadSerializer`'s shape;
  the downloads app answers).
"""

from django.dispatch import Signal

order_released = Signal()
order_downloads = Signal()
