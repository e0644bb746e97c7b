from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"

    def ready(self):
        from core import signals
        from core.events import event_published
        from orders.signals import stripe_billing_event

        from . import services

        # A paid order starts the subscriptions it sold (checkout, or a payment recorded
        # later by a webhook or the merchant), in the transaction that records the payment.
        event_published.connect(
            services.order_paid_heard, dispatch_uid="subscriptions_start"
        )
        # Stripe Billing's invoices and deletions of the subscriptions it bills.
        stripe_billing_event.connect(
            services.stripe_billing_event_heard, dispatch_uid="subscriptions_billing"
        )
        signals.store_test_mode_reset.connect(
            services.store_test_mode_reset, dispatch_uid="subscriptions_test_mode"
        )
