"""The household self-declaration form (/declare/, 农户申报): public, rate-limited.

The public figures and a buyer's impact are in ``impact.reporting.views``.
"""

import hashlib

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from common.client import client_ip

from .monitoring.declarations import declaration_submit
from .monitoring.forms import DeclarationForm

DECLARATIONS_PER_HOUR = 5


def _rate_limited(request: HttpRequest) -> bool:
    """At most DECLARATIONS_PER_HOUR posts an hour from one client address.

    The address behind a trusted proxy (``common.client.client_ip``): each visitor has
    their own budget, and an X-Forwarded-For from anyone else is ignored.
    """
    address = client_ip(request)
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
