from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self):
        from core.events import event_published

        from . import services

        # Every domain event becomes a webhook event, in the publisher's transaction.
        event_published.connect(services.event_published, dispatch_uid="webhooks")
