"""The project's URLs plus a few probe views, for testing conventions that no real endpoint of
this app exercises on its own (every status of the envelope, pagination, a low rate limit)."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import HttpResponse
from django.urls import path
from rest_framework import serializers

from core.api.fields import MoneyField
from core.api.views import PrivateApi, PublicApi
from core.exceptions import Conflict, PaymentDeclined
from core.models import ApiKey
from core.money import Money
from shoprocket_site.urls import urlpatterns as project_urlpatterns


class KeySerializer(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.CharField()


class PriceSerializer(serializers.Serializer):
    price = MoneyField()
    metadata = serializers.DictField()
    nested_value = serializers.DictField()


class ProbeApi(PrivateApi):
    rate_limits = {"GET": "2/m", "POST": "100/m"}

    def get(self, request, **kwargs):
        return self.respond_page(
            ApiKey.objects.filter(store=self.store).order_by("id"), KeySerializer
        )

    def post(self, request, **kwargs):
        class Input(serializers.Serializer):
            amount = serializers.IntegerField(min_value=0)
            some_name = serializers.CharField()

        data = self.validate(Input)
        return self.respond({"echo": data}, status=201)


class RaiseApi(PrivateApi):
    rate_limits = {"GET": "100/m"}

    def get(self, request, kind, **kwargs):
        if kind == "permission":
            raise PermissionDenied
        if kind == "conflict":
            raise Conflict("Already there.")
        if kind == "integrity":
            raise IntegrityError("duplicate key")
        if kind == "django-validation":
            raise DjangoValidationError({"price_amount": ["Too high."]})
        if kind == "payment":
            raise PaymentDeclined("Your card was declined.", code="card_declined")
        raise RuntimeError("boom: secret internals")


class MoneyApi(PublicApi):
    rate_limits = {"GET": "100/m"}

    def get(self, request, **kwargs):
        currency = request.query_params.get("currency", "GBP")
        payload = {
            "price": Money(2400, currency),
            "metadata": {"order_ref": 1, "camelKey": 2},
            "nested_value": {"inner_key": 3},
        }
        return self.respond(self.serialize(PriceSerializer, payload))


def plain_django_view(request):
    raise RuntimeError("boom outside DRF")


def plain_ok_view(request):
    return HttpResponse("<html>not json</html>", status=403)


urlpatterns = [
    path("v3/private/_probe", ProbeApi.as_view()),
    path("v3/private/_raise/<str:kind>", RaiseApi.as_view()),
    path("v3/public/<str:publishable_key>/_money", MoneyApi.as_view()),
    path("v3/private/_plain", plain_django_view),
    path("v3/private/_html403", plain_ok_view),
    *project_urlpatterns,
]
