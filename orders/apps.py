from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self):
        from django.db.models.signals import post_save

        from catalog.signals import purchase_verify
        from core import signals

        from . import selectors, services, totals
        from .models import Order

        signals.store_currency_amounts.connect(
            services.store_amounts_describe, dispatch_uid="orders_amounts"
        )
        # A review is a verified purchase when its author bought the product here.
        purchase_verify.connect(
            selectors.product_purchased, dispatch_uid="orders_purchases"
        )
        # A placed order written: the cached totals of the order list are retired.
        post_save.connect(
            totals.order_saved, sender=Order, dispatch_uid="orders_totals"
        )
