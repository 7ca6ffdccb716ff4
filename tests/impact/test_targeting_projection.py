"""The issue's "Measured": the projection of a sale equals what happens when it is made.

For each generated case (hypothesis): households of 东川区 at every level (some a fen from
the line, some that no income can lift), benefit links of 红土地 with per-unit and share
rules, on one product or on all of them; then

1. ``project_sales`` of N units of some of its products, on the households' current levels;
2. the same order actually placed and paid by bank transfer, its attribution written by the
   ledger (``attribution_run``, the service its task runs), each household's due amount
   paid out with the real payout service (``payout_record``), and the households re-assessed
   (``households_reassess``);

and the projection must give each household exactly its due amount (to the fen), the same
totals, and as many households from warning (Ⅱ Ⅲ Ⅳ) to green, by level, as actually moved.
Each example runs in a savepoint that is rolled back.
"""

import datetime
from collections import defaultdict
from decimal import ROUND_CEILING, Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from oscar.core.loading import get_model

from impact.ledger.payouts import payout_record
from impact.ledger.services import attribution_run
from impact.models import (
    AttributionEntry,
    Household,
    HouseholdStatus,
    IncomeRecord,
    Payout,
    RigidExpenditure,
)
from impact.monitoring.assessment import households_reassess, thresholds_for_year
from impact.targeting import IN_WARNING, project_sales
from producers.models import BenefitLink, Producer
from shop.payments.models import PaymentEvent
from tests.impact.factories import household as household_make
from tests.producers.factories import staff_user
from tests.shop.payments.paying import awaiting_transfer, pay_in_full

pytestmark = pytest.mark.django_db

D = Decimal
FEN = D("0.01")
Product = get_model("catalogue", "Product")

PARTNER = "dongchuan-hongtudi"
COUNTY = "530113"
UPCS = ["YX-DC-001", "YX-DC-002", "YX-DC-003"]
KINDS = ["yellow", "blue", "purple", "red", "green", "unable", "needs unmet"]

household_spec = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(KINDS),
        "members": st.integers(1, 6),
        # how far from the line (or the standard, for red), in fen: a fen, or up to ¥3,000
        "offset": st.one_of(st.just(1), st.integers(1, 300_000)),
        "headroom": st.sampled_from([0, 0, 0, 3000]),  # fen the record says it already holds
        "links": st.lists(
            st.fixed_dictionaries(
                {
                    "product": st.one_of(st.none(), st.integers(0, 2)),
                    "rule": st.sampled_from(["per_unit", "share"]),
                    "per_unit_fen": st.integers(1, 3000),
                    "share_hundredths": st.integers(1, 1500),
                }
            ),
            min_size=1,
            max_size=2,
        ),
    }
)
sale = st.lists(
    st.tuples(st.sampled_from(UPCS), st.integers(1, 20)),
    min_size=1,
    max_size=3,
    unique_by=lambda line: line[0],
)


def _household(spec: dict, *, line: Decimal, standard: Decimal, year: int) -> Household:
    members = spec["members"]
    kind = spec["kind"]
    labour = 0 if kind == "blue" else max(1, members // 2)
    offset = D(spec["offset"]) * FEN
    on_line = (line * members).quantize(FEN, rounding=ROUND_CEILING)
    floor = (standard * members).quantize(FEN, rounding=ROUND_CEILING)
    rigid = D(0)
    if kind in ("yellow", "blue", "unable", "needs unmet"):
        income = max(on_line - offset, floor)
    elif kind == "purple":
        income = on_line + D("500.00")
        rigid = D("500.00") + offset
    elif kind == "red":
        income = max(floor - offset, D("0.00"))
    else:  # green
        income = on_line + offset - FEN
    household = household_make(
        county_code=COUNTY,
        members=members,
        labour=labour,
        subsistence=kind == "blue",
        basic_needs_met=kind != "needs unmet",
    )
    included = min(D(spec["headroom"]) * FEN, income)
    IncomeRecord.objects.create(
        household=household, year=year, wages=income, platform_included=included
    )
    if rigid or kind == "unable":
        RigidExpenditure.objects.create(
            household=household,
            date=timezone.localdate() - datetime.timedelta(days=10),
            cause=RigidExpenditure.Cause.ILLNESS,
            amount=rigid or D("100.00"),
            unable_to_work=1 if kind == "unable" else 0,
            note="住院",
        )
    return household


def _levels(household_ids) -> dict[int, int]:
    return dict(
        HouseholdStatus.objects.filter(household_id__in=household_ids).values_list(
            "household_id", "level"
        )
    )


class Rollback(Exception):
    """Raised at the end of each example so its savepoint is rolled back."""


def _example(households: list[dict], lines: list[tuple[str, int]]) -> None:
    today = timezone.localdate()
    year = today.year
    thresholds = thresholds_for_year(year=year)
    producer = Producer.objects.get(partner__code=PARTNER)
    products = [Product.objects.get(upc=upc) for upc in UPCS]
    staff = staff_user()
    for spec in households:
        household = _household(spec, line=thresholds.line, standard=thresholds.standard, year=year)
        for link in spec["links"]:
            product = products[link["product"]] if link["product"] is not None else None
            rule = (
                {"per_unit": D(link["per_unit_fen"]) * FEN}
                if link["rule"] == "per_unit"
                else {"share": D(link["share_hundredths"]) / 100}
            )
            BenefitLink.objects.create(
                producer=producer,
                household=household,
                product=product,
                kind=BenefitLink.Kind.PURCHASE,
                valid_from=datetime.date(year, 1, 1),
                **rule,
            )
    county = Household.objects.filter(county__code=COUNTY)
    households_reassess(households=county, year=year, channel="periodic")
    before = _levels(county.values_list("pk", flat=True))

    # 1. the projection
    quantities = {Product.objects.get(upc=upc).pk: n for upc, n in lines}
    projection = project_sales(quantities=quantities, on=today)

    # 2. the sale, made: ordered, paid, attributed by the ledger
    order = awaiting_transfer(lines)
    for order_line in order.lines.all():
        price = order_line.stockrecord.price
        assert order_line.line_price_incl_tax == price * order_line.quantity
    pay_in_full(order, by=staff)
    event = PaymentEvent.objects.get(order_payment__order=order, kind="confirmed")
    attribution_run(payment_event_id=event.pk)
    due = {
        row["household_id"]: row["total"]
        for row in AttributionEntry.objects.filter(line__order=order)
        .values("household_id")
        .annotate(total=Sum("amount"))
        .order_by()
        if row["total"] > 0
    }
    assert due, "every demo product has links"
    assert projection.by_household == due  # each household, to the fen
    assert projection.to_households == sum(due.values())
    assert projection.households_reached == len(due)
    assert projection.sales == sum(line.line_price_incl_tax for line in order.lines.all())

    # ... each due amount paid out, and the households re-assessed
    for number, (household_id, amount) in enumerate(sorted(due.items())):
        payout_record(
            producer=producer,
            household=Household.objects.get(pk=household_id),
            amount=amount,
            paid_on=today,
            method=Payout.Method.BANK,
            reference=f"T-{order.number}-{number}",
            by=staff,
        )
    households_reassess(
        households=Household.objects.filter(pk__in=list(due)), year=year, channel="screening"
    )
    after = _levels(list(due))

    in_warning = {h for h in due if before.get(h) in IN_WARNING}
    crossed: dict[int, int] = defaultdict(int)
    for household_id in in_warning:
        if after[household_id] == 5:
            crossed[before[household_id]] += 1
    assert projection.households_in_warning_reached == len(in_warning)
    assert projection.to_warning == sum((due[h] for h in in_warning), D("0.00"))
    assert projection.crossing == dict(crossed)
    assert projection.crossing_total == sum(crossed.values())
    # nobody outside warning was counted, and nobody fell: payouts only add income
    assert all(after[h] >= before[h] for h in due if h in before)


@settings(
    max_examples=20,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(households=st.lists(household_spec, min_size=2, max_size=8), lines=sale)
def test_the_projection_equals_the_sale_made_paid_out_and_reassessed(households, lines):
    try:
        with transaction.atomic():
            _example(households, lines)
            raise Rollback
    except Rollback:
        pass
