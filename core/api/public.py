from drf_spectacular.utils import extend_schema

from core.serializers import PublicStoreSerializer

from .schema import envelope
from .views import PublicApi


class StoreMetadataApi(PublicApi):
    rate_limits = {"GET": "120/m"}

    @extend_schema(
        operation_id="public_store_get",
        summary="Get store metadata",
        responses=envelope(PublicStoreSerializer),
    )
    def get(self, request, **kwargs):
        return self.respond(self.serialize(PublicStoreSerializer, self.store))
