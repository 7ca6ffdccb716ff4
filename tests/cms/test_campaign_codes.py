"""Campaign and sharer codes: visit → session → order; unknown, expired and reused codes."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from freezegun import freeze_time
from oscar.core.loading import get_model

from cms.campaigns.services import SESSION_KEY, campaign_sharer_add
from cms.models import CampaignOrder, CampaignSharer
from tests.shop.checkout_flow import checkout_to_preview, order_place

from .campaigns import make_campaign

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")


def place_order(client, *, upc: str = "YX-DC-003", email: str = "fan@example.com"):
    checkout_to_preview(client, upc=upc, email=email)
    order_place(client)
    return Order.objects.get(guest_email=email)


def test_an_order_after_a_sharer_link_carries_the_campaign_and_the_sharer(client):
    campaign = make_campaign(code="LIVE01", products=[("YX-DC-003", "35.80")])
    sharer = campaign_sharer_add(
        campaign=campaign, name="志愿者甲", role="volunteer", code="live01-a"
    )
    assert sharer.code == "LIVE01-A"

    response = client.get("/c/live01-a/")
    assert response.status_code == 302
    assert response["Location"] == campaign.url
    assert client.session[SESSION_KEY] == {"campaign": campaign.pk, "sharer": sharer.pk}

    order = place_order(client)
    link = CampaignOrder.objects.get(order=order)
    assert (link.campaign_id, link.sharer_id) == (campaign.pk, sharer.pk)
    assert order.campaign_order.campaign == campaign


def test_a_page_visited_with_the_campaign_code_carries_the_campaign_without_a_sharer(client):
    campaign = make_campaign(code="LIVE02", products=[("YX-DC-003", None)])
    response = client.get(campaign.url + "?code=LIVE02")
    assert response.status_code == 200
    order = place_order(client)
    link = CampaignOrder.objects.get(order=order)
    assert (link.campaign_id, link.sharer_id) == (campaign.pk, None)


def test_the_last_code_visited_wins(client):
    # Both feature the peanuts: a campaign is credited only with its own products.
    first = make_campaign(code="FIRST1", slug="first", products=[("YX-DC-003", None)])
    second = make_campaign(code="SECOND", slug="second", products=[("YX-DC-003", None)])
    sharer = campaign_sharer_add(campaign=second, name="店员乙", role="shop_assistant")
    client.get("/c/FIRST1/")
    client.get(f"/shop/?code={sharer.code}")
    order = place_order(client)
    assert CampaignOrder.objects.get(order=order).campaign_id == second.pk
    assert first.orders.count() == 0


def test_an_unknown_code_carries_nothing(client):
    make_campaign(code="LIVE03", products=[("YX-DC-003", None)])
    response = client.get("/c/NOSUCH/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    page = response.content.decode()
    assert "找不到这个分享链接" in page
    assert 'href="/campaigns/"' in page  # the way on: the campaigns
    assert SESSION_KEY not in client.session
    client.get("/shop/?code=NOPE")
    assert SESSION_KEY not in client.session
    order = place_order(client)
    assert not CampaignOrder.objects.filter(order=order).exists()


def test_a_code_expires_seven_days_after_the_stream_and_then_carries_nothing(client):
    ended = timezone.now() - datetime.timedelta(days=7, hours=1)
    make_campaign(
        code="OLD001",
        starts_at=ended - datetime.timedelta(hours=2),
        slug="old",
        products=[("YX-DC-003", None)],
    )
    response = client.get("/c/OLD001/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 410
    page = response.content.decode()
    assert "这个分享链接已过期" in page
    assert 'href="/campaigns/old/"' in page  # the way on: the campaign (its replay)
    assert 'href="/campaigns/"' in page  # and the campaigns
    assert SESSION_KEY not in client.session
    order = place_order(client)
    assert not CampaignOrder.objects.filter(order=order).exists()


def test_a_code_of_an_ended_stream_still_counts_within_seven_days_for_replay_buyers(client):
    ended = timezone.now() - datetime.timedelta(days=6)
    campaign = make_campaign(
        code="REPLAY",
        starts_at=ended - datetime.timedelta(hours=2),
        slug="replay",
        products=[("YX-DC-003", None)],
    )
    client.get("/c/REPLAY/")
    order = place_order(client)
    assert CampaignOrder.objects.get(order=order).campaign_id == campaign.pk


def test_a_code_remembered_before_it_expired_carries_nothing_after(client):
    campaign = make_campaign(code="EXPIRE", hours=1, products=[("YX-DC-003", None)])
    client.get("/c/EXPIRE/")
    assert client.session[SESSION_KEY]["campaign"] == campaign.pk
    with freeze_time(campaign.ends_at + datetime.timedelta(days=7, seconds=1)):
        # The demo products stay certified for longer than this.
        order = place_order(client)
    assert not CampaignOrder.objects.filter(order=order).exists()


def test_an_unpublished_campaigns_code_carries_nothing(client):
    make_campaign(code="DRAFT1", publish=False)
    response = client.get("/c/DRAFT1/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404  # told apart from nothing: a draft is not announced
    assert "找不到这个分享链接" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_an_expired_sharers_link_says_so_and_leads_to_its_campaign(client):
    ended = timezone.now() - datetime.timedelta(days=8)
    campaign = make_campaign(
        code="OLD002", starts_at=ended - datetime.timedelta(hours=2), slug="old-shared"
    )
    sharer = campaign_sharer_add(campaign=campaign, name="志愿者丙", role="volunteer", code="old-s")
    response = client.get(f"/c/{sharer.code}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 410
    page = response.content.decode()
    assert "这个分享链接已过期" in page
    assert f"“{campaign.title}”的分享链接在直播结束一周后失效" in page
    assert 'href="/campaigns/old-shared/"' in page
    assert SESSION_KEY not in client.session


def test_a_valid_share_link_still_opens_its_campaign(client):
    make_campaign(code="LIVE09", slug="live-nine")
    response = client.get("/c/live09/")
    assert response.status_code == 302
    assert response["Location"] == "/campaigns/live-nine/"
    assert client.session[SESSION_KEY]["sharer"] is None


def test_an_order_without_a_code_has_no_campaign(client):
    make_campaign(code="LIVE04", products=[("YX-DC-003", None)])
    order = place_order(client)
    assert not CampaignOrder.objects.filter(order=order).exists()


def test_a_code_cannot_be_reused_across_campaigns_or_sharers():
    first = make_campaign(code="SAME01", slug="one")
    second = make_campaign(slug="two")
    assert second.code and second.code != "SAME01"  # made up when left empty
    second.code = "same01"
    with pytest.raises(ValidationError) as error:
        second.full_clean()
    assert error.value.message_dict["code"] == ["这个代码已被其他活动或分享员使用。"]

    with pytest.raises(ValidationError) as error:
        campaign_sharer_add(campaign=second, name="甲", role="cadre", code="SAME01")
    assert error.value.message_dict["code"] == ["这个代码已被其他活动或分享员使用。"]
    campaign_sharer_add(campaign=first, name="乙", role="cadre", code="SHARE1")
    with pytest.raises(ValidationError):
        campaign_sharer_add(campaign=second, name="丙", role="cadre", code="share1")
    second.code = "SHARE1"
    with pytest.raises(ValidationError):
        second.full_clean()
    assert CampaignSharer.objects.filter(code="SHARE1").count() == 1


def test_a_malformed_sharer_code_is_refused_and_nothing_is_written():
    campaign = make_campaign(code="LIVE05")
    with pytest.raises(ValidationError) as error:
        campaign_sharer_add(campaign=campaign, name="丁", role="cadre", code="有空格 的码")
    assert "code" in error.value.message_dict
    assert campaign.sharers.count() == 0
