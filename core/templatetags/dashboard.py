"""``{% dashboard_home as home %}``: the home page's figures (core.admin_home)."""

from django import template

from core.admin import dashboard_mode
from core.admin_home import home_context

register = template.Library()


@register.simple_tag(takes_context=True)
def dashboard_home(context):
    return home_context(context["request"])


@register.simple_tag(takes_context=True)
def dashboard_mode_now(context):
    request = context.get("request")
    return dashboard_mode(request) if request is not None else ""
