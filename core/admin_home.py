"""The dashboard home: figures of the current store and mode, contributed by each app.

Core knows no orders or reviews (apps depend on core, never the reverse), so every app's
``admin.py`` registers what it has to say with :func:`home_cards` (figures with a link) or
:func:`home_chart` (the daily series); the home page (``templates/admin/index.html``) shows them
for the store of the store switcher and the mode of the test/live switch, never mixing test
business into live.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .admin import dashboard_mode, dashboard_store, dashboard_stores

#: Days of the home chart.
CHART_DAYS = 30


@dataclass(frozen=True)
class HomeCard:
    """One figure of the home page: ``£120.00`` "Revenue today", linking to its list."""

    key: str
    title: str
    value: str
    url: str = ""
    detail: str = ""
    alert: bool = False


@dataclass
class HomeChart:
    """Daily series, oldest first: ``labels`` (dates), and per series its values."""

    labels: list[str] = field(default_factory=list)
    revenue: list[float] = field(default_factory=list)
    orders: list[int] = field(default_factory=list)
    currency: str = ""


_card_providers: list[Callable] = []
_chart_provider: list[Callable] = []


def home_cards(provider: Callable) -> Callable:
    """Register ``provider(*, request, store, mode) -> list[HomeCard]``."""
    _card_providers.append(provider)
    return provider


def home_chart(provider: Callable) -> Callable:
    """Register ``provider(*, request, store, mode, days) -> HomeChart`` (one app has it)."""
    _chart_provider[:] = [provider]
    return provider


def home_context(request) -> dict:
    store = dashboard_store(request)
    mode = dashboard_mode(request)
    context = {
        "store": store,
        "mode": mode,
        "stores": dashboard_stores(request),
        "cards": [],
        "chart": None,
        "chart_days": CHART_DAYS,
    }
    if store is None:
        return context
    for provider in _card_providers:
        context["cards"].extend(provider(request=request, store=store, mode=mode))
    if _chart_provider:
        context["chart"] = _chart_provider[0](
            request=request, store=store, mode=mode, days=CHART_DAYS
        )
    return context
