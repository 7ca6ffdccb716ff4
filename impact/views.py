"""Public views of the impact app: the self-declaration form, the public figures, a buyer's impact."""

import hashlib

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import report_tables, reports
from .forms import DeclarationForm
from .services import declaration_submit

DECLARATIONS_PER_HOUR = 5


def _rate_limited(request: HttpRequest) -> bool:
    """At most DECLARATIONS_PER_HOUR posts an hour from one address."""
    address = request.META.get("REMOTE_ADDR", "")
    key = "declare:" + hashlib.sha256(address.encode()).hexdigest()[:32]
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > DECLARATIONS_PER_HOUR


@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if _rate_limited(request):
            return render(
                request,
                "impact/declare.html",
                {"form": DeclarationForm(), "limited": True},
                status=429,
            )
        form = DeclarationForm(request.POST)
        if form.is_valid():
            declaration_submit(**form.cleaned_data)
            # The same answer whether or not the household is registered.
            return render(request, "impact/declare_done.html")
    else:
        form = DeclarationForm()
    return render(request, "impact/declare.html", {"form": form})


def public_impact(request: HttpRequest) -> HttpResponse:
    """/impact/: the platform's aggregate figures; no group of fewer than five households."""
    return render(request, "impact/public.html", {"figures": reports.public_figures_cached()})


@login_required
def my_impact(request: HttpRequest) -> HttpResponse:
    """A buyer's own impact: what their paid orders reached, month by month (never who)."""
    impact = reports.my_impact(user=request.user)
    return render(
        request,
        "impact/my_impact.html",
        {
            "impact": impact,
            "charts": [report_tables.my_impact_chart(impact)] if impact.months else [],
            "page_title": _("My impact"),
            "active_tab": "impact",
        },
    )
