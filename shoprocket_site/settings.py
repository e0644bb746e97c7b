"""Settings for the Shoprocket platform: one module, every knob read from the environment.

With nothing set, the project runs on SQLite under ``var/``, a local-memory cache and Celery
tasks executed eagerly in-process. Set ``DATABASE_URL`` and ``REDIS_URL`` for production.
"""

import os
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEVELOPMENT_SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
DEBUG = env_bool("DEBUG", False)
# With DEBUG off and the development key, wsgi/asgi/celery refuse to start and every
# management command fails its system check (core.checks); the test suite is exempt.
# The address the server was started on (`make run` sets it from HOST and PORT): links made
# outside a request (printed, emailed) use it when PUBLIC_BASE_URL is unset (core.links).
SERVER_URL = os.environ.get("SERVER_URL", "")
_server_host = urlsplit(
    SERVER_URL if "://" in SERVER_URL else f"//{SERVER_URL}"
).hostname
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS",
    ["127.0.0.1", "localhost", "[::1]", "testserver"]
    # `HOST=shop.test make run` serves that name; a wildcard address (0.0.0.0) names none.
    + (
        [f"[{_server_host}]" if ":" in _server_host else _server_host]
        if _server_host and _server_host not in {"0.0.0.0", "0", "::"}
        else []
    ),
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "catalog",
    "customers",
    "orders",
    "downloads",
    "carts",
    "conversations",
    "webhooks",
    "subscriptions",
    "transfers",
]

MIDDLEWARE = [
    # GET /healthz for load balancers, before any other work (and any host check).
    "core.health.LivenessMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.ApiErrorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.DashboardTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "shoprocket_site.urls"
WSGI_APPLICATION = "shoprocket_site.wsgi.application"
ASGI_APPLICATION = "shoprocket_site.asgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database ---------------------------------------------------------------------------
# Persistent connections, kept this many seconds (0: a new connection per request), and
# checked before each request reuses them, so a connection the server dropped (a restart,
# a failover, pg_terminate_backend) is replaced instead of failing the request.
DATABASE_CONN_MAX_AGE = int(os.environ.get("CONN_MAX_AGE", "60"))
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=DATABASE_CONN_MAX_AGE,
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            # Django's SQLite backend that creates the file's folder (a fresh clone has no var/).
            "ENGINE": "core.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "CONN_MAX_AGE": DATABASE_CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
        }
    }
# SQLite, by default or by URL (sqlite:///path), is the same: the backend that creates the
# file's folder, and writers that queue on the database lock instead of failing with
# "database is locked" (options given in the URL win).
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
if DATABASES["default"]["ENGINE"] in {
    "django.db.backends.sqlite3",
    "core.backends.sqlite3",
}:
    DATABASES["default"]["ENGINE"] = "core.backends.sqlite3"
    DATABASES["default"]["OPTIONS"] = {
        **SQLITE_OPTIONS,
        **DATABASES["default"].get("OPTIONS", {}),
    }
# Read replicas (README, "Running on several machines"): comma-separated URLs, each an alias
# replica_1, replica_2, ... Only reads marked with core.db.use_replica (the public catalogue,
# reports) go there, never a write, a read in a transaction, or a read after its own write.
# In tests a replica mirrors the test database (TEST MIRROR): the same data, another connection.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS", [])
for _number, _url in enumerate(DATABASE_REPLICA_URLS, start=1):
    DATABASES[f"replica_{_number}"] = {
        **dj_database_url.parse(
            _url, conn_max_age=DATABASE_CONN_MAX_AGE, conn_health_checks=True
        ),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["core.db.ReplicaRouter"] if DATABASE_REPLICA_URLS else []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache, Celery ------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Every Redis client (cache, broker, health check) gives up quickly, so a Redis outage costs
# milliseconds: rate limits then let requests through and queued work waits in the outbox.
REDIS_CONNECT_TIMEOUT = float(os.environ.get("REDIS_CONNECT_TIMEOUT", "0.5"))
REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "1"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "shoprocket"),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The in-process broker is named with a host, or kombu warns "No hostname was supplied".
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Workers wait out a broker outage of any length (Celery's default gives up after 100 tries).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    # Longer than the 1-second BRPOP wait of an idle worker's connection.
    "socket_timeout": max(REDIS_SOCKET_TIMEOUT, 5.0),
}
# A publish is retried once at once (a pooled connection Redis closed), then given up: the
# outbox keeps the message and its sweeper publishes it when the broker is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Queues that isolate: a slow SMTP server delays only emails, slow webhook receivers only
# other deliveries, and periodic jobs never wait behind either. Run a worker per queue in
# production (README, "Running in production"); a worker started without -Q takes them all.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = tuple(
    Queue(name) for name in ("default", "emails", "webhooks", "housekeeping", "imports")
)
CELERY_TASK_ROUTES = {
    "orders.tasks.order_*_email": {"queue": "emails"},
    "subscriptions.tasks.subscription_*_email": {"queue": "emails"},
    "customers.tasks.login_link_email_send": {"queue": "emails"},
    "downloads.tasks.download_links_email": {"queue": "emails"},
    "conversations.tasks.message_notify": {"queue": "emails"},
    "webhooks.tasks.webhook_disabled_notify": {"queue": "emails"},
    "webhooks.tasks.event_dispatch": {"queue": "webhooks"},
    "webhooks.tasks.delivery_attempt": {"queue": "webhooks"},
    "core.tasks.*": {"queue": "housekeeping"},
    "webhooks.tasks.webhooks_sweep": {"queue": "housekeeping"},
    "carts.tasks.purge_idle_carts": {"queue": "housekeeping"},
    "orders.tasks.order_reservations_expire": {"queue": "housekeeping"},
    "customers.tasks.login_tokens_purge": {"queue": "housekeeping"},
    # Store imports and exports: long jobs that must not hold up the other queues.
    "transfers.tasks.*": {"queue": "imports"},
}
# Every task is time-boxed (seconds; the soft limit raises inside the task, the hard one
# kills its process); emails and deliveries set shorter limits on their tasks. Enforced by
# the prefork pool (the default), not by --pool=solo or threads.
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}  # filled by shoprocket_site.celery from each app's tasks
# A beat started twice by mistake does not send each periodic job twice (core.beat).
CELERY_BEAT_SCHEDULER = "core.beat:ClaimingScheduler"

# Email --------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if not DEBUG
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "emails"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds before an SMTP connection or command gives up (the task is then retried).
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Shoprocket <shop@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Payments -----------------------------------------------------------------------------
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
# The storefront widget collects cards with Stripe Elements when this is set (pk_test_... for
# test-mode keys, pk_live_... for live); Stripe.js is loaded from STRIPE_JS_URL.
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/")
STRIPE_API_BASE = os.environ.get(
    "STRIPE_API_BASE", ""
)  # a local Stripe double in tests
# How long checkout holds stock for an order whose payment is not complete (3-D Secure).
PAYMENT_RESERVATION_MINUTES = int(os.environ.get("PAYMENT_RESERVATION_MINUTES", "30"))

# API conventions ----------------------------------------------------------------------
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
RATELIMIT_USE_CACHE = "default"
# Behind reverse proxies that append to X-Forwarded-For: how many of them there are. The
# client address is the entry that many places from the right (core.api.throttling.client_ip).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# Or, behind one proxy that overwrites a header with the client address (HTTP_X_REAL_IP).
CLIENT_IP_META_KEY = os.environ.get("CLIENT_IP_META_KEY", "REMOTE_ADDR")
# The largest request body read (Django's default, 2.5 MB); a larger one is a 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
#: Finds the customer signed in on a visitor's X-Cart-Token (core.api.visitor): the customers
#: app answers for core, which cannot import it.
VISITOR_SESSION_LOADER = "customers.selectors.session_get"

IDEMPOTENCY_KEY_TTL_HOURS = 24
IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS = 300
# Where storefront links (login links, seller replies) point; a store may override it. Empty:
# this server's storefront page, <base URL>/storefront/<publishable key>/.
STOREFRONT_URL = os.environ.get("STOREFRONT_URL", "")
# The address shoppers and merchants reach this server on, for every absolute URL it makes.
# Unset: a response's URLs come from its request, and printed or emailed links from
# SERVER_URL (core.links).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
# Development and tests only: let webhooks target http:// and loopback/private addresses.
WEBHOOKS_ALLOW_INSECURE_URLS = env_bool("WEBHOOKS_ALLOW_INSECURE_URLS", False)
# Development and tests only: let imported product images come from http:// and
# loopback/private addresses (the same guard as webhooks, webhooks/net.py).
TRANSFERS_IMAGES_ALLOW_INSECURE_URLS = env_bool(
    "TRANSFERS_IMAGES_ALLOW_INSECURE_URLS", False
)

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["core.api.renderers.CamelCaseJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.CamelCaseJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.ApiAutoSchema",
    "DEFAULT_METADATA_CLASS": None,
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
    "COERCE_DECIMAL_TO_STRING": False,
    "UNICODE_JSON": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# Keys whose values are caller-defined maps: never re-cased in either direction.
JSON_CAMEL_CASE = {
    "JSON_UNDERSCOREIZE": {
        "no_underscore_before_number": True,
        "ignore_fields": (
            "metadata",
            "option_values",
            "optionValues",
            "translations",
            # Keyed by currency code ("EUR"), which must not become "eur".
            "exchange_rates",
            "exchangeRates",
            "currency_rounding",
            "currencyRounding",
        ),
        "ignore_keys": None,
    }
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Shoprocket REST API (self-hosted)",
    "DESCRIPTION": (
        "Public API at /v3/public/{publishable_key}/... (publishable key, browser-safe) and "
        "private API at /v3/private/... (secret key; /v3/private/stores/{store_id}/... is an "
        "identical alias). Keys are camelCase, money is a Money object, errors share one envelope."
    ),
    "VERSION": "3",
    # OpenAPI 3.1: schemas are JSON Schema 2020-12, so a nullable object is
    # oneOf [object, null], which strict validators and generated clients accept.
    "OAS_VERSION": "3.1.0",
    "LICENSE": {"name": "MIT", "identifier": "MIT"},
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/v3/(public/\{publishable_key\}|private)",
    "PREPROCESSING_HOOKS": ["core.api.schema.preprocess_exclude_aliases"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.contrib.djangorestframework_camel_case.camelize_serializer_fields",
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.postprocess_servers",
    ],
    # Stable enum names (generated ones change when another field gets the same name).
    "ENUM_NAME_OVERRIDES": {
        "ConversationStatusEnum": "conversations.models.Conversation.Status",
        "WebhookDeliveryStatusEnum": "webhooks.models.Delivery.Status",
        "OrderPaymentStatusEnum": "orders.models.Order.PaymentStatus",
        "OrderFulfillmentStatusEnum": "orders.models.Order.FulfillmentStatus",
        "OrderTypeEnum": "orders.models.Order.Type",
        "PaymentIntentStatusEnum": "orders.serializers.PAYMENT_WORDS",
        "CheckoutStatusEnum": "carts.api.checkout.CHECKOUT_STATUSES",
        "CheckoutPaymentStatusEnum": "carts.api.checkout.CHECKOUT_PAYMENT_STATUSES",
        "RefundReasonEnum": "orders.gateways.base.REFUND_REASONS",
        "RefundStatusEnum": "orders.models.Refund.Status",
        "OrderEventTypeEnum": "orders.models.OrderEvent.Type",
        "OrderActorTypeEnum": "orders.models.OrderEvent.ActorType",
        "ProductStatusEnum": "catalog.models.Product.Status",
        "ProductTypeEnum": "catalog.models.Product.ProductType",
        "ProductShippingTypeEnum": "catalog.models.Product.ShippingType",
        "ReviewStatusEnum": "catalog.models.Review.Status",
        "DiscountTypeEnum": "carts.models.Discount.Type",
        "InventoryOperationEnum": ["set", "increment", "decrement"],
        "CartMessageLevelEnum": ["info", "warning"],
    },
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "publishableKey": {
                "type": "http",
                "scheme": "bearer",
                "description": "pk_test_/pk_live_",
            },
            "secretKey": {
                "type": "http",
                "scheme": "bearer",
                "description": "sk_test_/sk_live_",
            },
        }
    },
    "DISABLE_ERRORS_AND_WARNINGS": False,
    # Swagger UI and ReDoc assets come from this server's static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# CORS: the public API answers any origin; the private API sends no CORS headers.
CORS_URLS_REGEX = r"^/v3/public/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_HEADERS = [
    "accept",
    "accept-language",
    "authorization",
    "content-type",
    "idempotency-key",
    "x-cart-token",
]
CORS_EXPOSE_HEADERS = [
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "retry-after",
    "idempotent-replayed",
]
CORS_PREFLIGHT_MAX_AGE = 86400

# Auth, i18n, static -------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
# The shoppers' emails in English, French and German (core.emails; compilemessages after
# editing a .po file: the .mo files are committed).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Private files (digital downloads, generated exports and imports): never under MEDIA_URL,
# reached only through signed, expiring URLs (core.storage.private_file_url).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
PRIVATE_URL_EXPIRE_SECONDS = int(os.environ.get("PRIVATE_URL_EXPIRE_SECONDS", "3600"))
# Digital downloads (downloads app): a paid order's links work this many days, this many
# times each; files uploaded to a product may be this large; on S3 a download redirects to
# a presigned URL valid this many seconds.
DOWNLOAD_EXPIRE_DAYS = int(os.environ.get("DOWNLOAD_EXPIRE_DAYS", "7"))
DOWNLOAD_LIMIT = int(os.environ.get("DOWNLOAD_LIMIT", "5"))
DOWNLOAD_MAX_FILE_BYTES = int(
    os.environ.get("DOWNLOAD_MAX_FILE_BYTES", str(500 * 1024 * 1024))
)
DOWNLOAD_REDIRECT_SECONDS = int(os.environ.get("DOWNLOAD_REDIRECT_SECONDS", "60"))
# Before `collectstatic` has run (development, tests) WhiteNoise has nothing to serve yet.
warnings.filterwarnings("ignore", message="No directory at")
# Media: "filesystem" (one machine: MEDIA_ROOT, PRIVATE_MEDIA_ROOT) or "s3" (several machines:
# any S3-compatible store through django-storages, `pip install -e '.[s3]'`).
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "filesystem").strip().lower()
if STORAGE_BACKEND not in {"filesystem", "s3"}:
    raise ValueError(
        f"STORAGE_BACKEND must be 'filesystem' or 's3', not {STORAGE_BACKEND!r}."
    )
if STORAGE_BACKEND == "s3":
    _s3 = {
        "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
        # Empty: AWS itself; e.g. http://minio:9000 for another S3-compatible store.
        "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
        # Unset: boto3's own chain (instance role, ~/.aws, AWS_* variables it reads itself).
        "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
        "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
        "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
        "signature_version": "s3v4",
        # Two uploads of "photo.jpg" keep both (as the file system storage does).
        "file_overwrite": False,
    }
    _public_media = {
        **_s3,
        "location": os.environ.get("AWS_MEDIA_LOCATION", "media"),
        # Product images are public: plain URLs (a CDN in front: AWS_S3_CUSTOM_DOMAIN).
        "querystring_auth": False,
        "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
        "url_protocol": os.environ.get("AWS_S3_URL_PROTOCOL", "https:"),
        "default_acl": os.environ.get("AWS_DEFAULT_ACL") or None,
    }
    _private_media = {
        **_s3,
        "bucket_name": os.environ.get("AWS_PRIVATE_BUCKET_NAME") or _s3["bucket_name"],
        "location": os.environ.get("AWS_PRIVATE_LOCATION", "private"),
        # Private files: every URL signed and expiring.
        "querystring_auth": True,
        "querystring_expire": PRIVATE_URL_EXPIRE_SECONDS,
        "default_acl": "private",
    }
    _media_storages = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": _public_media,
        },
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": _private_media,
        },
    }
else:
    _media_storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        # Not under MEDIA_URL: its URLs are signed links that expire.
        "private": {"BACKEND": "core.storage.PrivateFileSystemStorage"},
    }
# Serve uploaded media from Django (fine for small stores; put a web server in front for more).
# With object storage the store serves them itself.
SERVE_MEDIA = env_bool("SERVE_MEDIA", STORAGE_BACKEND == "filesystem")
STORAGES = {
    **_media_storages,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's default config gives "django" its own console handler too: without this,
        # every django.* message (e.g. runserver's "Watching for file changes") shows twice.
        "django": {"handlers": [], "level": os.environ.get("LOG_LEVEL", "INFO")},
        "django.request": {"level": "ERROR"},
        # One INFO line per task is noise when tasks run eagerly inside requests.
        "celery.app.trace": {"level": "INFO" if REDIS_URL else "WARNING"},
    },
}
