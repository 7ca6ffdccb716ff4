"""Public campaign endpoints: the short link of a code, and the live counters."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .campaigns.middleware import counters_response
from .campaigns.personal import personal_parts_render
from .campaigns.selectors import campaign_counters_cached
from .campaigns.services import campaign_code_lookup, campaign_visit_remember
from .models import CampaignIndexPage, CampaignPage


@require_GET
def campaign_short_link(request: HttpRequest, code: str) -> HttpResponse:
    """``/c/<code>/``: remember the code and open its campaign.

    An expired code says so (410 Gone), with the way on to its campaign (the replay)
    and to the campaigns; an unknown one says that (404), with the way to the
    campaigns. Neither carries anything to checkout.
    """
    found = campaign_code_lookup(code=code)
    if found.valid:
        campaign = campaign_visit_remember(request=request, code=code)
        if campaign is not None:
            return HttpResponseRedirect(campaign.get_url(request=request))
    index = CampaignIndexPage.objects.live().first()
    expired = found.campaign if found.expired else None
    context = {
        "expired": expired is not None,
        "campaign": expired,
        "campaign_url": expired.get_url(request=request) if expired is not None else None,
        "index_url": index.get_url(request=request) if index else "/",
    }
    return render(
        request, "cms/share_link_gone.html", context, status=410 if expired is not None else 404
    )


@require_GET
def campaign_counters_json(request: HttpRequest, pk: int) -> HttpResponse:
    """The live counters, from the cache (a few seconds old at most)."""
    try:
        counters = campaign_counters_cached(campaign_id=pk)
    except CampaignPage.DoesNotExist:
        raise Http404 from None
    return counters_response(counters)


@require_GET
@never_cache
def campaign_personal_parts(request: HttpRequest) -> HttpResponse:
    """The visitor's own account links and basket for a page served from the shared cache."""
    return JsonResponse({"parts": personal_parts_render(request=request)})
