import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shoprocket_site.settings")
application = get_asgi_application()

from core.checks import refuse_insecure_secret_key  # noqa: E402

refuse_insecure_secret_key()
