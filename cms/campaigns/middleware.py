"""A visit through ``?code=…`` remembers the campaign (and sharer) in the session."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse, JsonResponse

from common.caching import is_fresh

from .pagecache import CampaignPageCacheMiddleware, counters_key
from .selectors import campaign_counters_cached
from .services import campaign_visit_remember

__all__ = ["CampaignCodeMiddleware", "CampaignCountersMiddleware", "CampaignPageCacheMiddleware"]

COUNTERS_PATH = re.compile(r"^/campaigns/(\d+)/counters\.json$")


def counters_response(counters: dict[str, Any]) -> JsonResponse:
    response = JsonResponse(counters)
    response["Cache-Control"] = "public, max-age=2"
    return response


class CampaignCountersMiddleware:
    """The counters the campaign page polls, answered from the cache before anything else runs.

    Thousands of viewers poll them every few seconds during a stream: a cached
    answer needs no session, user, basket or URL routing. A copy grown old is
    recomputed here by one process while the others answer with it
    (``campaign_counters_cached``); with no copy at all the request goes on to the
    view, which computes the figures (or waits for the process computing them).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET":
            match = COUNTERS_PATH.match(request.path_info)
            if match:
                campaign_id = int(match[1])
                entry = cache.get(counters_key(campaign_id=campaign_id))
                if is_fresh(entry):
                    return counters_response(entry[1])
                if entry is not None:
                    with suppress(ObjectDoesNotExist):  # a campaign deleted since: the view's 404
                        return counters_response(campaign_counters_cached(campaign_id=campaign_id))
        return self.get_response(request)


class CampaignCodeMiddleware:
    """Any page opened with ``?code=<campaign or sharer code>`` remembers it for checkout.

    An unknown or expired code carries nothing: the page is served as usual.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = request.GET.get("code") if request.method == "GET" else None
        if code:
            campaign_visit_remember(request=request, code=code)
        return self.get_response(request)
