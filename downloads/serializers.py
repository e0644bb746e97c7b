"""Input and output shapes of the downloads endpoints (camelCase on the wire)."""

from __future__ import annotations

from rest_framework import serializers

from core.api.fields import TimestampField

from .services import download_url


class ProductFileCreateSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True,  # the service says "The file is empty." itself
        help_text="The file buyers download (multipart/form-data).",
    )
    variant_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        help_text="Only buyers of this variant get the file (default: every variant).",
    )


class ProductFileSerializer(serializers.Serializer):
    id = serializers.CharField()
    product_id = serializers.CharField()
    variant_id = serializers.CharField(allow_null=True)
    file_name = serializers.CharField(source="filename")
    size = serializers.IntegerField(help_text="Bytes.")
    content_type = serializers.CharField()
    created_at = TimestampField()

    class Meta:
        ref_name = "ProductFile"


class DownloadGrantSerializer(serializers.Serializer):
    """A shopper's download link as the merchant sees it."""

    id = serializers.CharField()
    order_id = serializers.CharField()
    item_id = serializers.CharField()
    file_id = serializers.CharField()
    product_name = serializers.CharField(source="item.product_name")
    file_name = serializers.CharField(source="file.filename")
    downloads_used = serializers.IntegerField(source="download_count")
    download_limit = serializers.IntegerField()
    expires_at = TimestampField()
    revoked_at = TimestampField(allow_null=True)
    last_downloaded_at = TimestampField(allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        ref_name = "DownloadGrant"

    def get_url(self, grant) -> str:
        return download_url(grant, request=self.context.get("request"))


class DownloadResetSerializer(serializers.Serializer):
    grant_ids = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        max_length=100,
        help_text="Reset only these links (default: every link of the order).",
    )
