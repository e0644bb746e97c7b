from django.apps import AppConfig


class CartsConfig(AppConfig):
    name = "carts"

    def ready(self):
        from core import signals
        from orders.signals import order_released

        from . import services

        signals.store_currency_amounts.connect(
            services.store_amounts_describe, dispatch_uid="carts_amounts"
        )
        signals.store_currency_convert.connect(
            services.store_amounts_convert, dispatch_uid="carts_amounts"
        )
        signals.store_test_mode_reset.connect(
            services.store_test_mode_reset, dispatch_uid="carts_test_mode"
        )
        # A failed, expired or cancelled order gives its discount use back.
        order_released.connect(services.order_released, dispatch_uid="carts_discounts")
