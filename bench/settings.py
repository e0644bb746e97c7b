"""Settings of the HTTP bench: the project's settings, read from the environment as in
production, plus a URLconf with the ceiling view and a middleware that reports each response's
query count in ``X-Bench-Queries``. Nothing else differs from what gunicorn serves in
production."""

from shoprocket_site.settings import *  # noqa: F403
from shoprocket_site.settings import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
# Outermost, so it counts the queries of every other middleware too.
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
