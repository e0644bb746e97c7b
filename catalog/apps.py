from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from core import signals
        from core.models import Store

        from .models import (
            BundleComponent,
            Category,
            Media,
            Product,
            ProductOption,
            ProductOptionValue,
            Review,
            Variant,
        )
        from .services.reviews import review_totals_on_change
        from .services.store import (
            catalog_changed,
            store_amounts_convert,
            store_amounts_describe,
            store_test_mode_reset,
        )

        for signal in (post_save, post_delete):
            signal.connect(
                review_totals_on_change,
                sender=Review,
                dispatch_uid="catalog_review_totals",
            )
            for model in (
                Store,
                Category,
                Product,
                ProductOption,
                ProductOptionValue,
                Variant,
                Media,
                Review,
                BundleComponent,
            ):
                signal.connect(
                    catalog_changed,
                    sender=model,
                    dispatch_uid=f"catalog_changed_{model.__name__}",
                )
        for through in (Product.categories.through, Variant.option_values.through):
            m2m_changed.connect(
                catalog_changed,
                sender=through,
                dispatch_uid=f"catalog_changed_{through.__name__}",
            )

        signals.store_currency_amounts.connect(
            store_amounts_describe, dispatch_uid="catalog_amounts"
        )
        signals.store_currency_convert.connect(
            store_amounts_convert, dispatch_uid="catalog_amounts"
        )
        signals.store_test_mode_reset.connect(
            store_test_mode_reset, dispatch_uid="catalog_test_mode"
        )
