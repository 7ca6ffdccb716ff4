"""Oscar's basket middleware, reading less on every shop request.

Oscar's ``BasketMiddleware`` asks whether the basket is empty (a ``COUNT`` of its lines),
then applies the offers (the basket's vouchers and the site's open offers, one query each),
and a checkout view asks the count again before it reads the lines. Here:

- the lines are read once, when the basket is loaded, and every count after is taken from
  them (``QuerySet.count`` of an evaluated queryset), so a basket with lines costs one query
  for them where it cost two counts and the same read;
- the site's offers are read only while one applies: the open site offers' time windows
  (a livestream's price holds for its two hours) are kept in the cache, forgotten whenever
  an offer is saved or deleted (``shop/receivers.py``) and after five minutes at most, and
  Oscar's query runs only when the time is inside one of them (Oscar's ``active`` manager:
  started or no start, not ended or no end, open).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.utils.timezone import now
from oscar.apps.basket import middleware
from oscar.apps.offer.applicator import Applicator as OscarApplicator
from oscar.core.loading import get_model

if TYPE_CHECKING:
    from django.http import HttpRequest
    from oscar.apps.basket.models import Basket

ConditionalOffer = get_model("offer", "ConditionalOffer")

SITE_OFFERS_KEY = "shop:site-offers-open"
SITE_OFFERS_SECONDS = 300


def site_offers_open() -> bool:
    """Whether a site offer is active now (Oscar's ``active`` offers are among those kept)."""
    windows: list[tuple[datetime | None, datetime | None]] = (
        cache.get_or_set(
            SITE_OFFERS_KEY,
            lambda: list(
                ConditionalOffer.objects.filter(
                    offer_type=ConditionalOffer.SITE, status=ConditionalOffer.OPEN
                ).values_list("start_datetime", "end_datetime")
            ),
            SITE_OFFERS_SECONDS,
        )
        or []
    )
    moment = now()
    return any(
        (start is None or start <= moment) and (end is None or end >= moment)
        for start, end in windows
    )


def site_offers_forget() -> None:
    cache.delete(SITE_OFFERS_KEY)


class Applicator(OscarApplicator):
    def get_site_offers(self) -> Any:
        if not site_offers_open():
            return []
        return super().get_site_offers()


class BasketMiddleware(middleware.BasketMiddleware):
    def apply_offers_to_basket(self, request: HttpRequest, basket: Basket) -> None:
        # len() reads the lines (with Oscar's own select and prefetch) and keeps them.
        if basket.id is None or not len(basket.all_lines()):
            return
        Applicator().apply(basket, request.user, request)
