"""Campaign credit is bounded: the campaign's own products, ordered while its code is valid."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone
from freezegun import freeze_time
from oscar.core.loading import get_model

from cms.campaigns.selectors import campaign_counters, campaign_report
from cms.campaigns.services import SESSION_KEY
from cms.models import CampaignOrder, CampaignOrderLine
from impact.ledger.rollups import rollups_differences
from impact.models import AttributionEntry
from impact.monitoring.access import Scope
from impact.reporting.staff import period_parse, report_breakdown
from tests.shop.checkout_flow import basket_add, checkout_to_preview, order_place
from tests.shop.payments.paying import pay_in_full

from .campaigns import make_campaign
from .orders import buy

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _campaign_row(campaign, year: int):
    rows = report_breakdown(scope=Scope(None), period=period_parse(str(year)), by="campaign")
    return next((row for row in rows if row.key == campaign.pk), None)


def test_a_link_opened_a_week_before_the_stream_does_not_credit_another_countys_potatoes(
    client, django_capture_on_commit_callbacks
):
    """The issue's buyer: opened 寻甸's stream link a week ahead, later bought 东川's potatoes."""
    starts_at = timezone.now() + datetime.timedelta(days=7)
    campaign = make_campaign(
        code="XD0701", starts_at=starts_at, products=[("YX-XD-001", "108.00")], slug="xd"
    )
    client.get("/c/XD0701/")  # a week before the stream: remembered in the session
    assert client.session[SESSION_KEY]["campaign"] == campaign.pk

    with django_capture_on_commit_callbacks(execute=True):
        # The day before the stream: even the campaign's own mutton is not its sale yet.
        with freeze_time(starts_at - datetime.timedelta(days=1)):
            early = buy(client, upc="YX-XD-001", quantity=1, email="early@example.com")
        # During the stream, the same buyer buys another county's potatoes.
        with freeze_time(starts_at + datetime.timedelta(minutes=30)):
            potatoes = buy(client, upc="YX-DC-001", quantity=2, email="later@example.com")

    assert not CampaignOrder.objects.filter(order__in=[early, potatoes]).exists()
    assert not CampaignOrderLine.objects.exists()
    report = campaign_report(campaign=campaign)
    assert report.totals == {"orders": 0, "buyers": 0, "sales": Decimal("0"), "quantity": 0}
    assert report.by_product == [] and report.by_hour == []
    assert campaign_counters(campaign_id=campaign.pk)["sales"] == "0.00"
    assert _campaign_row(campaign, starts_at.year) is None
    assert rollups_differences() == []


def test_a_mixed_basket_credits_only_the_campaigns_own_lines_to_the_fen(
    client, django_capture_on_commit_callbacks
):
    campaign = make_campaign(code="MIX001", products=[("YX-XD-001", "108.00")], slug="mix")
    client.get("/c/MIX001/")
    basket_add(client, upc="YX-XD-001", quantity=2)  # the stream's mutton at ¥108.00
    basket_add(client, upc="YX-DC-001", quantity=3)  # 东川's potatoes at ¥29.90: not the stream's
    checkout_to_preview(client, upc=None, email="mixed@example.com")
    order_place(client)
    order = Order.objects.get(guest_email="mixed@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        pay_in_full(order, by=get_user_model().objects.get(username="admin"))

    mutton = order.lines.get(upc="YX-XD-001")
    potatoes = order.lines.get(upc="YX-DC-001")
    assert potatoes.line_price_incl_tax == Decimal("89.70")  # in the order, not in the campaign
    credited = CampaignOrderLine.objects.get()
    assert (credited.line_id, credited.campaign_id) == (mutton.pk, campaign.pk)
    assert (
        not hasattr(potatoes, "campaign_line")
        or not CampaignOrderLine.objects.filter(line=potatoes).exists()
    )

    report = campaign_report(campaign=campaign)
    assert report.totals == {
        "orders": 1,
        "buyers": 1,
        "sales": Decimal("216.00"),  # 2 × ¥108.00, the potatoes left out
        "quantity": 2,
    }
    assert [(row["upc"], row["quantity"], row["sales"]) for row in report.by_product] == [
        ("YX-XD-001", 2, Decimal("216.00"))
    ]
    assert [row["sales"] for row in report.by_sharer] == [Decimal("216.00")]
    assert [row["sales"] for row in report.by_hour] == [Decimal("216.00")]
    counters = campaign_counters(campaign_id=campaign.pk)
    assert (counters["orders"], counters["sales"]) == (1, "216.00")

    # The staff breakdown by campaign reads the same lines from the summaries: the same figure,
    # and the income due to households only from the mutton's links (寻甸岚峰: ¥15.00 a unit,
    # 6% wages, 4% dividends of ¥216.00).
    row = _campaign_row(campaign, timezone.localdate().year)
    assert row is not None
    assert row.sales == Decimal("216.00")
    assert row.attributed == Decimal("30.00") + Decimal("12.96") + Decimal("8.64")
    ledger = AttributionEntry.objects.filter(line=mutton).aggregate(total=Sum("amount"))["total"]
    assert row.attributed == ledger
    assert rollups_differences() == []


def test_an_order_during_the_stream_through_a_sharer_is_credited(
    client, django_capture_on_commit_callbacks
):
    campaign = make_campaign(code="LIVE77", products=[("YX-XD-001", None)], slug="during")
    client.get("/shop/?code=LIVE77")
    with django_capture_on_commit_callbacks(execute=True):
        order = buy(client, upc="YX-XD-001", quantity=1, email="during@example.com")
    credited = CampaignOrder.objects.get(order=order)
    assert credited.campaign_id == campaign.pk
    assert list(credited.lines.values_list("line_id", flat=True)) == [order.lines.get().pk]
    report = campaign_report(campaign=campaign)
    assert report.totals["sales"] == Decimal("118.00")  # the shop's price, no campaign price
    assert campaign_counters(campaign_id=campaign.pk)["sales"] == "118.00"


def test_the_report_states_the_credit_rule_in_one_sentence(client):
    campaign = make_campaign(code="RULE01", products=[("YX-XD-001", None)], slug="rule")
    client.force_login(get_user_model().objects.get(username="admin"))
    page = client.get(f"/cms/campaigns/{campaign.pk}/report/").content.decode()
    assert (
        "只计入本场活动自己的商品：通过本场活动或分享员的代码、在直播开始至结束后 7 天内下单的订单行；"
        "同一订单中的其他商品不计入。"
    ) in page
    assert "口径：已付款，扣除退款" in page
