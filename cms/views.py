"""Public campaign endpoints: the short link of a code, and the live counters."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET

from .campaigns.middleware import counters_response
from .campaigns.selectors import campaign_counters_cached
from .campaigns.services import campaign_visit_remember
from .models import CampaignIndexPage, CampaignPage


@require_GET
def campaign_short_link(request: HttpRequest, code: str) -> HttpResponse:
    """``/c/<code>/``: remember the code and open its campaign; an unknown or expired
    code opens the campaigns index and carries nothing."""
    campaign = campaign_visit_remember(request=request, code=code)
    if campaign is not None:
        return HttpResponseRedirect(campaign.get_url(request=request))
    index = CampaignIndexPage.objects.live().first()
    return HttpResponseRedirect(index.get_url(request=request) if index else "/")


@require_GET
def campaign_counters_json(request: HttpRequest, pk: int) -> HttpResponse:
    """The live counters, from the cache (a few seconds old at most)."""
    try:
        counters = campaign_counters_cached(campaign_id=pk)
    except CampaignPage.DoesNotExist:
        raise Http404 from None
    return counters_response(counters)
