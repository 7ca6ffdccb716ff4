"""Live counters: exact figures, served from the cache, a constant number of queries."""

import time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.core.loading import get_model

from cms.campaigns import pagecache
from cms.campaigns.selectors import campaign_counters
from cms.campaigns.services import campaign_sharer_add
from common.caching import refreshing_lock_key
from impact.models import AttributionEntry
from shop.payments.services import RefundLineRequest, order_refund_request
from tests.shop.payments.paying import pay_in_full

from .campaigns import make_campaign
from .orders import bulk_paid_orders, buy

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")
FIGURES = ("orders", "sales", "buyers", "households")


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def figures(data: dict) -> dict:
    return {name: data[name] for name in FIGURES}


def test_counters_count_paid_orders_net_sales_distinct_buyers_and_households_reached(
    client, django_user_model, django_capture_on_commit_callbacks
):
    campaign = make_campaign(
        code="COUNT1", products=[("YX-DC-003", "35.80"), ("YX-DC-004", "52.00")]
    )
    sharer = campaign_sharer_add(
        campaign=campaign, name="志愿者甲", role="volunteer", code="COUNT1-A"
    )
    fan, other, unpaid = client, type(client)(), type(client)()
    fan.get(f"/c/{sharer.code}/")
    other.get(f"/c/{campaign.code}/")
    unpaid.get(f"/c/{campaign.code}/")

    # Payments attribute on commit: run those callbacks as the real transactions would.
    with django_capture_on_commit_callbacks(execute=True):
        first = buy(fan, upc="YX-DC-003", quantity=2, email="a@example.com")  # 2 × 35.80
        tea = buy(other, upc="YX-DC-004", quantity=1, email="b@example.com")  # 52.00, refunded
        buy(fan, upc="YX-DC-003", quantity=1, email="A@example.com")  # the same buyer again
        buy(unpaid, upc="YX-DC-003", quantity=1, email="c@example.com", pay=False)
    assert first.total_incl_tax == Decimal("71.60")
    with django_capture_on_commit_callbacks(execute=True):
        order_refund_request(
            order=tea,
            lines=[RefundLineRequest(line_id=tea.lines.get().pk, quantity=1)],
            reason="买家退货",
            by=django_user_model.objects.get(username="admin"),
        )
    # The tea reached three households (东川 4, 5, 7) and was reversed; the peanuts reach eight
    # (2, 4, 5 and demo/data.py's 530113-0037, -0039, -0040, -0042, -0043), two of them the
    # tea's too: the one reached only by the refunded tea (7) does not count.
    assert AttributionEntry.objects.filter(line__order=tea).count() == 6
    peanut_households = set(
        AttributionEntry.objects.filter(line__product__upc="YX-DC-003").values_list(
            "household", flat=True
        )
    )
    tea_households = set(
        AttributionEntry.objects.filter(line__order=tea).values_list("household", flat=True)
    )
    assert len(peanut_households) == 8 and len(tea_households - peanut_households) == 1

    response = client.get(reverse("campaigns:counters", args=[campaign.pk]))
    assert response.status_code == 200
    assert figures(response.json()) == {
        "orders": 3,
        "sales": "107.40",
        "buyers": 2,
        "households": 8,
    }
    assert response.json()["state"] == "live"
    assert response["Cache-Control"] == "public, max-age=2"


def test_a_payment_refreshes_the_cached_counters_at_once(
    client, django_capture_on_commit_callbacks
):
    campaign = make_campaign(code="COUNT2", products=[("YX-DC-003", None)])
    client.get("/c/COUNT2/")
    url = reverse("campaigns:counters", args=[campaign.pk])
    order = buy(client, upc="YX-DC-003", quantity=1, email="d@example.com", pay=False)
    assert client.get(url).json()["orders"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        pay_in_full(
            order, by=get_user_model().objects.get(username="admin"), reference="REF-COUNT2"
        )
    assert figures(client.get(url).json()) == {
        "orders": 1,
        "sales": "39.80",
        "buyers": 1,
        "households": 8,  # the peanuts' eight linked households (above)
    }


def test_counters_are_served_from_the_cache_until_it_expires(client, monkeypatch):
    # Served from the cache while it holds them: a lifetime no run of the test can outlast.
    monkeypatch.setattr(pagecache, "COUNTERS_SECONDS", 3600)
    campaign = make_campaign(code="COUNT3")
    url = reverse("campaigns:counters", args=[campaign.pk])
    client.get(url)
    bulk_paid_orders(campaign=campaign, count=3, buyers=3)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).json()["orders"] == 0
    assert len(queries) == 0

    # Then kept for COUNTERS_SECONDS only (the real one is a few seconds; one here): once
    # that has passed, the next request counts again. (A slower machine only waits longer.)
    monkeypatch.setattr(pagecache, "COUNTERS_SECONDS", 1)
    cache.delete(pagecache.counters_key(campaign_id=campaign.pk))
    assert client.get(url).json()["orders"] == 3
    bulk_paid_orders(campaign=campaign, count=1, buyers=1, first=3)
    time.sleep(1.2)
    assert client.get(url).json()["orders"] == 4


def _endpoint_queries(client, campaign) -> tuple[int, dict]:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("campaigns:counters", args=[campaign.pk]))
    assert response.status_code == 200
    return len(queries), response.json()


def test_the_endpoint_costs_the_same_four_queries_with_10_and_with_10000_orders(client):
    small = make_campaign(code="SMALL1", slug="small")
    large = make_campaign(code="LARGE1", slug="large")
    bulk_paid_orders(campaign=small, count=10, buyers=4)
    bulk_paid_orders(campaign=large, count=10_000, buyers=2_500)

    small_queries, small_data = _endpoint_queries(client, small)
    large_queries, large_data = _endpoint_queries(client, large)
    assert figures(small_data) == {"orders": 10, "sales": "100.00", "buyers": 4, "households": 1}
    assert figures(large_data) == {
        "orders": 10_000,
        "sales": "100000.00",
        "buyers": 2_500,
        "households": 1,
    }
    assert small_queries == large_queries == 4

    with CaptureQueriesContext(connection) as cached:
        client.get(reverse("campaigns:counters", args=[large.pk]))
    assert len(cached) == 0


def test_counters_of_an_unknown_or_unpublished_campaign_are_not_found(client):
    draft = make_campaign(code="DRAFT2", publish=False)
    assert client.get(reverse("campaigns:counters", args=[draft.pk])).status_code == 404
    assert client.get(reverse("campaigns:counters", args=[999_999])).status_code == 404


def test_counters_selector_without_orders_is_all_zero():
    campaign = make_campaign(code="ZERO01")
    assert figures(campaign_counters(campaign_id=campaign.pk)) == {
        "orders": 0,
        "sales": "0.00",
        "buyers": 0,
        "households": 0,
    }


def test_an_old_copy_is_served_without_a_query_while_another_process_recounts(client):
    campaign = make_campaign(code="COUNT4")
    url = reverse("campaigns:counters", args=[campaign.pk])
    assert client.get(url).json()["orders"] == 0
    bulk_paid_orders(campaign=campaign, count=2, buyers=2)
    key = pagecache.counters_key(campaign_id=campaign.pk)
    _fresh_until, counters = cache.get(key)
    cache.set(key, (time.time() - 1, counters), 60)  # grown old
    cache.add(refreshing_lock_key(key), 1, 60)  # and another process is recounting
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).json()["orders"] == 0
    assert len(queries) == 0

    cache.delete(refreshing_lock_key(key))  # that process died: the next request recounts
    assert client.get(url).json()["orders"] == 2
