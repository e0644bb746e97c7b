from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core import signals

        from . import services
        from .models import Review

        for signal in (post_save, post_delete):
            signal.connect(
                services.review_totals_on_change,
                sender=Review,
                dispatch_uid="catalog_review_totals",
            )

        signals.store_currency_amounts.connect(
            services.store_amounts_describe, dispatch_uid="catalog_amounts"
        )
        signals.store_currency_convert.connect(
            services.store_amounts_convert, dispatch_uid="catalog_amounts"
        )
        signals.store_test_mode_reset.connect(
            services.store_test_mode_reset, dispatch_uid="catalog_test_mode"
        )
