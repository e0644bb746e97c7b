"""Dashboard: a product's downloadable files (an inline on the product page) and the
shoppers' download links (a list with the "Reset downloads" action)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT
from django.forms.models import BaseInlineFormSet

from catalog.admin import ProductAdmin
from core.admin import StoreScopedAdmin, StoreScopedTabularInline
from core.exceptions import DomainError

from . import services
from .models import DownloadGrant, ProductFile


class ProductFileForm(forms.ModelForm):
    upload = forms.FileField(
        required=False,
        label="File",
        help_text="Stored privately; buyers get a signed link once they have paid.",
    )

    class Meta:
        model = ProductFile
        fields = ("variant",)

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload is None and not self.instance.pk and self.has_changed():
            raise forms.ValidationError("Choose the file to upload.")
        if upload is not None:
            try:
                services.file_check(upload)
            except DomainError as exc:
                raise forms.ValidationError(exc.message) from None
        return upload

    def save(self, commit=True):
        record = self.instance
        record.store_id = record.product.store_id
        upload = self.cleaned_data.get("upload")
        if upload is not None:
            old = record.storage_name
            record.storage_name = services.file_store(
                store_id=record.store_id, upload=upload
            )
            record.filename = services.file_name_of(upload)
            record.size = upload.size
            record.content_type = (getattr(upload, "content_type", "") or "")[:100]
            if old:
                services.storage_forget_later(old)
        return super().save(commit)


class ProductFileFormSet(BaseInlineFormSet):
    """A product form posted without this inline's rows (a script, a page rendered before
    this app was installed) leaves the files as they are instead of failing on the
    missing management form."""

    def __init__(self, data=None, *args, prefix=None, **kwargs):
        prefix = prefix or self.get_default_prefix()
        if data is not None and f"{prefix}-TOTAL_FORMS" not in data:
            data = data.copy()
            for name in (TOTAL_FORM_COUNT, INITIAL_FORM_COUNT):
                data[f"{prefix}-{name}"] = "0"
        super().__init__(data, *args, prefix=prefix, **kwargs)


class ProductFileInline(StoreScopedTabularInline):
    model = ProductFile
    form = ProductFileForm
    formset = ProductFileFormSet
    extra = 1
    verbose_name = "downloadable file"
    verbose_name_plural = "Downloadable files (digital products: buyers get a link)"
    fields = ("upload", "variant", "filename", "size")
    readonly_fields = ("filename", "size")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "variant":
            product_id = request.resolver_match.kwargs.get("object_id")
            field.queryset = field.queryset.filter(product_id=product_id)
        return field


# The product page gets the files inline (catalog cannot import this app).
ProductAdmin.inlines = (*ProductAdmin.inlines, ProductFileInline)


@admin.register(DownloadGrant)
class DownloadGrantAdmin(StoreScopedAdmin):
    list_display = (
        "file",
        "order",
        "customer_email",
        "download_count",
        "download_limit",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("mode", "revoked_at")
    search_fields = ("order__id", "order__email", "file__filename")
    list_select_related = ("file", "order")
    actions = ("reset_downloads",)
    readonly_fields = (
        "order",
        "item",
        "file",
        "mode",
        "download_count",
        "download_limit",
        "expires_at",
        "revoked_at",
        "last_downloaded_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    @admin.display(description="Email", ordering="order__email")
    def customer_email(self, grant):
        return grant.order.email

    @admin.action(description="Reset downloads (count to 0, new expiry)")
    def reset_downloads(self, request, queryset):
        reset = 0
        for grant in queryset.select_related("order"):
            reset += services.grants_reset(order=grant.order, grant_ids=[grant.pk])
        self.message_user(request, f"Reset {reset} download link(s).")
