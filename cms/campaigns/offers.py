"""The campaign price (直播价) as an Oscar offer benefit.

Each campaign with campaign prices has one site offer (``CampaignLive.offer``):
its range holds the products on sale for the campaign with a campaign price,
its dates are the stream's schedule and its status is suspended while the host
has paused or ended the stream (``services.campaign_offer_sync``). So Oscar's
own machinery decides when it applies, and this benefit only says by how much:
each unit comes down to its campaign price.

Oscar finds this class by the dotted path stored in ``Benefit.proxy_class``
(``services.BENEFIT_CLASS``): moving it means a data migration of that path
(``cms/migrations/0004_campaign_benefit_path.py``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_class, get_classes, get_model

from common.money import ZERO

from .models import CampaignProduct

if TYPE_CHECKING:
    from oscar.apps.basket.models import Basket
    from oscar.apps.offer.models import Condition, ConditionalOffer
    from oscar.apps.offer.results import ApplicationResult

# Oscar's classes, found by get_model/get_class (so a fork would be used): untyped.
Benefit: Any = get_model("offer", "Benefit")
BasketDiscount, ZERO_DISCOUNT = get_classes("offer.results", ["BasketDiscount", "ZERO_DISCOUNT"])
apply_discount = get_class("offer.benefits", "apply_discount")


class CampaignPriceBenefit(Benefit):
    """Brings each unit of a campaign product down to its campaign price."""

    class Meta:
        proxy = True
        app_label = "cms"
        verbose_name = _("campaign price benefit")
        verbose_name_plural = _("campaign price benefits")

    @property
    def name(self) -> str:
        return str(_("Campaign price"))

    @property
    def description(self) -> str:
        return self.name

    def campaign_prices(self, offer: ConditionalOffer) -> dict[int, Decimal]:
        return dict(
            CampaignProduct.objects.filter(
                page__live_state__offer=offer, campaign_price__isnull=False
            ).values_list("product_id", "campaign_price")
        )

    def apply(
        self, basket: Basket, condition: Condition, offer: ConditionalOffer, **kwargs: Any
    ) -> ApplicationResult:
        prices = self.campaign_prices(offer)
        discount = ZERO
        for price, line in self.get_applicable_lines(offer, basket):
            campaign_price = prices.get(line.product_id)
            if campaign_price is None or campaign_price >= price:
                continue
            quantity = line.quantity_without_offer_discount(offer)
            if quantity <= 0:
                continue
            line_discount = (price - campaign_price) * quantity
            apply_discount(line, line_discount, quantity, offer)
            discount += line_discount
        if discount == ZERO:
            return ZERO_DISCOUNT
        return BasketDiscount(self.round(discount, basket.currency))
