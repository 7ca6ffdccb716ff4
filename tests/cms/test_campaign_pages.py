"""Campaign pages: index by state, home page, the page in each state, the anonymous page cache."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from cms.campaigns import services
from cms.campaigns.pagecache import campaign_caches_clear

from .campaigns import make_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_index_lists_live_upcoming_and_past_campaigns(client):
    now = timezone.now()
    live = make_campaign(code="NOW001", slug="now")
    soon = make_campaign(code="SOON01", slug="soon", starts_at=now + datetime.timedelta(days=1))
    response = client.get("/campaigns/")
    assert response.status_code == 200
    assert [c.pk for c in response.context["live_campaigns"]] == [live.pk]
    upcoming = [c.slug for c in response.context["upcoming_campaigns"]]
    assert upcoming[0] == "soon" and "xundian-ecommerce-festival-day-1" in upcoming
    assert [c.slug for c in response.context["past_campaigns"]] == ["dongchuan-hongtudi-0603"]
    with freeze_time(soon.ends_at + datetime.timedelta(seconds=1)):
        later = client.get("/campaigns/")
        assert [c.slug for c in later.context["past_campaigns"]][:2] == ["soon", "now"]
        assert later.context["live_campaigns"] == []


def test_home_page_shows_the_live_and_next_campaigns(client):
    live = make_campaign(code="HOME01", slug="home-live")
    response = client.get("/")
    slugs = [c.slug for c in response.context["campaigns"]]
    assert slugs == [live.slug, "xundian-ecommerce-festival-day-1"]
    assert "直播中" in response.content.decode()


def test_the_page_in_each_state(client):
    starts_at = timezone.now() + datetime.timedelta(hours=1)
    campaign = make_campaign(code="STATES", starts_at=starts_at, products=[("YX-DC-003", "35.80")])
    with freeze_time(starts_at - datetime.timedelta(minutes=5)):
        html = client.get(campaign.url).content.decode()
        assert 'data-state="upcoming"' in html and "即将开播" in html
        assert 'id="campaign-countdown"' in html
    cache.clear()
    with freeze_time(starts_at + datetime.timedelta(minutes=5)):
        html = client.get(campaign.url).content.decode()
        assert 'data-state="live"' in html and 'id="campaign-stream"' in html
        assert "¥35.80" in html
        services.campaign_pause(campaign=campaign)
        campaign_caches_clear(campaign_id=campaign.pk)  # as the pause's commit does
        html = client.get(campaign.url).content.decode()
        assert 'data-state="paused"' in html and "暂停" in html
    cache.clear()
    with freeze_time(campaign.ends_at + datetime.timedelta(minutes=5)):
        html = client.get(campaign.url).content.decode()
        assert 'data-state="ended"' in html
        assert 'id="campaign-replay"' in html and "https://live.example/replay" in html
        assert 'id="campaign-stream"' not in html


def test_demo_past_campaign_shows_its_replay(client):
    html = client.get("/campaigns/dongchuan-hongtudi-0603/").content.decode()
    assert "观看回放" in html and "https://live.yixiang.example/dongchuan-0603/replay" in html


def test_anonymous_visitors_get_the_cached_page_with_their_own_csrf_token(client):
    from django.test import Client

    campaign = make_campaign(code="CACHE1", products=[("YX-DC-003", "35.80")])
    first = Client(enforce_csrf_checks=True)
    response = first.get(campaign.url)
    assert response.status_code == 200
    token_one = first.cookies["csrftoken"].value
    second = Client(enforce_csrf_checks=True)
    with CaptureQueriesContext(connection) as queries:
        cached = second.get(campaign.url)
    assert len(queries) == 0  # answered from the cache
    assert cached.status_code == 200
    token_two = second.cookies["csrftoken"].value
    assert token_one != token_two
    html = cached.content.decode()
    assert "yx-csrf-placeholder" not in html
    # The token in the add-to-basket form works for that visitor.
    import re

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    from oscar.core.loading import get_model

    peanuts = get_model("catalogue", "Product").objects.get(upc="YX-DC-003")
    added = second.post(
        f"/shop/basket/add/{peanuts.pk}/", {"quantity": 1, "csrfmiddlewaretoken": token}
    )
    assert added.status_code == 302


def test_a_host_action_clears_the_cached_page(client):
    campaign = make_campaign(code="CACHE2")
    client.get(campaign.url)
    assert 'data-state="live"' in client.get(campaign.url).content.decode()
    services.campaign_pause(campaign=campaign)
    # on_commit does not run inside the test transaction: clear as the commit would.
    campaign_caches_clear(campaign_id=campaign.pk)
    assert 'data-state="paused"' in client.get(campaign.url).content.decode()


def test_logged_in_visitors_are_never_served_the_shared_page(client, django_user_model):
    campaign = make_campaign(code="CACHE3")
    client.get(campaign.url)  # cached for anonymous visitors
    user = django_user_model.objects.create_user(username="fan", password="fan-pass-123")
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(campaign.url)
    assert response.status_code == 200
    assert len(queries) > 0  # rendered for this visitor, not taken from the cache
