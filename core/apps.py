from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Stores and keys"

    def ready(self):
        from . import (
            checks,  # noqa: F401  (registers system checks)
            converters,
        )

        converters.register()
