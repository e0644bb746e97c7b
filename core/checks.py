from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

DEVELOPMENT_SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"


def _insecure() -> bool:
    return not settings.DEBUG and settings.SECRET_KEY == DEVELOPMENT_SECRET_KEY


def refuse_insecure_secret_key() -> None:
    """Raise when a server or worker is started with DEBUG off and the development key."""
    if _insecure():
        raise ImproperlyConfigured(
            "DEBUG is off but SECRET_KEY is the development key. Set SECRET_KEY to a long "
            "random value, or DEBUG=true for local development."
        )


@register()
def check_secret_key(app_configs, **kwargs):
    if _insecure():
        return [
            Error(
                "DEBUG is off but SECRET_KEY is the development key.",
                hint="Set SECRET_KEY to a long random value, or DEBUG=true for development.",
                id="core.E001",
            )
        ]
    return []
