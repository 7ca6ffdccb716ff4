"""Targeting's pure part: the gap to the line, the lift of ¥1,000 and what amounts do.

Expected values are worked out by hand from DESIGN.md's rule table, on a standard of
¥4,000 and a multiplier of 1.5 (line ¥6,000 per person per year) unless a test says otherwise.
"""

from decimal import Decimal

import pytest

from impact.ledger.attribution import LinkRule
from impact.monitoring.rules import HouseholdFigures, Level, Thresholds
from impact.targeting import gap_to_line
from impact.targeting.figures import (
    GapTally,
    Reached,
    gap_tally,
    lift_amounts,
    lift_tally,
    projection_tally,
    sales_amounts,
)

T = Thresholds(year=2026, standard=Decimal("4000.00"), multiplier=Decimal("1.5"))
D = Decimal


def figures(
    members: int = 3, labour: int = 2, income: str = "17000.00", **more
) -> HouseholdFigures:
    return HouseholdFigures(
        members=members,
        labour=labour,
        subsistence=more.pop("subsistence", False),
        basic_needs_met=more.pop("basic_needs_met", True),
        safe_water=more.pop("safe_water", True),
        recorded_income=D(income),
        **more,
    )


@pytest.mark.parametrize(
    ("case", "fig", "gap"),
    [
        # Ⅳ yellow: 3 × 6000 = 18000 needed, 17000 recorded
        ("yellow", figures(), "1000.00"),
        # Ⅲ purple by rigid: 2 × 6000 + 3000 rigid = 15000 needed, 14000 recorded
        ("purple", figures(2, 1, "14000.00", rigid=D("3000.00")), "1000.00"),
        # Ⅱ blue, no labour: 1 × 6000, 5000 recorded
        ("blue", figures(1, 0, "5000.00"), "1000.00"),
        # Ⅱ blue by subsistence, with labour: 2 × 6000, 11000.01 recorded
        ("subsistence", figures(2, 1, "11000.01", subsistence=True), "999.99"),
        # Ⅰ red by income is reachable too: 2 × 6000, 7000 recorded
        ("red income", figures(2, 1, "7000.00"), "5000.00"),
        # platform income already counted: 3 × 6000 - (16000 + 500)
        ("platform", figures(3, 2, "16000.00", platform_income=D("500.00")), "1500.00"),
        # exactly on the line is not below it: green, nothing needed
        ("on the line", figures(2, 1, "12000.00"), "0.00"),
        ("green", figures(2, 1, "20000.00"), "0.00"),
        # rigid expenditure that leaves the household above the line: green
        ("rigid but green", figures(2, 1, "20000.00", rigid=D("1000.00")), "0.00"),
    ],
)
def test_gap_to_line_is_what_the_rule_table_needs(case, fig, gap):
    assert gap_to_line(fig, T) == D(gap), case


@pytest.mark.parametrize(
    "fig",
    [
        figures(unable_to_work=1),
        figures(basic_needs_met=False),
        figures(safe_water=False),
    ],
)
def test_no_income_lifts_unable_to_work_basic_needs_or_water(fig):
    assert gap_to_line(fig, T) is None


def test_gap_is_rounded_up_to_the_fen_on_a_fractional_line():
    # 4321.33 × 1.5 = 6481.995: 481.99 leaves 6481.99 below it, 482.00 reaches it
    thresholds = Thresholds(year=2026, standard=D("4321.33"), multiplier=D("1.5"))
    assert gap_to_line(figures(1, 1, "6000.00"), thresholds) == D("482.00")


def test_headroom_is_paid_before_it_counts():
    # the record says it includes 100 of platform payouts that were never paid: the first
    # 100 paid out is already in the income, so the household needs 1000 + 100
    household = Reached(1, Level.YELLOW, figures(), headroom=D("100.00"))
    assert household.gap(T) == D("1100.00")
    assert household.raised(D("1100.00")).platform_income == D("1000.00")
    assert household.raised(D("50.00")).platform_income == D("0")


def test_lift_of_1000_pays_per_unit_on_fractional_units_and_share_of_the_sales():
    links = [
        LinkRule(1, 101, "operating", per_unit=D("2.00")),
        LinkRule(2, 102, "wages", share_percent=D("10")),
    ]
    # ¥1,000 at ¥50 = 20 units: 20 × 2 = 40; 10% of 1000 = 100
    assert lift_amounts(sales=D(1000), price=D("50.00"), links=links) == {
        101: D("40.00"),
        102: D("100.00"),
    }
    # ¥1,000 at ¥30 = 33.33… units: 66.666… → the total 166.67 split 66.67 / 100.00
    assert lift_amounts(sales=D(1000), price=D("30.00"), links=links) == {
        101: D("66.67"),
        102: D("100.00"),
    }


def test_lift_is_capped_at_the_sales_and_split_by_largest_remainder():
    links = [
        LinkRule(1, 101, "wages", share_percent=D("60")),
        LinkRule(2, 102, "wages", share_percent=D("50")),
    ]
    # 600 + 500 > 1000: 1000 split 600:500 = 545.4545… / 454.5454…, the odd fen to the larger remainder
    assert lift_amounts(sales=D(1000), price=D("10.00"), links=links) == {
        101: D("545.45"),
        102: D("454.55"),
    }


def test_two_links_of_one_household_add_up():
    links = [
        LinkRule(1, 101, "operating", per_unit=D("1.00")),
        LinkRule(2, 101, "wages", share_percent=D("5")),
    ]
    # 3 whole units at 25.00: 3 × 1 + 5% of 75 = 3 + 3.75
    assert sales_amounts(quantity=3, price=D("25.00"), links=links) == {101: D("6.75")}


def test_lift_tally_counts_warning_households_that_reach_their_gap():
    households = {
        1: Reached(1, Level.YELLOW, figures(3, 2, "17960.00")),  # gap 40
        2: Reached(2, Level.PURPLE, figures(2, 1, "14000.00", rigid=D("3000.00"))),  # gap 1000
        3: Reached(3, Level.GREEN, figures(2, 1, "20000.00")),
        4: Reached(4, Level.BLUE, figures(1, 0, "5000.00", unable_to_work=1)),  # unreachable
        5: Reached(5, Level.RED, figures(2, 1, "7000.00")),  # red: not in warning
    }
    gaps = {pk: h.gap(T) for pk, h in households.items() if h.in_warning}
    amounts = {
        1: D("40.00"),
        2: D("100.00"),
        3: D("10.00"),
        4: D("5.00"),
        5: D("1.00"),
        6: D("2.00"),
    }
    tally = lift_tally(amounts, households, gaps)
    assert tally.to_all == D("158.00")
    assert tally.to_warning == D("145.00")  # 40 + 100 + 5
    assert tally.households_reached == 6  # household 6 has no figures: reached, no level
    assert tally.households_in_warning == 3
    assert tally.crossing == 1  # only household 1 reaches its gap
    assert tally.by_level == {4: 1, 3: 1, 5: 1, 2: 1, 1: 1}


def test_gap_tally_bands_are_per_person_and_cumulative():
    households = [
        Reached(1, Level.YELLOW, figures(2, 1, "11700.00")),  # gap 300: 150 per person
        Reached(2, Level.YELLOW, figures(1, 1, "5400.00")),  # gap 600 per person
        Reached(3, Level.BLUE, figures(2, 0, "9000.00")),  # gap 3000: 1500 per person
        Reached(4, Level.PURPLE, figures(2, 1, "20000.00", unable_to_work=1)),  # unreachable
        Reached(5, Level.GREEN, figures(2, 1, "20000.00")),  # not in warning
        Reached(6, Level.YELLOW, None),  # no figures this year: not counted
    ]
    gaps = {h.household_id: h.gap(T) for h in households if h.in_warning}
    assert gap_tally(households, gaps) == GapTally(
        households_in_warning=4,
        within={200: 1, 500: 1, 1000: 2, 2000: 3},
        total_needed=D("3900.00"),
        unreachable=1,
    )


def test_projection_re_assesses_with_the_amount_added():
    households = {
        1: Reached(1, Level.YELLOW, figures(3, 2, "17000.00")),  # gap 1000
        2: Reached(2, Level.YELLOW, figures(3, 2, "17000.00")),  # gap 1000
        3: Reached(3, Level.PURPLE, figures(2, 1, "14000.00", rigid=D("3000.00"))),  # gap 1000
        4: Reached(4, Level.GREEN, figures(2, 1, "20000.00")),
    }
    amounts = {1: D("1000.00"), 2: D("999.99"), 3: D("1200.00"), 4: D("50.00")}
    tally = projection_tally(amounts, households, T)
    assert tally.to_households == D("3249.99")
    assert tally.to_warning == D("3199.99")
    assert tally.households_reached == 4
    assert tally.households_in_warning_reached == 3
    assert tally.crossing == {int(Level.YELLOW): 1, int(Level.PURPLE): 1}
    assert tally.crossing_total == 2
    assert tally.gap_closed == D("2999.99")  # 1000 + 999.99 + min(1200, 1000)
