"""Public campaign endpoints: the short link of a code, and the live counters."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .campaigns.middleware import counters_response
from .campaigns.personal import personal_parts_render
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


@require_GET
@never_cache
def campaign_personal_parts(request: HttpRequest) -> HttpResponse:
    """The visitor's own account links and basket for a page served from the shared cache."""
    return JsonResponse({"parts": personal_parts_render(request=request)})
