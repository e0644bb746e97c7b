from django.utils import timezone
from drf_spectacular.utils import extend_schema

from core import selectors, services
from core.serializers import (
    HealthSerializer,
    PrivateStoreSerializer,
    StoreUpdateSerializer,
)

from .schema import envelope
from .views import PrivateApi


class StoreApi(PrivateApi):
    rate_limits = {"GET": "240/m", "PATCH": "30/m"}

    @extend_schema(
        operation_id="store_get",
        summary="Get the store",
        responses=envelope(PrivateStoreSerializer),
    )
    def get(self, request, **kwargs):
        return self.respond(self.serialize(PrivateStoreSerializer, self.store))

    @extend_schema(
        operation_id="store_update",
        summary="Update the store",
        request=StoreUpdateSerializer,
        responses=envelope(PrivateStoreSerializer),
    )
    def patch(self, request, **kwargs):
        data = dict(self.validate(StoreUpdateSerializer))
        rate = data.pop("exchange_rate", None)
        store = services.store_update(store=self.store, data=data, exchange_rate=rate)
        return self.respond(self.serialize(PrivateStoreSerializer, store))


class HealthApi(PrivateApi):
    rate_limits = {"GET": "600/m"}

    @extend_schema(
        operation_id="health_get",
        summary="Check service health",
        responses={200: envelope(HealthSerializer), 503: envelope(HealthSerializer)},
    )
    def get(self, request, **kwargs):
        checks = selectors.system_health()
        healthy = all(value == "ok" for value in checks.values())
        payload = {
            "status": "ok" if healthy else "degraded",
            "checks": checks,
            "time": timezone.now(),
        }
        return self.respond(
            self.serialize(HealthSerializer, payload), status=200 if healthy else 503
        )
