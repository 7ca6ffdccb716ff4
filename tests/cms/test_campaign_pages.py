"""Campaign pages: index by state, home page, the page in each state, the anonymous page cache."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time
from oscar.core.loading import get_model

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


def _signed_in_buyer_with_a_basket(client, django_user_model):
    user = django_user_model.objects.create_user(
        username="fan", email="fan@example.com", password="fan-pass-123"
    )
    client.force_login(user)
    peanuts = get_model("catalogue", "Product").objects.get(upc="YX-DC-003")
    assert client.post(f"/shop/basket/add/{peanuts.pk}/", {"quantity": 3}).status_code == 302
    client.get("/shop/basket/")  # read the flash message: no messages cookie left
    client.cookies.pop("messages", None)
    return user


def test_signed_in_buyers_get_the_shared_page_and_fetch_their_own_parts(client, django_user_model):
    campaign = make_campaign(code="CACHE3", products=[("YX-DC-003", "35.80")])
    Client().get(campaign.url)  # rendered and cached for an anonymous visitor
    _signed_in_buyer_with_a_basket(client, django_user_model)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(campaign.url)
    assert response.status_code == 200
    assert len(queries) == 0  # the shared page, from the cache
    html = response.content.decode()
    assert 'id="account_link"' not in html  # the anonymous visitor's links...
    assert 'data-load="1"' in html  # ...and the script is told to fetch this buyer's own

    parts = client.get("/campaigns/personal.json").json()["parts"]
    assert 'id="account_link"' in parts["oscar/partials/account_link.html"]
    assert 'data-count="3"' in parts["oscar/partials/mini_basket.html"]
    assert 'id="nav-unit"' in parts["oscar/partials/nav_primary.html"]


def test_the_page_rendered_for_a_signed_in_buyer_is_the_anonymous_one(client, django_user_model):
    campaign = make_campaign(code="CACHE4", products=[("YX-DC-003", "35.80")])
    _signed_in_buyer_with_a_basket(client, django_user_model)
    mine = client.get(campaign.url).content.decode()  # nothing cached yet: rendered now
    assert 'id="account_link"' not in mine
    assert 'data-load="1"' in mine

    anonymous = Client()
    with CaptureQueriesContext(connection) as queries:
        theirs = anonymous.get(campaign.url).content.decode()
    assert len(queries) == 0
    assert 'data-load="0"' in theirs
    assert 'id="account_link"' not in theirs
    assert 'data-count="0"' in theirs  # nobody's basket count
    assert 'id="nav-unit"' not in theirs
    assert "fan" not in theirs


def test_a_visitor_with_a_message_waiting_gets_the_page_rendered_for_them(
    client, django_user_model
):
    campaign = make_campaign(code="CACHE5", products=[("YX-DC-003", "35.80")])
    Client().get(campaign.url)  # cached
    peanuts = get_model("catalogue", "Product").objects.get(upc="YX-DC-003")
    client.post(f"/shop/basket/add/{peanuts.pk}/", {"quantity": 1})
    assert "messages" in client.cookies
    with CaptureQueriesContext(connection) as queries:
        response = client.get(campaign.url)
    assert len(queries) > 0  # rendered for this visitor
    assert "alert-success" in response.content.decode()  # the message, shown to them once


def test_the_personal_parts_are_an_anonymous_visitors_without_a_session_and_never_cached(client):
    response = client.get("/campaigns/personal.json")
    assert "no-store" in response["Cache-Control"]
    parts = response.json()["parts"]
    assert set(parts) == {
        "oscar/partials/account_link.html",
        "oscar/partials/mini_basket.html",
        "oscar/partials/nav_primary.html",
    }
    assert 'id="login_link"' in parts["oscar/partials/account_link.html"]
