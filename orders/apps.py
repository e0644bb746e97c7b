from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self):
        from core import signals

        from . import services

        signals.store_currency_amounts.connect(
            services.store_amounts_describe, dispatch_uid="orders_amounts"
        )
