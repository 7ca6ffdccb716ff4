"""Impact reports: each figure checked against totals computed independently from the ledger."""

import csv
import datetime
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from impact.ledger.rollups import level_snapshot_take, rollups_differences, rollups_rebuild
from impact.ledger.services import attribution_run
from impact.models import (
    Assessment,
    AttributionEntry,
    Clue,
    HelpMeasure,
    Household,
    HouseholdStatus,
    LevelSnapshot,
    Region,
    SalesLevelChange,
)
from impact.monitoring.access import Scope
from impact.monitoring.assessment import households_reassess
from impact.reporting import staff as reports
from impact.reporting.buyer import my_impact
from impact.reporting.producer import producer_impact
from impact.reporting.public import PublicGroup, fold_small_groups, public_figures
from producers.models import BenefitLink, Producer
from shop.payments.models import PaymentEvent, RefundLine
from shop.payments.services import (
    RefundLineRequest,
    order_payment_open,
    order_refund_request,
)
from shop.units.services import unit_order_record
from tests.impact import factories
from tests.producers.factories import buyer, producer_user, staff_user
from tests.producers.factories import order as make_order
from tests.shop.payments.paying import pay_in_full

pytestmark = pytest.mark.django_db
D = Decimal
ZERO = D("0.00")
THIS_YEAR = str(timezone.localdate().year)


def paid(lines, *, user=None, staff=None):
    """An order paid by bank transfer, its attribution run (as the on-commit task would)."""
    order = make_order(lines=lines, status="Pending payment", user=user)
    unit_order_record(
        order=order, user=user
    )  # as checkout does: a unit member's order is the unit's
    order_payment_open(order=order, method="transfer")
    pay_in_full(order, by=staff or staff_user())
    attribution_run(
        payment_event_id=PaymentEvent.objects.get(order_payment__order=order, kind="confirmed").pk
    )
    return order


def refund(order, line, *, quantity=0, amount=None):
    made = order_refund_request(
        order=order,
        lines=[RefundLineRequest(line_id=line.pk, quantity=quantity, amount=amount)],
        reason="",
        by=staff_user(),
    )
    attribution_run(payment_event_id=made.event.pk)
    return made


@pytest.fixture
def sales():
    """Three paid orders across two counties' producers, one line partly refunded."""
    first = paid([("YX-DC-004", 2), ("YX-DC-001", 3)], user=buyer("a@example.com"))
    second = paid([("YX-LQ-001", 4)])
    third = paid([("YX-DC-004", 1)])
    refund(first, first.lines.get(product__upc="YX-DC-004"), quantity=1)
    return [first, second, third]


# ---------------------------------------------------------------- independent figures


def ledger_by_household(entries) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        totals[entry.household_id] += entry.amount
    return {household: total for household, total in totals.items() if total > 0}


def median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return ((ordered[middle - 1] + ordered[middle]) / 2).quantize(D("0.01"))


def sold(orders) -> Decimal:
    lines = sum((line.line_price_incl_tax for o in orders for line in o.lines.all()), ZERO)
    refunded = RefundLine.objects.filter(line__order__in=orders).aggregate(t=Sum("amount"))["t"]
    return lines - (refunded or ZERO)


# ---------------------------------------------------------------- platform impact


def test_platform_figures_equal_the_ledger_to_the_fen(sales):
    period = reports.period_parse(THIS_YEAR)
    impact = reports.report_platform(scope=Scope(None), period=period)

    entries = list(AttributionEntry.objects.all())
    per_household = ledger_by_household(entries)
    assert impact.sales == sold(sales)
    assert impact.attributed == sum((e.amount for e in entries), ZERO)
    assert impact.households_reached == len(per_household)
    assert impact.median_per_household == median(list(per_household.values()))
    # Exact figures for this fixture, worked by hand from the demo links:
    # sales 2×58.00 + 3×29.90 + 4×… (see the demo prices), less one 58.00 unit refunded.
    assert impact.sales == D("116.00") + D("89.70") + D("4") * sales[
        1
    ].lines.get().unit_price_incl_tax + D("58.00") - D("58.00")
    assert impact.households_reached == 5
    assert sum(month_sales for _m, month_sales, _a in impact.months) == impact.sales
    assert rollups_differences() == []


def test_a_period_without_sales_reads_zero_and_no_median(sales):
    impact = reports.report_platform(scope=Scope(None), period=reports.period_parse("2019"))
    assert (impact.sales, impact.attributed, impact.households_reached) == (ZERO, ZERO, 0)
    assert impact.median_per_household is None
    assert impact.moved_out_of_warning == 0


def test_only_level_changes_payouts_made_the_difference_for_are_counted_once(sales):
    household, other, third, old = Household.objects.filter(attributions__isnull=False).distinct()[
        :4
    ]
    event = AttributionEntry.objects.filter(household=old).first().payment_event

    def change(who, before, after, without, **fields):
        assessment = Assessment.objects.create(
            household=who,
            year=int(THIS_YEAR),
            level=after,
            per_capita=D("9000.00"),
            platform_income=D("1.00"),
            figures={},
            rules_fired=[],
            channel=Assessment.Channel.SCREENING,
        )
        SalesLevelChange.objects.create(
            household=who,
            level_before=before,
            level_after=after,
            level_without=without,
            assessment=assessment,
            **fields,
        )

    change(household, 4, 5, 4)  # yellow → green, yellow without the payouts: credited
    change(household, 4, 5, 4)  # the same household again: counted once
    change(other, 3, 4, 3)  # purple → yellow: better, still in warning
    change(third, 1, 5, 5)  # green even without the payouts: not theirs (never recorded so)
    change(old, 4, 5, None, payment_event=event)  # before payouts: a payment's modelled lift
    impact = reports.report_platform(scope=Scope(None), period=reports.period_parse(THIS_YEAR))
    assert impact.moved_out_of_warning == 1


def test_the_summaries_rebuild_to_what_the_ledger_kept(sales):
    before = reports.report_platform(scope=Scope(None), period=reports.period_parse(THIS_YEAR))
    counts = rollups_rebuild()
    assert counts["households"] > 0
    after = reports.report_platform(scope=Scope(None), period=reports.period_parse(THIS_YEAR))
    assert (after.sales, after.attributed, after.households_reached) == (
        before.sales,
        before.attributed,
        before.households_reached,
    )
    assert rollups_differences() == []


# ---------------------------------------------------------------- breakdowns


def test_breakdowns_add_up_and_match_the_ledger(sales):
    period = reports.period_parse(THIS_YEAR)
    entries = list(AttributionEntry.objects.select_related("line", "household"))
    total_attributed = sum((e.amount for e in entries), ZERO)
    total_sales = sold(sales)

    by_product: dict[str, Decimal] = defaultdict(lambda: ZERO)
    by_source: dict[str, Decimal] = defaultdict(lambda: ZERO)
    by_county: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        by_product[entry.line.title] += entry.amount
        by_source[entry.income_source] += entry.amount
        by_county[entry.household.county.name] += entry.amount

    rows = reports.report_breakdown(scope=Scope(None), period=period, by="product")
    assert {row.label: row.attributed for row in rows} == dict(by_product)
    assert sum((row.sales for row in rows), ZERO) == total_sales
    producers = reports.report_breakdown(scope=Scope(None), period=period, by="producer")
    assert sum((row.sales for row in producers), ZERO) == total_sales
    assert sum((row.attributed for row in producers), ZERO) == total_attributed
    sources = reports.report_breakdown(scope=Scope(None), period=period, by="source")
    assert {row.key: row.attributed for row in sources} == dict(by_source)
    assert all(row.sales is None for row in sources)
    counties = reports.report_breakdown(scope=Scope(None), period=period, by="county")
    assert {row.label: row.attributed for row in counties} == dict(by_county)
    buyers = reports.report_breakdown(scope=Scope(None), period=period, by="buyer")
    assert [(row.key, row.sales) for row in buyers] == [("consumer", total_sales)]
    campaigns = reports.report_breakdown(scope=Scope(None), period=period, by="campaign")
    assert [(row.key, row.attributed) for row in campaigns] == [(0, total_attributed)]


def test_work_unit_orders_are_their_own_buyer_type(sales):
    from django.contrib.auth.models import User

    canteen = User.objects.get(username="canteen")
    unit_order = paid([("YX-DC-001", 2)], user=canteen)
    rows = reports.report_breakdown(
        scope=Scope(None), period=reports.period_parse(THIS_YEAR), by="buyer"
    )
    figures = {row.key: row.sales for row in rows}
    assert figures == {"consumer": sold(sales), "unit": sold([unit_order])}


# ---------------------------------------------------------------- county scope


def test_county_staff_read_their_county_only(client, sales):
    dongchuan = Region.objects.get(code="530113")
    luquan = Region.objects.get(code="530128")
    client.force_login(get_user_model().objects.get(username="dongchuan"))
    response = client.get(reverse("impact_report_platform"), {"period": THIS_YEAR})
    assert response.status_code == 200
    impact = response.context["impact"]
    entries = list(AttributionEntry.objects.filter(household__county=dongchuan))
    assert impact.attributed == sum((e.amount for e in entries), ZERO)
    assert impact.households_reached == len(ledger_by_household(entries))
    dongchuan_orders = [
        o
        for o in sales
        if o.lines.filter(partner__producer__region__parent__code="530113").exists()
        or o.lines.filter(partner__producer__region__code="530113").exists()
    ]
    assert impact.sales == sold(dongchuan_orders)
    # Another county, asked for by URL: refused.
    assert client.get(reverse("impact_report_platform"), {"county": luquan.pk}).status_code == 403
    assert client.get(reverse("impact_report_overview"), {"region": luquan.pk}).status_code == 403


def test_city_staff_choose_a_county(client, sales):
    luquan = Region.objects.get(code="530128")
    client.force_login(factories.county_staff("city", None))
    response = client.get(reverse("impact_report_platform"), {"county": luquan.pk})
    entries = AttributionEntry.objects.filter(household__county=luquan)
    assert response.context["impact"].attributed == entries.aggregate(t=Sum("amount"))["t"]
    assert response.context["impact"].sales == sold([sales[1]])


def test_staff_without_a_scope_and_buyers_are_refused(client):
    nobody = get_user_model().objects.create_user(username="noscope", password="x", is_staff=True)
    from django.contrib.auth.models import Permission

    nobody.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(nobody)
    assert client.get(reverse("impact_report_overview")).status_code == 403
    client.force_login(buyer("c@example.com"))
    assert client.get(reverse("impact_report_overview")).status_code in (302, 403)


# ---------------------------------------------------------------- overview


def test_overview_counts_households_by_level_region_and_month(client):
    factories.threshold(year=int(THIS_YEAR))

    # Assessed two months ago (a snapshot is taken at that month's end), then again now.
    past = timezone.now() - datetime.timedelta(days=62)
    households_reassess(year=int(THIS_YEAR), channel=Assessment.Channel.PERIODIC)
    Assessment.objects.update(assessed_at=past)
    month = timezone.localdate(past).replace(day=1)
    level_snapshot_take(month=month)
    households_reassess(year=int(THIS_YEAR), channel=Assessment.Channel.PERIODIC)

    overview = reports.report_overview(scope=Scope(None))
    expected = {
        level: HouseholdStatus.objects.filter(level=level).count() for level in reports.LEVELS
    }
    assert overview.levels == expected
    assert overview.households == Household.objects.count()
    counties = {row.name: row.total for row in overview.regions}
    for county in Region.objects.filter(level="county", county_households__isnull=False).distinct():
        assert (
            counties[county.name]
            == HouseholdStatus.objects.filter(household__county=county).count()
        )
    series = dict(overview.months)
    snapshot = {
        row["level"]: row["n"]
        for row in LevelSnapshot.objects.filter(month=month)
        .values("level")
        .annotate(n=Sum("households"))
    }
    assert series[month] == snapshot
    assert sum(snapshot.values()) == Household.objects.count()
    assert overview.months[-1][1] == expected
    assert overview.clues_open == Clue.objects.exclude(stage__in=Clue.CLOSED).count()

    # Drilling into a county lists its townships; its villages next.
    dongchuan = Region.objects.get(code="530113")
    drilled = reports.report_overview(scope=Scope(None), region=dongchuan)
    assert {row.region_id for row in drilled.regions} <= set(
        Region.objects.filter(parent=dongchuan).values_list("pk", flat=True)
    )
    assert (
        sum(row.total for row in drilled.regions)
        == HouseholdStatus.objects.filter(household__county=dongchuan).count()
    )


def test_overview_help_measures_by_mode():
    household = Household.objects.first()
    today = timezone.localdate()
    for mode, ended in [("带", None), ("带", today - datetime.timedelta(days=3)), ("引", None)]:
        HelpMeasure.objects.create(
            household=household,
            mode=mode,
            description="测试",
            cadre="驻村工作队",
            started=today - datetime.timedelta(days=30),
            ended=ended,
        )
    measures = {
        mode: (active, total)
        for mode, _label, active, total in reports.report_overview(scope=Scope(None)).measures
    }
    assert measures["带"] == (1, 2)
    assert measures["引"] == (1, 1)
    assert measures["扶"] == (0, 0)


# ---------------------------------------------------------------- constant query counts


def _queries(function) -> int:
    with CaptureQueriesContext(connection) as context:
        function()
    return len(context.captured_queries)


def test_report_queries_do_not_grow_with_the_data():
    period = reports.period_parse(THIS_YEAR)
    scope = Scope(None)
    calls = {
        "platform": lambda: reports.report_platform(scope=scope, period=period),
        "overview": lambda: reports.report_overview(scope=scope),
        "product": lambda: reports.report_breakdown(scope=scope, period=period, by="product"),
        "public": lambda: public_figures(),
    }
    paid([("YX-DC-004", 1)])
    # Payments assess nobody; the periodic evaluation gives every household a level.
    households_reassess(year=int(THIS_YEAR), channel="periodic")
    few = {name: _queries(call) for name, call in calls.items()}
    for upc in ["YX-DC-001", "YX-DC-003", "YX-LQ-001", "YX-XD-001", "YX-DC-004"] * 2:
        paid([(upc, 2), ("YX-DC-004", 1)])
    many = {name: _queries(call) for name, call in calls.items()}
    assert few == many
    assert few == {"platform": 6, "overview": 10, "product": 3, "public": 6}


def test_my_impact_and_a_producers_figures_cost_the_same_few_queries_whatever_the_orders():
    me = buyer("many@example.com")
    producer = Producer.objects.get(partner__code="dongchuan-hongtudi")
    period = reports.period_parse(THIS_YEAR)
    paid([("YX-DC-004", 1)], user=me)
    few = (
        _queries(lambda: my_impact(user=me)),
        _queries(lambda: producer_impact(producer=producer, period=period)),
    )
    for _i in range(6):
        paid([("YX-DC-004", 1), ("YX-DC-001", 2)], user=me)
    many = (
        _queries(lambda: my_impact(user=me)),
        _queries(lambda: producer_impact(producer=producer, period=period)),
    )
    # my impact: three summaries and one sum of the payouts set against the buyer's lines
    assert few == many == (4, 4)


# ---------------------------------------------------------------- exports


@pytest.mark.parametrize(
    "name", ["impact_report_overview", "impact_report_platform", "impact_report_breakdown"]
)
def test_every_report_exports_the_figures_it_shows(client, sales, name):
    client.force_login(staff_user())
    page = client.get(reverse(name), {"period": THIS_YEAR})
    tables = page.context["tables"]
    as_csv = client.get(reverse(name), {"period": THIS_YEAR, "format": "csv"})
    assert as_csv["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    expected: list[list[str]] = []
    for number, table in enumerate(tables):
        if number:
            expected.append([])
        expected.append([table.title])
        expected.append([str(c) for c in table.columns])
        expected += [["" if v is None else str(v) for v in row] for row in table.rows]
    assert rows == expected
    as_xlsx = client.get(reverse(name), {"period": THIS_YEAR, "format": "xlsx"})
    workbook = load_workbook(io.BytesIO(as_xlsx.content))
    assert len(workbook.sheetnames) == len(tables)
    for sheet, table in zip(workbook.worksheets, tables, strict=True):
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert values[0] == list(table.columns)
        for got, want in zip(values[1:], table.rows, strict=True):
            assert [
                D(str(g)) if isinstance(w, Decimal) else g for g, w in zip(got, want, strict=True)
            ] == list(want)


def test_an_unknown_period_says_so_and_shows_this_year(client, sales):
    client.force_login(staff_user())
    response = client.get(reverse("impact_report_platform"), {"period": "2026-13"})
    assert response.status_code == 200
    assert response.context["period"].key == THIS_YEAR
    assert "2026-13" in response.context["period_error"]
    assert client.get(reverse("impact_report_breakdown"), {"by": "nothing"}).status_code == 400
    assert client.get(reverse("impact_report_platform"), {"format": "pdf"}).status_code == 404


def test_periods_parse_years_quarters_and_months():
    assert reports.period_parse("2026Q2").start == datetime.date(2026, 4, 1)
    assert reports.period_parse("2026Q4").end == datetime.date(2027, 1, 1)
    assert reports.period_parse("2026-12").end == datetime.date(2027, 1, 1)
    assert reports.period_parse("2024").months[1] == datetime.date(2024, 2, 1)
    for bad in ["2026Q5", "26", "2026-00", "abcd", "1999"]:
        with pytest.raises(ValidationError):
            reports.period_parse(bad)


# ---------------------------------------------------------------- public figures


def test_small_groups_are_folded_into_other():
    group = lambda label, n: PublicGroup(label, n, D(n))  # noqa: E731
    assert fold_small_groups([group("A", 10), group("B", 7)], other_label="其他") == [
        group("A", 10),
        group("B", 7),
    ]
    # 3 + 4 in "other" make 7: enough.
    assert fold_small_groups(
        [group("A", 10), group("B", 3), group("C", 4)], other_label="其他"
    ) == [group("A", 10), PublicGroup("其他", 7, D(7))]
    # 2 alone would single out two households: the next smallest county joins them.
    assert fold_small_groups(
        [group("A", 10), group("B", 6), group("C", 2)], other_label="其他"
    ) == [
        group("A", 10),
        PublicGroup("其他", 8, D(8)),
    ]
    # Under five in all: nothing by county.
    assert fold_small_groups([group("A", 3), group("B", 1)], other_label="其他") == []


def _link_households(producer_code: str, county_code: str, count: int) -> None:
    producer = Producer.objects.get(partner__code=producer_code)
    for _i in range(count):
        BenefitLink.objects.create(
            producer=producer,
            household=factories.household(county_code=county_code),
            kind=BenefitLink.Kind.EMPLOYMENT,
            share=D("1.00"),
            valid_from=timezone.localdate() - datetime.timedelta(days=10),
        )


def test_the_public_page_shows_no_group_under_five(client):
    # 东川区 reaches well over five households; 禄劝 one or two more than its demo links.
    _link_households("dongchuan-hongtudi", "530113", 6)
    paid([("YX-DC-004", 1)])
    paid([("YX-LQ-001", 1)])
    figures = public_figures()
    per_county = ledger_by_household(AttributionEntry.objects.all())
    by_county: dict[str, int] = defaultdict(int)
    for household in Household.objects.filter(pk__in=per_county).select_related("county"):
        by_county[household.county.name] += 1
    assert figures.households == len(per_county)
    assert all(group.households >= 5 for group in figures.counties)
    assert sum(group.households for group in figures.counties) == len(per_county)
    small = [name for name, n in by_county.items() if n < 5]
    assert small and all(group.label not in small for group in figures.counties)

    response = client.get(reverse("impact:public"))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="pub-households">{len(per_county)}<' in body
    # Sales alone lift nobody: the current count of households above the line thanks to
    # platform income is 0, and the page says it is not risk elimination.
    assert 'id="pub-above-line">0<' in body
    assert "不是官方的风险消除" in body
    for name in small:
        assert name not in body
    for household in Household.objects.filter(pk__in=per_county):
        assert household.code not in body


def test_the_public_page_says_when_there_are_too_few_to_show(client):
    paid([("YX-LQ-001", 1)])
    response = client.get(reverse("impact:public"))
    assert 'id="pub-too-few"' in response.content.decode()


# ---------------------------------------------------------------- a buyer's impact


def test_my_impact_shows_what_my_paid_orders_reached(client, sales):
    me = sales[0].user
    paid([("YX-LQ-001", 1)], user=buyer("someone-else@example.com"))
    client.force_login(me)
    response = client.get(reverse("impact:mine"))
    assert response.status_code == 200
    mine = AttributionEntry.objects.filter(line__order__user=me)
    impact = response.context["impact"]
    assert impact.amount == mine.aggregate(t=Sum("amount"))["t"]
    assert impact.households == len(ledger_by_household(mine))
    assert sum((row.amount for row in impact.months), ZERO) == impact.amount
    body = response.content.decode()
    assert f"¥{impact.amount}" in body
    for household in Household.objects.filter(attributions__line__order__user=me):
        assert household.code not in body and household.head_name_masked not in body


def test_my_impact_asks_a_visitor_to_log_in(client):
    response = client.get(reverse("impact:mine"))
    assert response.status_code == 302
    assert "login" in response["Location"]


# ---------------------------------------------------------------- a producer's own figures


def test_a_producer_sees_its_own_impact_only(client, sales):
    user = producer_user(partner_code="dongchuan-hongtudi")
    client.force_login(user)
    response = client.get(reverse("dashboard:producer-impact"), {"period": THIS_YEAR})
    assert response.status_code == 200
    impact = response.context["impact"]
    producer = Producer.objects.get(partner__code="dongchuan-hongtudi")
    entries = AttributionEntry.objects.filter(link__producer=producer)
    assert impact.attributed == entries.aggregate(t=Sum("amount"))["t"]
    assert impact.households_reached == len(ledger_by_household(entries))
    own = [o for o in sales if o.lines.filter(partner=producer.partner).exists()]
    assert impact.sales == sold(own)
    # Asking for another producer by URL changes nothing for a producer's user.
    other = Producer.objects.exclude(pk=producer.pk).first()
    again = client.get(reverse("dashboard:producer-impact"), {"partner": other.partner_id})
    assert again.context["producer"] == producer
    export = client.get(reverse("dashboard:producer-impact"), {"format": "csv"})
    assert "东川老鹰茶" in export.content.decode("utf-8-sig")
