"""The catalogue's sort 最需要帮扶 (issue #21): products by lift per ¥1,000 to households in
warning, best first, in both search backends (Whoosh in the embedded default, PostgreSQL),
read from the current figures, at a flat number of queries.

The demo's lifts, by hand (tests/units/test_help_first.py says how): 红土地苦荞面 ¥652.30,
禄劝苦荞米 ¥300.00, 东川七彩花生 ¥265.63, 东川老鹰茶 ¥250.00, then ¥50.00 each: 东川's two
(taking one household over the line) before 寻甸玫香's three (none), each in product order;
products that reach nobody in warning last.
"""

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from oscar.core.loading import get_model

from impact.models import LiftFigure
from impact.targeting import targeting_refresh_all
from tests.shop.test_query_counts import CATALOGUE_PAGE, SEARCH_PAGE

Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db

BEST_FIRST = [
    "YX-DC-005",
    "YX-LQ-003",
    "YX-DC-003",
    "YX-DC-004",
    "YX-DC-001",
    "YX-DC-002",
    "YX-MX-001",
    "YX-MX-002",
    "YX-MX-003",
]
# Whoosh's matches are ordered by one more query (the figures of the matches), on each of the
# two searches a page makes (Haystack's paginator and Oscar's view); PostgreSQL orders by the
# figures inside its search query.
LIFT_ORDER = 0 if settings.SEARCH_BACKEND == "postgres" else 2


@pytest.fixture(autouse=True)
def refreshed():
    targeting_refresh_all()


def upcs(response) -> list[str]:
    return [result.object.upc for result in response.context["page_obj"].object_list]


def test_the_catalogue_sorts_by_lift_best_first(client):
    client.cookies["django_language"] = "zh-hans"
    response = client.get(reverse("catalogue:index"), {"sort_by": "help-first"})
    assert response.status_code == 200
    found = upcs(response)
    assert found[: len(BEST_FIRST)] == BEST_FIRST
    assert len(found) == Product.objects.browsable().count()
    html = response.content.decode()
    assert '<option value="help-first" selected>' in html


def test_the_order_follows_the_figures_without_re_indexing(client):
    # A figure changes (as a refresh after a payout would change it): the order follows at once.
    potato = Product.objects.get(upc="YX-DC-001")
    LiftFigure.objects.filter(scope="product", scope_id=potato.pk).update(
        to_warning=Decimal("700.00")  # above 苦荞面's ¥652.30
    )
    found = upcs(client.get(reverse("catalogue:index"), {"sort_by": "help-first"}))
    assert found[:3] == ["YX-DC-001", "YX-DC-005", "YX-LQ-003"]


def test_a_search_sorts_by_lift_too(client):
    response = client.get(reverse("search:search"), {"q": "玫瑰", "sort_by": "help-first"})
    # The three rose products tie at ¥50.00 and no crossing: in product order.
    assert upcs(response) == ["YX-MX-001", "YX-MX-002", "YX-MX-003"]


def test_a_county_filter_and_the_sort_go_together(client):
    response = client.get(
        reverse("catalogue:index"),
        {"sort_by": "help-first", "selected_facets": "county:东川区"},
    )
    assert upcs(response)[:5] == ["YX-DC-005", "YX-DC-003", "YX-DC-004", "YX-DC-001", "YX-DC-002"]


def test_the_sorted_catalogue_costs_the_same_queries_at_two_sizes(
    client, django_assert_num_queries, indexed_products
):
    url = reverse("catalogue:index") + "?sort_by=help-first"
    client.get(url)
    with django_assert_num_queries(CATALOGUE_PAGE + LIFT_ORDER):
        fourteen = client.get(url)
    assert len(fourteen.context["page_obj"].object_list) == 14
    indexed_products(20, title="排序商品 {}", code="SORT-{}")
    client.get(url)
    with django_assert_num_queries(CATALOGUE_PAGE + LIFT_ORDER):
        full_page = client.get(url)
    assert len(full_page.context["page_obj"].object_list) == 24
    assert upcs(full_page)[: len(BEST_FIRST)] == BEST_FIRST
    # The second page: the rest, products without a figure last.
    second = client.get(url + "&page=2")
    assert len(second.context["page_obj"].object_list) == 10


def test_the_sorted_search_costs_what_a_search_costs(client, django_assert_num_queries):
    url = reverse("search:search")
    client.get(url, {"q": "玫瑰", "sort_by": "help-first"})
    with django_assert_num_queries(SEARCH_PAGE + LIFT_ORDER):
        client.get(url, {"q": "玫瑰", "sort_by": "help-first"})
