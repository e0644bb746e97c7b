"""Base serializer classes carrying the wire conventions."""

from django.db import models
from rest_framework import serializers

from .fields import TimestampField


class ModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose timestamps render as ``2026-04-20T13:24:11Z``."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: TimestampField,
    }
