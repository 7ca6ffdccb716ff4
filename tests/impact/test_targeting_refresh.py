"""The stored targeting figures on the demo data: a full refresh, the selectors, and an
incremental refresh that ends where a full one does."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from oscar.core.loading import get_model

from impact.models import GapFigure, Household, LiftFigure, Threshold
from impact.monitoring.assessment import households_reassess
from impact.targeting import (
    gaps,
    lifts,
    products_by_lift,
    project_amounts,
    project_sales,
    targeting_refresh_all,
    targeting_refresh_households,
)
from producers.models import BenefitLink, Producer
from tests.impact.paying_out import payout_add
from tests.producers.factories import staff_user

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")


def _assessed() -> int:
    year = timezone.localdate().year
    if not Threshold.objects.filter(year=year).exists():
        Threshold.objects.create(year=year, national_standard=Decimal("4000.00"))
    households_reassess(year=year, channel="periodic")
    return year


def _tables():
    lift_rows = {
        (row["scope"], row["scope_id"]): row for row in LiftFigure.objects.values().order_by()
    }
    gap_rows = {
        (row["scope"], row["scope_id"]): row for row in GapFigure.objects.values().order_by()
    }
    for rows in (lift_rows, gap_rows):
        for row in rows.values():
            row.pop("id")
            row.pop("refreshed_at")
    return lift_rows, gap_rows


def test_a_full_refresh_stores_lifts_of_products_on_sale_and_gaps_of_areas():
    _assessed()
    counts = targeting_refresh_all()
    assert counts["lifts"] > 0 and counts["gaps"] > 0
    dongchuan = Producer.objects.get(partner__code="dongchuan-hongtudi")
    upc_001 = Product.objects.get(upc="YX-DC-001")
    product_lifts = lifts(scope="product", ids=[upc_001.pk])
    lift = product_lifts[upc_001.pk]
    # YX-DC-001: ¥3 a unit to household 1, 8% and 5% of the sales to households 4 and 5
    price = upc_001.stockrecords.get().price
    per_unit = Decimal("3.00") * Decimal(1000) / price
    expected = per_unit.quantize(Decimal("0.01")) + Decimal("80.00") + Decimal("50.00")
    assert abs(lift.to_all - expected) <= Decimal("0.01")
    assert lift.households_reached == 3
    assert lift.folded  # 3 households: fewer than 5
    county_id = dongchuan.region.county.pk
    assert county_id in lifts(scope="county")
    ranked = products_by_lift(county_id=county_id)
    assert [lift.to_warning for _pk, lift in ranked] == sorted(
        (lift.to_warning for _pk, lift in ranked), reverse=True
    )
    county_gap = gaps(scope="county", ids=[county_id])[county_id]
    in_warning = Household.objects.filter(county_id=county_id, status__level__in=[2, 3, 4]).count()
    assert county_gap.households_in_warning == in_warning


def test_an_incremental_refresh_after_a_payout_ends_where_a_full_refresh_does():
    _assessed()
    targeting_refresh_all()
    link = BenefitLink.objects.filter(producer__partner__code="dongchuan-hongtudi").first()
    household = link.household
    payout_add(
        household=household,
        producer=link.producer,
        amount=Decimal("1500.00"),
        by=staff_user(),
        paid_on=timezone.localdate(),
    )
    households_reassess(
        households=Household.objects.filter(pk=household.pk),
        year=timezone.localdate().year,
        channel="screening",
    )
    targeting_refresh_households(household_ids=[household.pk])
    incremental = _tables()
    targeting_refresh_all()
    assert _tables() == incremental


def test_an_ended_link_refreshes_its_producer():
    _assessed()
    targeting_refresh_all()
    link = BenefitLink.objects.filter(
        producer__partner__code="dongchuan-hongtudi", product__isnull=True
    ).first()
    link.valid_to = timezone.localdate() - datetime.timedelta(days=1)
    link.valid_from = min(link.valid_from, link.valid_to)
    link.save()
    targeting_refresh_households(household_ids=[link.household_id], producer_ids=[link.producer_id])
    incremental = _tables()
    targeting_refresh_all()
    assert _tables() == incremental


def test_a_payout_recorded_refreshes_the_figures_it_touches_on_commit(
    django_capture_on_commit_callbacks,
):
    _assessed()
    link = BenefitLink.objects.filter(producer__partner__code="dongchuan-hongtudi").first()
    LiftFigure.objects.all().delete()
    GapFigure.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        payout_add(
            household=link.household,
            producer=link.producer,
            amount=Decimal("10.00"),
            by=staff_user(),
        )
    county_id = link.household.county_id
    assert gaps(scope="county", ids=[county_id]).keys() == {county_id}
    assert link.producer_id in lifts(scope="producer")
    # only what the household and its producers touch: 东川区's figures, no other county's
    assert set(GapFigure.objects.filter(scope="county").values_list("scope_id", flat=True)) == {
        county_id
    }


def test_a_link_saved_refreshes_its_producer_on_commit(django_capture_on_commit_callbacks):
    _assessed()
    producer = Producer.objects.get(partner__code="luquan-saying")
    household = Household.objects.filter(county=producer.region.county).order_by("code").last()
    LiftFigure.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        BenefitLink.objects.create(
            producer=producer,
            household=household,
            kind=BenefitLink.Kind.EMPLOYMENT,
            share=Decimal("3.00"),
            valid_from=timezone.localdate(),
        )
    assert producer.pk in lifts(scope="producer")


def test_project_amounts_sells_whole_units_at_the_current_price():
    _assessed()
    product = Product.objects.get(upc="YX-DC-001")
    price = product.stockrecords.get().price
    units = int(Decimal("1000") // price)
    projection = project_amounts(amounts={product.pk: Decimal("1000")})
    assert projection.units == {product.pk: units}
    assert projection.sales == price * units
    assert project_sales(quantities={product.pk: units}) == projection
    assert projection.assumptions  # shown with the figure
