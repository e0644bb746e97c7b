from django.apps import AppConfig


class DownloadsConfig(AppConfig):
    name = "downloads"

    def ready(self):
        import re

        from django.db.models.signals import post_delete, post_save
        from django.urls import register_converter

        from core.converters import ULID_PATTERN, PrefixedIdConverter
        from core.events import event_published
        from orders import signals as order_signals

        from . import selectors, services
        from .models import ProductFile

        # Paid orders get their links, refunds and cancellations revoke them, in the
        # transaction of the change (orders publishes; it does not know this app).
        event_published.connect(services.order_event_heard, dispatch_uid="downloads")
        order_signals.order_downloads.connect(
            selectors.order_downloads_describe, dispatch_uid="downloads"
        )
        post_delete.connect(
            services.file_storage_forget, sender=ProductFile, dispatch_uid="downloads"
        )
        for signal in (post_save, post_delete):
            signal.connect(
                services.file_products_forget,
                sender=ProductFile,
                dispatch_uid="downloads_file_products",
            )
        for name, prefix in (("dfile_id", "dfile"), ("dlg_id", "dlg")):
            register_converter(
                type(
                    f"{name}_converter",
                    (PrefixedIdConverter,),
                    {"regex": f"{re.escape(prefix)}_{ULID_PATTERN}", "prefix": prefix},
                ),
                name,
            )
