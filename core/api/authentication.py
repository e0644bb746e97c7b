"""Bearer-key authentication for the two API surfaces.

``request.user`` stays anonymous; ``request.auth`` is the :class:`~core.models.ApiKey` and
``request.store`` / ``request.mode`` are set from it.
"""

from __future__ import annotations

from rest_framework import authentication, exceptions

from core import selectors
from core.models import ApiKey


def bearer_token(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class _KeyAuthentication(authentication.BaseAuthentication):
    kind: str = ""
    prefix: str = ""
    surface: str = ""

    def authenticate_header(self, request):
        return 'Bearer realm="api"'

    def _resolve(self, request, raw: str | None) -> ApiKey:
        if not raw:
            raise exceptions.NotAuthenticated(
                "Missing API key. Send 'Authorization: Bearer <key>'."
            )
        if not raw.startswith(self.prefix):
            raise exceptions.AuthenticationFailed(
                f"The {self.surface} API needs a {self.kind} key ({self.prefix}test_... or "
                f"{self.prefix}live_...)."
            )
        key = selectors.api_key_get_active(raw=raw)
        if key is None or key.kind != self.kind:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        return key

    @staticmethod
    def _attach(request, key: ApiKey) -> None:
        request.store = key.store
        request.mode = key.mode
        request._request.store = key.store
        request._request.mode = key.mode


class PublishableKeyAuthentication(_KeyAuthentication):
    """The key in the header must be a publishable key equal to the one in the URL path."""

    kind = ApiKey.Kind.PUBLISHABLE
    prefix = "pk_"
    surface = "public"
    require_header = True

    def authenticate(self, request):
        path_key = request.parser_context["kwargs"].get("publishable_key", "")
        if not path_key.startswith("pk_"):
            # Never echo what was in the path: it may be a secret key pasted by mistake.
            raise exceptions.AuthenticationFailed(
                "The public API URL must contain a publishable key (pk_test_... or pk_live_...)."
            )
        header_key = bearer_token(request)
        if header_key is None and not self.require_header:
            header_key = path_key
        key = self._resolve(request, header_key)
        if header_key != path_key:
            raise exceptions.AuthenticationFailed(
                "The Authorization key does not match the publishable key in the URL."
            )
        self._attach(request, key)
        return (None, key)


class PathPublishableKeyAuthentication(PublishableKeyAuthentication):
    """For resources fetched by URL alone (ad feeds): the path key suffices."""

    require_header = False


class SecretKeyAuthentication(_KeyAuthentication):
    kind = ApiKey.Kind.SECRET
    prefix = "sk_"
    surface = "private"

    def authenticate(self, request):
        key = self._resolve(request, bearer_token(request))
        self._attach(request, key)
        return (None, key)
