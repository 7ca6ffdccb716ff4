"""The campaign price is an Oscar offer that applies exactly while the stream is live."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from oscar.core.loading import get_class, get_model

from cms.campaigns import services
from cms.models import CampaignLive
from shop.basket_middleware import SITE_OFFERS_KEY

from .campaigns import make_campaign

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")
Product = get_model("catalogue", "Product")
ConditionalOffer = get_model("offer", "ConditionalOffer")
Applicator = get_class("offer.applicator", "Applicator")
Selector = get_class("partner.strategy", "Selector")
TICK = datetime.timedelta(microseconds=1)


def basket_total(*, peanuts: int = 2, tea: int = 1) -> Decimal:
    """A fresh basket of peanuts (campaign price 35.80, shop 39.80) and tea (52.00 / 58.00), offers applied."""
    basket = Basket.objects.create()
    basket.strategy = Selector().strategy()
    basket.add_product(Product.objects.get(upc="YX-DC-003"), quantity=peanuts)
    basket.add_product(Product.objects.get(upc="YX-DC-004"), quantity=tea)
    basket.add_product(
        Product.objects.get(upc="YX-DC-001"), quantity=1
    )  # featured, no campaign price
    Applicator().apply(basket)
    return basket.total_incl_tax


FULL = Decimal("39.80") * 2 + Decimal("58.00") + Decimal("29.90")  # 167.50
CAMPAIGN = Decimal("35.80") * 2 + Decimal("52.00") + Decimal("29.90")  # 153.50


@pytest.fixture
def campaign():
    starts_at = timezone.now() + datetime.timedelta(hours=1)
    return make_campaign(
        starts_at=starts_at,
        hours=2,
        products=[("YX-DC-003", "35.80"), ("YX-DC-004", "52.00"), ("YX-DC-001", None)],
        code="PRICE1",
    )


def test_the_price_changes_exactly_at_the_start_and_back_exactly_after_the_end(campaign):
    assert (Decimal("167.50"), Decimal("153.50")) == (FULL, CAMPAIGN)
    with freeze_time(campaign.starts_at - TICK):
        assert basket_total() == FULL
    with freeze_time(campaign.starts_at):
        assert basket_total() == CAMPAIGN
    with freeze_time(campaign.ends_at):
        assert basket_total() == CAMPAIGN
    with freeze_time(campaign.ends_at + TICK):
        assert basket_total() == FULL


def test_pausing_stops_the_price_and_resuming_brings_it_back(campaign):
    during = campaign.starts_at + datetime.timedelta(minutes=10)
    with freeze_time(during):
        services.campaign_pause(campaign=campaign)
        assert basket_total() == FULL
        services.campaign_resume(campaign=campaign)
        assert basket_total() == CAMPAIGN


def test_ending_early_stops_the_price_for_good(campaign):
    during = campaign.starts_at + datetime.timedelta(minutes=10)
    with freeze_time(during):
        services.campaign_end(campaign=campaign)
    with freeze_time(during + datetime.timedelta(seconds=1)):
        assert basket_total() == FULL
        with pytest.raises(Exception, match="只有直播中的活动可以暂停"):
            services.campaign_pause(campaign=campaign)


def test_a_product_taken_off_sale_for_the_stream_goes_back_to_the_shop_price(campaign):
    product = Product.objects.get(upc="YX-DC-003")
    with freeze_time(campaign.starts_at + datetime.timedelta(minutes=1)):
        services.campaign_product_on_sale(campaign=campaign, product_id=product.pk, on_sale=False)
        assert basket_total() == CAMPAIGN + Decimal("4.00") * 2
        services.campaign_product_on_sale(campaign=campaign, product_id=product.pk, on_sale=True)
        assert basket_total() == CAMPAIGN


def test_the_offer_is_an_oscar_site_offer_with_the_schedule_and_the_priced_products(campaign):
    offer = CampaignLive.objects.get(campaign=campaign).offer
    assert offer.offer_type == ConditionalOffer.SITE
    assert (offer.start_datetime, offer.end_datetime) == (campaign.starts_at, campaign.ends_at)
    assert offer.status == ConditionalOffer.OPEN
    assert sorted(offer.benefit.range.all_products().values_list("upc", flat=True)) == [
        "YX-DC-003",
        "YX-DC-004",
    ]


def test_an_unpublished_campaign_has_no_price(campaign):
    with freeze_time(campaign.starts_at + datetime.timedelta(minutes=1)):
        campaign.unpublish()
        assert basket_total() == FULL
        assert (
            CampaignLive.objects.get(campaign=campaign).offer.status == ConditionalOffer.SUSPENDED
        )


def test_pausing_an_upcoming_stream_is_refused_and_changes_nothing(campaign):
    with pytest.raises(Exception, match="只有直播中的活动可以暂停"):
        services.campaign_pause(campaign=campaign)
    assert CampaignLive.objects.get(campaign=campaign).paused_at is None


def test_the_shop_pages_price_the_stream_in_its_hours_with_the_offers_windows_cached(
    campaign, client
):
    """The basket middleware keeps the open site offers' windows in the cache
    (shop/basket_middleware.py): the price still starts and stops on the dot, and a pause
    (the offer saved) is seen at once."""
    peanuts = Product.objects.get(upc="YX-DC-003")
    client.post(reverse("basket:add", kwargs={"pk": peanuts.pk}), {"quantity": 2})

    def total() -> Decimal:
        return client.get(reverse("basket:summary")).context["basket"].total_incl_tax

    with freeze_time(campaign.starts_at - TICK):
        assert total() == Decimal("79.60")
    assert cache.get(SITE_OFFERS_KEY)  # the windows are kept, this campaign's among them
    with freeze_time(campaign.starts_at):
        assert total() == Decimal("71.60")
        services.campaign_pause(campaign=campaign)
        assert total() == Decimal("79.60")
        services.campaign_resume(campaign=campaign)
        assert total() == Decimal("71.60")
    with freeze_time(campaign.ends_at + TICK):
        assert total() == Decimal("79.60")
