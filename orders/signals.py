"""Signals orders send to the apps above them (orders imports none of them).

- :data:`order_released`: ``send(sender=Order, order=order)`` inside the transaction in which
  a placed order gives up what it held: its payment failed or expired, or it was cancelled.
  Orders puts the stock back itself (catalog is below it); receivers give back what they
  counted for the order (carts: the discount use, ``carts.services.discount_release``).
- :data:`stripe_billing_event`: ``send(sender=type, event=event)`` inside the transaction
  that records a Stripe Billing webhook event (``invoice.created``, ``invoice.paid``,
  ``invoice.payment_failed``, ``customer.subscription.deleted``); a receiver that handled it returns
  ``(order or None, outcome)`` (subscriptions: renewals and cancellations).
- :data:`order_downloads`: ``send(sender=Order, order=order, request=request or None)`` when the public order, the
  account order or the private order is shown; each receiver returns a list of the order's
  download links (dicts in :class:`orders.serializers.OrderDownloadSerializer`'s shape;
  the downloads app answers).
"""

from django.dispatch import Signal

order_released = Signal()
stripe_billing_event = Signal()
order_downloads = Signal()
