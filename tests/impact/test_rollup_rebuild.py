"""The report summaries rebuilt set-based from the ledger equal, row for row and to the fen,
the ones the ledger kept current sale by sale, across months, quarters, years and refunds."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from freezegun import freeze_time

from impact.ledger.rollups import rollups_differences, rollups_rebuild
from impact.models import (
    AttributionEntry,
    AttributionMonth,
    BuyerMonth,
    HouseholdPeriodIncome,
    ReachPeriod,
    SalesMonth,
)
from producers.models import BenefitLink, Certificate
from tests.producers.factories import buyer

from .test_reports import paid, refund

pytestmark = pytest.mark.django_db

SUMMARIES = {
    SalesMonth: ("month", "county_id", "partner_id", "product_id", "campaign_id", "buyer"),
    AttributionMonth: (
        "month",
        "county_id",
        "partner_id",
        "product_id",
        "campaign_id",
        "buyer",
        "income_source",
    ),
    HouseholdPeriodIncome: ("period", "household_id", "county_id"),
    ReachPeriod: ("owner", "owner_id", "period", "household_id", "county_id"),
    BuyerMonth: ("user_id", "month"),
}


def stored() -> dict[str, dict[tuple, tuple]]:
    """Every summary's rows, key → figures, money to the fen; rows that sum to nothing left out."""
    tables = {}
    for model, keys in SUMMARIES.items():
        figures = ("amount", "quantity") if model is SalesMonth else ("amount",)
        rows = {}
        for row in model._default_manager.values(*keys, *figures):
            values = tuple(
                row[name].quantize(Decimal("0.01")) if isinstance(row[name], Decimal) else row[name]
                for name in figures
            )
            if any(values):
                rows[tuple(row[key] for key in keys)] = values
        tables[model.__name__] = rows
    return tables


def at(local: str) -> datetime.datetime:
    """A moment given in Beijing time (the site's time zone)."""
    return timezone.make_aware(datetime.datetime.fromisoformat(local))


def test_the_set_based_rebuild_equals_the_running_summaries_row_for_row():
    # The demo's links and certificates start this year: let them reach back to last year's end.
    BenefitLink.objects.update(valid_from=datetime.date(2025, 1, 1))
    Certificate.objects.update(valid_from=datetime.date(2025, 1, 1))
    me = buyer("rebuild@example.com")
    # 23:30 on New Year's Eve in Beijing is 15:30 UTC: the month, quarter and year are
    # Beijing's, the ones the running summaries took.
    with freeze_time(at("2025-12-31T23:30:00")):
        late = paid([("YX-DC-004", 2), ("YX-DC-001", 3)], user=me)
    with freeze_time(at("2026-01-01T00:30:00")):
        paid([("YX-LQ-001", 4)])
        early = paid([("YX-DC-004", 1)], user=me)
    with freeze_time(at("2026-04-02T09:00:00")):
        refund(late, late.lines.get(product__upc="YX-DC-004"), quantity=1)
        refund(early, early.lines.get(), amount=Decimal("0.01"))
    kept = stored()
    assert {period for _owner, _id, period, _h, _c in kept["ReachPeriod"]} >= {
        "all",
        "2025",
        "2025Q4",
        "2025-12",
        "2026",
        "2026Q1",
        "2026-01",
        "2026Q2",
        "2026-04",
    }
    assert {month for _user, month in kept["BuyerMonth"]} == {
        datetime.date(2025, 12, 1),
        datetime.date(2026, 1, 1),
        datetime.date(2026, 4, 1),
    }
    assert AttributionEntry.objects.filter(amount__lt=0).exists()  # the refunds' reversals

    counts = rollups_rebuild()

    assert stored() == kept
    assert counts["households"] == HouseholdPeriodIncome.objects.count()
    assert counts["reach"] == ReachPeriod.objects.count()
    assert counts["attribution"] == AttributionMonth.objects.count()
    assert counts["buyer_months"] == BuyerMonth.objects.count() == 3
    assert rollups_differences() == []


def test_rebuild_from_empty_summaries_then_check_agrees(capsys):
    paid([("YX-DC-004", 2)], user=buyer("empty@example.com"))
    kept = stored()
    for model in SUMMARIES:
        model._default_manager.all().delete()

    call_command("impact_rollup", "--rebuild")
    call_command("impact_rollup", "--check")

    assert stored() == kept
    assert capsys.readouterr().out.splitlines()[-1] == "全部 6 项汇总与台账、兑付记录一致"
