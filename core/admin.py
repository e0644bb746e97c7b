"""The merchant dashboard's tenancy, written once.

Every domain admin subclasses :class:`StoreScopedAdmin` (or :class:`StoreScopedInline`), and
so shows a merchant only the rows of the stores they belong to: lists, search, change pages
(another store's object by URL is a 404), autocomplete, foreign-key choices, inline forms and
actions. Superusers see every store.

A model is tied to its store by a ``store`` field, or by ``store_lookup`` (e.g.
``"product__store"``) on the model class for rows that belong to a store through a parent.

Also written once here for every dashboard page: money typed and read in major units
(:mod:`core.admin_fields`), raw columns shown readably (``<column>_shown``: money, addresses,
shipping options, status badges), a service's refusal shown on the form with the input kept,
and the store switcher and test/live switch (``dashboard_store``, ``dashboard_mode``).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.http import (
    Http404,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme

from . import services
from .admin_fields import (
    CountriesField,
    CountryField,
    MoneyField,
    MoneyFormMixin,
    address_html,
    currency_of,
    is_money_field,
    money_formfield,
    money_text,
    shipping_option_text,
    status_badge,
)
from .exceptions import DomainError
from .ids import PrefixedIdField, is_well_formed
from .models import ApiKey, Mode, Store, StoreMembership, bank_reference_problem
from .selectors import store_ids_for_user

#: The key mode of what merchants do in the dashboard: live business (the catalogue and the
#: configuration are shared by both modes; events and audit rows record this mode).
DASHBOARD_MODE = Mode.LIVE

#: The session key of the dashboard's test/live switch.
MODE_SESSION_KEY = "dashboard_mode"


def dashboard_mode(request) -> str:
    """The mode the merchant is looking at (the test/live switch): figures, lists and
    exports of orders follow it, so test business is never mixed into live."""
    mode = (
        request.session.get(MODE_SESSION_KEY) if hasattr(request, "session") else None
    )
    return mode if mode in Mode.values else DASHBOARD_MODE


#: The session key of the store switcher (merchants of several stores).
STORE_SESSION_KEY = "dashboard_store"


def dashboard_stores(request) -> list[Store]:
    """The stores the dashboard user may switch between, by name."""
    stores = Store.objects.order_by("name", "id")
    if not request.user.is_superuser:
        stores = stores.filter(pk__in=store_ids_for_user(user=request.user))
    return list(stores.only("id", "name", "currency", "timezone", "default_locale"))


def dashboard_store(request) -> Store | None:
    """The store the dashboard home and local times are about: the one picked with the
    store switcher, else the user's first store."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return None
    if not hasattr(request, "_dashboard_store"):
        stores = dashboard_stores(request)
        chosen = request.session.get(STORE_SESSION_KEY)
        request._dashboard_store = next(
            (s for s in stores if s.pk == chosen), stores[0] if stores else None
        )
    return request._dashboard_store


def _field_name(path) -> str | None:
    """The form field a service error's path names (its first part), if any."""
    if isinstance(path, tuple):
        path = path[0] if path else None
    return str(path).split(".")[0] if path else None


def _with_service_errors(form_class, errors: DomainError):
    """``form_class``, whose validation adds the service's refusal: the page is shown again
    with the merchant's input and the message on the field it names (or the form)."""

    class Rejected(form_class):
        def _post_clean(self):
            super()._post_clean()
            placed = False
            for where, field_messages in (errors.fields or {}).items():
                name = _field_name(where)
                if name in self.fields:
                    for message in field_messages:
                        self.add_error(name, message)
                    placed = True
            if not placed:
                self.add_error(None, errors.message)

    Rejected.__name__ = form_class.__name__
    return Rejected


def store_lookup_for(model) -> str | None:
    """The ORM path from ``model`` to its Store, or None when it has none."""
    if model is Store:
        return "id"
    explicit = getattr(model, "store_lookup", None)
    if explicit:
        return explicit
    try:
        field = model._meta.get_field("store")
    except FieldDoesNotExist:
        return None
    return "store" if getattr(field, "related_model", None) is Store else None


#: The suffix of the readable display the dashboard shows for a raw column:
#: ``total_amount_shown`` is ``£174.18`` (not ``17418``), ``shipping_address_shown`` the
#: address as lines, ``shipping_option_shown`` ``Name · £3.95``, ``status_shown`` a badge.
SHOWN_SUFFIX = "_shown"


def _display_kind(field) -> str | None:
    """Which readable display a model field gets, if any."""
    if is_money_field(field):
        return "money"
    if isinstance(field, models.JSONField) and field.name.endswith("_address"):
        return "address"
    if isinstance(field, models.JSONField) and field.name == "shipping_option":
        return "shipping_option"
    if field.choices and (field.name == "status" or field.name.endswith("_status")):
        return "status"
    return None


def _readable_display(model, name: str, kind: str):
    """The display method of column ``name`` of the given kind."""
    field = model._meta.get_field(name)
    label = str(field.verbose_name).removesuffix(" amount").capitalize()
    ordering = name if kind in ("money", "status") else None

    @admin.display(description=label, ordering=ordering)
    def display(obj):
        value = getattr(obj, name)
        if kind == "money":
            return money_text(value, currency_of(obj))
        if kind == "address":
            return address_html(value)
        if kind == "shipping_option":
            return shipping_option_text(value, currency_of(obj))
        return status_badge(value, getattr(obj, f"get_{name}_display")())

    return display


def _with_money_form(form_class, currency: str | None, *, parent: bool = False):
    """``form_class`` converting its MoneyFields to minor units (see core.admin_fields)."""
    if not any(isinstance(f, MoneyField) for f in form_class.base_fields.values()):
        return form_class
    bases = (
        (form_class,)
        if issubclass(form_class, MoneyFormMixin)
        else (MoneyFormMixin, form_class)
    )
    attrs = {
        ("parent_currency" if parent else "default_currency"): currency,
        "__module__": form_class.__module__,
    }
    return type(form_class.__name__, bases, attrs)


class ServiceDeleteMixin:
    """The dashboard deletes through the app's delete service, as the API's ``DELETE`` does:
    the admin's ``delete_model`` calls the service, and "Delete selected" calls it for each
    row, all rows in one transaction (a refusal deletes none)."""

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


class StoreScopeMixin:
    """Queryset and form-field scoping shared by model admins and inlines, and money in
    major units: every ``amount``/``*_amount`` column is edited as ``24.00`` and shown as
    ``£24.00`` (read-only fields and list columns), converted exactly to minor units."""

    def __getattr__(self, name):
        # ``total_amount_shown``: the readable display of the column total_amount.
        model = vars(self).get("model") or getattr(type(self), "model", None)
        if name.endswith(SHOWN_SUFFIX) and model is not None:
            base = name.removesuffix(SHOWN_SUFFIX)
            try:
                field = model._meta.get_field(base)
            except FieldDoesNotExist:
                field = None
            kind = _display_kind(field) if field is not None else None
            if kind is not None:
                return _readable_display(model, base, kind)
        raise AttributeError(name)

    def _shown_name(self, name):
        """``name``, or the name of its readable display when the column has one (and the
        admin has no display of its own by that name)."""
        if isinstance(name, str) and not hasattr(type(self), name):
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                return name
            if _display_kind(field) is not None:
                return name + SHOWN_SUFFIX
        return name

    def get_readonly_fields(self, request, obj=None):
        return [self._shown_name(n) for n in super().get_readonly_fields(request, obj)]

    def get_fieldsets(self, request, obj=None):
        readonly = set(super().get_readonly_fields(request, obj))
        fieldsets = []
        for title, options in super().get_fieldsets(request, obj):
            fields = []
            for entry in options.get("fields", ()):
                if isinstance(entry, (list, tuple)):
                    entry = type(entry)(
                        self._shown_name(n) if n in readonly else n for n in entry
                    )
                elif entry in readonly:
                    entry = self._shown_name(entry)
                fields.append(entry)
            fieldsets.append((title, {**options, "fields": fields}))
        return fieldsets

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if is_money_field(db_field):
            return money_formfield(db_field, **kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def single_store_currency(self, request) -> str | None:
        """The currency of the merchant's only store (the default of add forms)."""
        ids = self.allowed_store_ids(request)
        if ids is None or len(ids) != 1:
            return None
        return (
            Store.objects.filter(pk=ids[0]).values_list("currency", flat=True).first()
        )

    def allowed_store_ids(self, request) -> list[str] | None:
        """None for superusers (no restriction), else the ids of the user's stores."""
        if request.user.is_superuser:
            return None
        return store_ids_for_user(user=request.user)

    def scope_queryset(self, request, queryset, model=None):
        ids = self.allowed_store_ids(request)
        if ids is None:
            return queryset
        lookup = store_lookup_for(model or queryset.model)
        if lookup is None:
            return queryset.none()
        return (
            queryset.filter(**{f"{lookup}__in": ids}).distinct()
            if "__" in lookup
            else (queryset.filter(**{f"{lookup}__in": ids}))
        )

    def _scope_related(self, request, db_field, kwargs):
        related = db_field.related_model
        if related is None or self.allowed_store_ids(request) is None:
            return kwargs
        if store_lookup_for(related) is not None:
            base = kwargs.get("queryset")
            if base is None:
                base = related._default_manager.all()
            kwargs["queryset"] = self.scope_queryset(request, base, related)
        return kwargs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = self._scope_related(request, db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs = self._scope_related(request, db_field, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))


class StoreScopedAdmin(StoreScopeMixin, admin.ModelAdmin):
    """Base ModelAdmin for anything that belongs to a store.

    A service refusing a save (any :class:`DomainError` out of ``save_model``,
    ``save_related`` or ``save_formset``) rolls the save back and shows the form again with
    what was typed and the message on the field it names: never a 500 page.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            if request.method != "POST":
                raise
            # Out of the admin's transaction: the save is rolled back. Validate again,
            # with the refusal added, to show the page with the input kept.
            request._service_error = exc
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_list_display(self, request):
        editable = set(self.list_editable)
        return [
            n if n in editable else self._shown_name(n)
            for n in super().get_list_display(request)
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = _with_money_form(
            super().get_form(request, obj, change, **kwargs),
            self.single_store_currency(request),
        )
        error = getattr(request, "_service_error", None)
        return _with_service_errors(form, error) if error is not None else form

    def get_object(self, request, object_id, from_field=None):
        pk = self.model._meta.pk
        if (
            from_field is None
            and isinstance(pk, PrefixedIdField)
            and not is_well_formed(object_id, pk.prefix)
        ):
            # Not an id of this model (a NUL byte, another kind of id): no query at all.
            raise Http404("No such object in your stores.")
        obj = super().get_object(request, object_id, from_field)
        if obj is None and object_id is not None:
            raise Http404("No such object in your stores.")
        return obj

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        ids = self.allowed_store_ids(request)
        if (
            ids is not None
            and len(ids) == 1
            and store_lookup_for(self.model) == "store"
        ):
            initial.setdefault("store", ids[0])
        return initial

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        ids = self.allowed_store_ids(request)
        multi_store = ids is None or len(ids) > 1
        if (
            store_lookup_for(self.model) == "store"
            and multi_store
            and "store" not in filters
        ):
            filters.insert(0, "store")
        return filters


def action_confirmed(
    modeladmin,
    request,
    queryset,
    *,
    title: str,
    question: str,
    items: list[str],
    confirm_label: str,
    warning: str = "",
):
    """The confirmation step of a dashboard action that cannot be undone.

    Returns None once the merchant has confirmed (the action then proceeds), else the page
    that lists ``items`` and asks ``question``; it posts the same selection back with
    ``post=yes``, like Django's own "delete selected" confirmation.
    """
    if request.POST.get("post") == "yes":
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "question": question,
        "items": items,
        "warning": warning,
        "confirm_label": confirm_label,
        "queryset": queryset,
        "opts": modeladmin.model._meta,
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": modeladmin.media,
    }
    return TemplateResponse(request, "admin/core/action_confirmation.html", context)


class StoreScopedInline(StoreScopeMixin):
    """Mix into TabularInline / StackedInline: rows and choices limited to the user's stores."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        parent = currency_of(obj) if obj is not None else None
        formset.form = _with_money_form(
            formset.form,
            parent or self.single_store_currency(request),
            parent=parent is not None,
        )
        return formset


class StoreScopedTabularInline(StoreScopedInline, admin.TabularInline):
    pass


class StoreScopedStackedInline(StoreScopedInline, admin.StackedInline):
    pass


# -- Stores and keys --------------------------------------------------------------------


class ApiKeyInline(StoreScopedTabularInline):
    model = ApiKey
    extra = 0
    can_delete = False
    fields = ("kind", "mode", "shown_key", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Key")
    def shown_key(self, obj):
        return obj.publishable_key or f"{obj.display_prefix}… (secret, shown once)"


class MembershipInline(StoreScopedTabularInline):
    model = StoreMembership
    extra = 0
    autocomplete_fields = ("user",)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


class StoreForm(forms.ModelForm):
    """The store settings, with the exchange rate a currency change needs once the store
    holds amounts (``core.services.store_currency_change``)."""

    exchange_rate = forms.DecimalField(
        required=False,
        max_digits=16,
        decimal_places=6,
        min_value=services.MIN_EXCHANGE_RATE,
        max_value=services.MAX_EXCHANGE_RATE,
        help_text="Only when changing the currency of a store that has prices, discounts, "
        "shipping rates or orders: units of the new currency for one unit of the current "
        "one. Every price, discount amount and shipping rate is converted at this rate; "
        "orders keep their own currency.",
    )
    country = CountryField(label="Country")
    shipping_countries = CountriesField(
        required=False, label="Ships to", help_text="Empty: the store's own country."
    )

    class Meta:
        model = Store
        fields = "__all__"

    def clean_bank_transfer_reference(self):
        value = (self.cleaned_data.get("bank_transfer_reference") or "").strip()
        problem = bank_reference_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value

    def clean(self):
        cleaned = super().clean()
        currency = cleaned.get("currency")
        store = self.instance
        if store.pk and currency and currency != store.currency:
            rate = cleaned.get("exchange_rate")
            held = services.store_currency_amounts(store=store)
            if held and rate is None:
                self.add_error(
                    "currency",
                    f"The store's amounts are in {store.currency} ({', '.join(held)}): "
                    f"a new currency would reinterpret them. Give an exchange rate to "
                    f"convert them, or keep {store.currency}.",
                )
        return cleaned


@admin.register(Store)
class StoreAdmin(StoreScopedAdmin):
    list_display = ("name", "id", "currency", "country", "tax_inclusive", "created_at")
    search_fields = ("name", "id")
    readonly_fields = ("id", "created_at", "updated_at", "plan")
    inlines = (ApiKeyInline, MembershipInline)
    actions = ("roll_test_secret_key", "roll_live_secret_key", "reset_test_mode")
    form = StoreForm
    fieldsets = (
        (
            None,
            {"fields": ("id", "name", "plan", "notification_email", "storefront_url")},
        ),
        (
            "Locale and money",
            {
                "fields": (
                    "currency",
                    "exchange_rate",
                    "supported_currencies",
                    "country",
                    "timezone",
                    "default_locale",
                    "supported_locales",
                    "tax_inclusive",
                )
            },
        ),
        ("Checkout", {"fields": ("shipping_countries", "payment_methods")}),
        (
            "Bank transfer",
            {
                "fields": ("bank_transfer_details", "bank_transfer_reference"),
                "description": "Shown on the order confirmation and in the email to "
                "shoppers who pay by bank transfer.",
            },
        ),
        ("Widget", {"fields": ("features", "branding")}),
        ("Dates", {"fields": ("created_at", "updated_at")}),
    )

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_urls(self):
        return [
            path(
                "switch/",
                self.admin_site.admin_view(self.switch_view),
                name="dashboard_switch",
            ),
            *super().get_urls(),
        ]

    def switch_view(self, request):
        """The store switcher and the test/live switch (POST ``store`` and/or ``mode``):
        remembered in the session; the home, its figures, exports and local times follow."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        store_id = request.POST.get("store")
        if store_id:
            if not any(s.pk == store_id for s in dashboard_stores(request)):
                raise Http404("No such store in your stores.")
            request.session[STORE_SESSION_KEY] = store_id
        mode = request.POST.get("mode")
        if mode:
            if mode not in Mode.values:
                return HttpResponseBadRequest("mode is test or live.")
            request.session[MODE_SESSION_KEY] = mode
        target = request.POST.get("next") or reverse("admin:index")
        if not url_has_allowed_host_and_scheme(
            target,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        ):
            target = reverse("admin:index")
        return HttpResponseRedirect(target)

    def save_model(self, request, obj, form, change):
        """``store_create`` / ``store_update``, as the API's ``PATCH /store``: the changed
        settings only, a new currency checked and converted by the same service."""
        data = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name != "exchange_rate"
        }
        if not change:
            store, keys = services.store_create(**data)
            shown = format_html_join(
                " ",
                "{} {}: <code>{}</code>.",
                (
                    (mode, kind, raw)
                    for mode, pair in keys.items()
                    for kind, raw in pair.items()
                ),
            )
            self.message_user(
                request,
                format_html("The store's API keys, shown this once: {}", shown),
                messages.WARNING,
            )
        else:
            supported = data.get("supported_currencies", obj.supported_currencies) or []
            if "currency" in data and data["currency"] not in supported:
                data["supported_currencies"] = [data["currency"], *supported]
            store = services.store_update(
                store=Store.objects.get(pk=obj.pk),
                data=data,
                exchange_rate=form.cleaned_data.get("exchange_rate"),
            )
        # The admin logs the change and redirects to ``obj``: let it be the saved store.
        obj.__dict__.update(
            {f.attname: getattr(store, f.attname) for f in Store._meta.concrete_fields}
        )
        obj._state.adding = False

    def _roll(self, request, queryset, mode):
        keys = [
            key
            for store in queryset
            for key in store.api_keys.filter(
                kind=ApiKey.Kind.SECRET, mode=mode, revoked_at__isnull=True
            )
        ]
        page = action_confirmed(
            self,
            request,
            queryset,
            title=f"Roll the {mode} secret key",
            question=(
                f"Roll these {mode} secret keys? Each is revoked at once (integrations "
                "using it stop working) and a new key is shown once."
            ),
            items=[f"{key.store.name}: {key.display_prefix}…" for key in keys],
            confirm_label=f"Yes, roll the {mode} secret key",
            warning="A revoked key can never be used again." if mode == "live" else "",
        )
        if page is not None:
            return page
        for key in keys:
            issued = services.api_key_roll(api_key=key)
            self.message_user(
                request,
                format_html(
                    "New {} secret key for {}: <code>{}</code> (shown once; the old key "
                    "no longer works).",
                    mode,
                    key.store.name,
                    issued.raw,
                ),
                messages.WARNING,
            )
        return None

    @admin.action(
        description="Reset test mode: stock and discount uses (asks to confirm)"
    )
    def reset_test_mode(self, request, queryset):
        page = action_confirmed(
            self,
            request,
            queryset,
            title="Reset test mode",
            question=(
                "Give test mode a fresh start? The stock that test orders took comes back "
                "to test mode and test uses of discount codes are forgotten. Live stock, "
                "live discount usage and all orders stay as they are."
            ),
            items=[store.name for store in queryset],
            confirm_label="Yes, reset test mode",
        )
        if page is not None:
            return page
        for store in queryset:
            done = services.store_test_mode_reset(store=store)
            self.message_user(request, f"{store.name}: reset {', '.join(done)}.")
        return None

    @admin.action(description="Roll the test secret key (asks to confirm)")
    def roll_test_secret_key(self, request, queryset):
        return self._roll(request, queryset, "test")

    @admin.action(description="Roll the live secret key (asks to confirm)")
    def roll_live_secret_key(self, request, queryset):
        return self._roll(request, queryset, "live")


@admin.register(ApiKey)
class ApiKeyAdmin(StoreScopedAdmin):
    """Keys are read-only: revoking is an action with a confirmation step, and nothing
    un-revokes a key (``revoked_at`` is never editable; a store rolls a new key instead)."""

    list_display = (
        "display_prefix",
        "store",
        "kind",
        "mode",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("kind", "mode")
    search_fields = ("display_prefix", "store__name")
    fields = (
        "display_prefix",
        "store",
        "kind",
        "mode",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = fields
    actions = ("revoke",)

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected keys (asks to confirm)")
    def revoke(self, request, queryset):
        keys = list(queryset.filter(revoked_at__isnull=True).select_related("store"))
        page = action_confirmed(
            self,
            request,
            queryset,
            title="Revoke API keys",
            question=(
                "Revoke these keys? Requests using them are refused from now on, and a "
                "revoked key can never be enabled again."
            ),
            items=[f"{key} of {key.store.name}" for key in keys],
            confirm_label="Yes, revoke them",
        )
        if page is not None:
            return page
        count = sum(services.api_key_revoke(api_key=key) for key in keys)
        self.message_user(request, f"Revoked {count} key(s).")
        return None
