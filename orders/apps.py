from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self):
        from catalog.signals import purchase_verify
        from core import signals

        from . import selectors, services

        signals.store_currency_amounts.connect(
            services.store_amounts_describe, dispatch_uid="orders_amounts"
        )
        # A review is a verified purchase when its author bought the product here.
        purchase_verify.connect(
            selectors.product_purchased, dispatch_uid="orders_purchases"
        )
