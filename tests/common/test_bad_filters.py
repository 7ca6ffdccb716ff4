"""A malformed filter value gets a 400 naming the parameter, never a 500 (issue #17).

Before: ``?county=abc`` (and ``township``, ``p``) on the household list was a 500, and
other pages quietly ignored what they could not read. Now every back-office and report
page that reads a filter from the query string answers 400 with the page saying, in
Chinese, which parameter was wrong (common/filters.py).
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from impact.models import Household

pytestmark = pytest.mark.django_db

BAD_VALUES = ["abc", "-1", "99999999999999999999", "2026-13-45"]

# (path, parameter), as a superuser of the back office
BACKOFFICE = [
    ("/cms/impact/households/", "county"),
    ("/cms/impact/households/", "township"),
    ("/cms/impact/households/", "level"),
    ("/cms/impact/households/", "kind"),
    ("/cms/impact/households/", "p"),
    ("/cms/impact/households/{household}/", "attributions"),
    ("/cms/impact/households/{household}/", "payout_year"),
    ("/cms/impact/clues/", "p"),
    ("/cms/impact/notices/", "village"),
    ("/cms/impact/reports/", "county"),
    ("/cms/impact/reports/", "region"),
    ("/cms/impact/reports/platform/", "county"),
    ("/cms/impact/reports/breakdowns/", "county"),
    ("/cms/impact/reports/breakdowns/", "by"),
    ("/cms/impact/reports/arrears/", "county"),
    ("/cms/impact/payouts/follow-ups/", "verification"),
    ("/cms/impact/payouts/follow-ups/", "producer"),
    ("/cms/impact/payouts/follow-ups/", "village"),
    ("/cms/impact/payouts/follow-ups/", "page"),
    ("/cms/producers/", "status"),
    ("/cms/units/", "status"),
    ("/shop/dashboard/orders/producer-impact/", "partner"),
]


@pytest.fixture
def operator_client() -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))  # the demo's superuser
    return client


def _path(template: str) -> str:
    household = Household.objects.order_by("pk").first()
    return template.format(household=household.pk if household else 0)


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize(("page", "parameter"), BACKOFFICE)
def test_a_malformed_filter_is_a_400_that_names_it(operator_client, page, parameter, value):
    response = operator_client.get(_path(page), {parameter: value})
    assert response.status_code == 400
    text = response.content.decode()
    assert f"筛选参数“{parameter}”的值无效" in text
    assert "99999999999999999999" not in text  # the value is not echoed back


@pytest.mark.parametrize(
    ("page", "parameter"),
    # the notice list is a form whose village is required: asked for without one, it says so
    [(page, parameter) for page, parameter in BACKOFFICE if page != "/cms/impact/notices/"],
)
def test_an_empty_filter_means_no_filter(operator_client, page, parameter):
    assert operator_client.get(_path(page), {parameter: ""}).status_code == 200


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("/cms/impact/households/", {"county": "1", "level": "5", "kind": "marginal", "p": "2"}),
        ("/cms/impact/reports/breakdowns/", {"by": "product"}),
        ("/cms/impact/payouts/follow-ups/", {"page": "3", "verification": "disputed"}),
        ("/cms/producers/", {"status": "approved"}),
    ],
)
def test_well_formed_filters_still_answer(operator_client, page, query):
    assert operator_client.get(page, query).status_code == 200


@pytest.mark.parametrize("value", BAD_VALUES)
def test_a_malformed_year_on_the_unit_plan_is_a_400(value):
    from tests.units import factories

    finance = factories.member(of=factories.unit(), role="finance")
    client = Client()
    client.force_login(finance)
    response = client.get("/shop/unit/plan/", {"year": value})
    assert response.status_code == 400
    assert "筛选参数“year”的值无效" in response.content.decode()


@pytest.mark.parametrize("parameter", ["start", "end"])
@pytest.mark.parametrize("value", BAD_VALUES)
def test_a_malformed_date_on_the_notice_list_is_a_400_on_that_field(
    operator_client, parameter, value
):
    """The notice list reads its dates through a form: the field itself carries the error."""
    from impact.models import Region

    village = Region.objects.filter(level="village").order_by("pk").first()
    query = {"village": village.pk, "start": "2026-01-01", "end": "2026-01-31", parameter: value}
    response = operator_client.get("/cms/impact/notices/", query)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [parameter]
