"""The return-to-poverty warning rules (DESIGN.md, "Warning levels") as a pure function.

No database: plain figures in, a level and every rule that fired out. Every
amount is a Decimal; comparisons are strict and exact, so a per-capita income
exactly on a threshold is not below it and no rounding can tip a household.
"""

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from impact.monitoring.rules import (
    HouseholdFigures,
    Level,
    Outcome,
    RuleHit,
    Thresholds,
    assess,
    level_without_platform,
)

D = Decimal

RED_INCOME = "income_below_standard"
RED_NEEDS = "basic_needs_unmet"
RED_WATER = "unsafe_water"
BLUE = "no_labour_or_subsistence_below_line"
PURPLE_RIGID = "rigid_expenditure_below_line"
PURPLE_UNABLE = "members_unable_to_work"
YELLOW = "labour_below_line"

# standard 4000.00, line 6000.00 unless a test says otherwise
T = Thresholds(year=2024, standard=D("4000.00"))


def household(**overrides) -> HouseholdFigures:
    """A household that fires nothing: two members, both able to work, well above the line."""
    values = {
        "members": 2,
        "labour": 2,
        "subsistence": False,
        "basic_needs_met": True,
        "safe_water": True,
        "recorded_income": D("20000.00"),
    }
    values.update(overrides)
    return HouseholdFigures(**values)


def codes(outcome: Outcome) -> list[str]:
    return [hit.code for hit in outcome.hits]


def hit(outcome: Outcome, code: str) -> RuleHit:
    (found,) = [h for h in outcome.hits if h.code == code]
    return found


# --- Level helpers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "value", "numeral", "colour", "help_mode"),
    [
        (Level.RED, 1, "Ⅰ", "红", "带"),
        (Level.BLUE, 2, "Ⅱ", "蓝", "扶"),
        (Level.PURPLE, 3, "Ⅲ", "紫", "帮"),
        (Level.YELLOW, 4, "Ⅳ", "黄", "引"),
        (Level.GREEN, 5, "Ⅴ", "绿", "提"),
    ],
)
def test_each_level_has_its_numeral_colour_and_help_mode(level, value, numeral, colour, help_mode):
    assert level.value == value
    assert level.numeral == numeral
    assert level.colour == colour
    assert level.help_mode == help_mode


def test_levels_order_from_most_to_least_severe():
    assert sorted(Level) == [Level.RED, Level.BLUE, Level.PURPLE, Level.YELLOW, Level.GREEN]
    assert min(Level.YELLOW, Level.RED, Level.PURPLE) is Level.RED


# --- Figures -----------------------------------------------------------------


def test_line_is_standard_times_the_default_multiplier_of_one_and_a_half():
    assert T.multiplier == D("1.5")
    assert T.line == D("6000.00")


def test_line_follows_a_configured_multiplier():
    assert Thresholds(year=2024, standard=D("4000.00"), multiplier=D("2")).line == D("8000.00")


def test_income_is_recorded_plus_platform_payouts_counted():
    figures = household(recorded_income=D("10000.00"), platform_income=D("2345.67"))
    assert figures.income == D("12345.67")


def test_platform_income_rigid_and_unable_to_work_default_to_zero():
    figures = household()
    assert figures.platform_income == D("0")
    assert figures.rigid == D("0")
    assert figures.unable_to_work == 0


def test_outcome_records_every_figure_as_an_exact_string():
    outcome = assess(
        household(
            members=3,
            labour=1,
            recorded_income=D("10000.00"),
            platform_income=D("500.50"),
            rigid=D("1200.00"),
            unable_to_work=0,
        ),
        T,
    )
    assert outcome.figures == {
        "members": "3",
        "labour": "1",
        "income": "10500.50",
        "recorded_income": "10000.00",
        "platform_income": "500.50",
        "per_capita": "3500.16",  # 3500.1666…, below the line: rounded down
        "standard": "4000.00",
        "multiplier": "1.5",
        "line": "6000.00",
        "rigid": "1200.00",
        "unable_to_work": "0",
    }


# --- Each level on its own -----------------------------------------------------


def test_household_above_every_line_is_green_with_no_hits():
    outcome = assess(household(), T)
    assert outcome.level is Level.GREEN
    assert outcome.hits == ()
    assert outcome.rules_fired == []
    assert outcome.figures["per_capita"] == "10000.00"
    assert outcome.figures["line"] == "6000.00"


def test_basic_needs_unmet_alone_is_red():
    outcome = assess(household(basic_needs_met=False), T)
    assert outcome.level is Level.RED
    assert codes(outcome) == [RED_NEEDS]
    assert hit(outcome, RED_NEEDS).reason == "两不愁三保障未达标"
    assert outcome.figures["per_capita"] == "10000.00"


def test_unsafe_water_alone_is_red():
    outcome = assess(household(safe_water=False), T)
    assert outcome.level is Level.RED
    assert codes(outcome) == [RED_WATER]
    assert hit(outcome, RED_WATER).reason == "饮水安全未保障"


def test_income_below_standard_is_red_with_its_figures():
    # labour 0 and subsistence: blue fires too, but red wins
    outcome = assess(household(labour=0, recorded_income=D("6000.00")), T)
    assert outcome.level is Level.RED
    assert codes(outcome) == [RED_INCOME, BLUE]
    red = hit(outcome, RED_INCOME)
    assert red.level is Level.RED
    assert red.figures == {"per_capita": "3000.00", "standard": "4000.00"}
    assert red.reason == "人均可支配收入 3000.00 元低于国家扶贫标准 4000.00 元"


def test_no_labour_between_standard_and_line_is_blue_on_its_own():
    outcome = assess(household(labour=0, recorded_income=D("10000.00")), T)
    assert outcome.level is Level.BLUE
    assert codes(outcome) == [BLUE]
    blue = hit(outcome, BLUE)
    assert blue.level is Level.BLUE
    assert blue.figures == {"per_capita": "5000.00", "line": "6000.00", "labour": "0"}
    assert blue.reason == "无劳动力，人均可支配收入 5000.00 元低于监测线 6000.00 元"


def test_rigid_expenditure_pulling_below_the_line_is_purple_on_its_own():
    outcome = assess(household(recorded_income=D("20000.00"), rigid=D("10000.00")), T)
    assert outcome.level is Level.PURPLE
    assert codes(outcome) == [PURPLE_RIGID]
    purple = hit(outcome, PURPLE_RIGID)
    assert purple.level is Level.PURPLE
    assert purple.figures == {
        "rigid": "10000.00",
        "per_capita_after_rigid": "5000.00",
        "line": "6000.00",
    }
    assert purple.reason == "扣除刚性支出 10000.00 元后人均 5000.00 元低于监测线 6000.00 元"
    assert outcome.figures["per_capita"] == "10000.00"


def test_member_unable_to_work_is_purple_on_its_own_even_with_high_income():
    outcome = assess(household(unable_to_work=1, recorded_income=D("100000.00")), T)
    assert outcome.level is Level.PURPLE
    assert codes(outcome) == [PURPLE_UNABLE]
    purple = hit(outcome, PURPLE_UNABLE)
    assert purple.figures == {"unable_to_work": "1"}
    assert purple.reason == "1 名成员因特殊原因暂时丧失劳动能力"


def test_labour_between_standard_and_line_is_yellow_on_its_own():
    outcome = assess(household(labour=1, recorded_income=D("10000.00")), T)
    assert outcome.level is Level.YELLOW
    assert codes(outcome) == [YELLOW]
    yellow = hit(outcome, YELLOW)
    assert yellow.level is Level.YELLOW
    assert yellow.figures == {"per_capita": "5000.00", "line": "6000.00", "labour": "1"}
    assert yellow.reason == "有劳动力，人均可支配收入 5000.00 元低于监测线 6000.00 元"


# --- Boundaries: red ---------------------------------------------------------


def test_per_capita_exactly_on_the_standard_is_not_red():
    outcome = assess(household(members=3, labour=3, recorded_income=D("12000.00")), T)
    assert RED_INCOME not in codes(outcome)
    assert outcome.level is Level.YELLOW
    assert outcome.figures["per_capita"] == "4000.00"


def test_one_fen_below_standard_times_members_is_red_and_its_per_capita_is_shown_below_it():
    outcome = assess(household(members=3, labour=3, recorded_income=D("11999.99")), T)
    assert outcome.level is Level.RED
    assert codes(outcome) == [RED_INCOME, YELLOW]
    # 11999.99 / 3 = 3999.996…: below, so shown rounded down, never "4000.00 低于 4000.00"
    assert hit(outcome, RED_INCOME).figures == {"per_capita": "3999.99", "standard": "4000.00"}
    assert hit(outcome, RED_INCOME).reason == "人均可支配收入 3999.99 元低于国家扶贫标准 4000.00 元"


@pytest.mark.parametrize("field", ["basic_needs_met", "safe_water"])
def test_unmet_needs_or_unsafe_water_are_red_even_with_high_income(field):
    outcome = assess(household(recorded_income=D("1000000.00"), **{field: False}), T)
    assert outcome.level is Level.RED
    assert codes(outcome) == [RED_NEEDS if field == "basic_needs_met" else RED_WATER]


def test_unmet_needs_and_unsafe_water_are_both_recorded_in_order():
    outcome = assess(household(basic_needs_met=False, safe_water=False), T)
    assert outcome.level is Level.RED
    assert codes(outcome) == [RED_NEEDS, RED_WATER]


# --- Boundaries: the line (blue and yellow) ------------------------------------


@pytest.mark.parametrize("labour", [0, 1, 2])
@pytest.mark.parametrize("subsistence", [False, True])
def test_per_capita_exactly_on_the_line_is_not_below_it(labour, subsistence):
    outcome = assess(
        household(labour=labour, subsistence=subsistence, recorded_income=D("12000.00")), T
    )
    assert outcome.level is Level.GREEN
    assert outcome.hits == ()
    assert outcome.figures["per_capita"] == "6000.00"
    assert outcome.figures["line"] == "6000.00"


def test_one_fen_below_the_line_without_labour_is_blue_not_yellow():
    outcome = assess(household(labour=0, recorded_income=D("11999.99")), T)
    assert outcome.level is Level.BLUE
    assert codes(outcome) == [BLUE]
    # 5999.995 is below: shown rounded down
    assert hit(outcome, BLUE).figures == {"per_capita": "5999.99", "line": "6000.00", "labour": "0"}
    assert hit(outcome, BLUE).reason == "无劳动力，人均可支配收入 5999.99 元低于监测线 6000.00 元"


def test_one_fen_below_the_line_with_labour_is_yellow_not_blue():
    outcome = assess(household(labour=1, recorded_income=D("11999.99")), T)
    assert outcome.level is Level.YELLOW
    assert codes(outcome) == [YELLOW]
    assert hit(outcome, YELLOW).figures == {
        "per_capita": "5999.99",
        "line": "6000.00",
        "labour": "1",
    }


def test_subsistence_with_labour_below_the_line_is_blue_and_yellow_is_recorded_too():
    outcome = assess(household(labour=1, subsistence=True, recorded_income=D("10000.00")), T)
    assert outcome.level is Level.BLUE
    assert codes(outcome) == [BLUE, YELLOW]
    blue = hit(outcome, BLUE)
    assert blue.figures == {"per_capita": "5000.00", "line": "6000.00", "labour": "1"}
    assert blue.reason == "享受低保或特困供养，人均可支配收入 5000.00 元低于监测线 6000.00 元"
    assert hit(outcome, YELLOW).figures == blue.figures


def test_subsistence_above_the_line_is_green():
    outcome = assess(household(labour=0, subsistence=True, recorded_income=D("12000.01")), T)
    assert outcome.level is Level.GREEN
    assert outcome.hits == ()


def test_no_labour_above_the_line_is_green():
    outcome = assess(household(labour=0, recorded_income=D("50000.00")), T)
    assert outcome.level is Level.GREEN


# --- Boundaries: purple --------------------------------------------------------


def test_rigid_expenditure_leaving_exactly_the_line_per_capita_is_not_purple():
    # (20000.00 - 8000.00) / 2 == 6000.00 == line
    outcome = assess(household(recorded_income=D("20000.00"), rigid=D("8000.00")), T)
    assert outcome.level is Level.GREEN
    assert outcome.hits == ()
    assert outcome.figures["rigid"] == "8000.00"


def test_one_fen_more_rigid_expenditure_than_the_line_allows_is_purple():
    outcome = assess(household(recorded_income=D("20000.00"), rigid=D("8000.01")), T)
    assert outcome.level is Level.PURPLE
    assert codes(outcome) == [PURPLE_RIGID]
    # (20000.00 - 8000.01) / 2 = 5999.995: below, shown rounded down
    assert hit(outcome, PURPLE_RIGID).figures == {
        "rigid": "8000.01",
        "per_capita_after_rigid": "5999.99",
        "line": "6000.00",
    }
    assert hit(outcome, PURPLE_RIGID).reason == (
        "扣除刚性支出 8000.01 元后人均 5999.99 元低于监测线 6000.00 元"
    )


@pytest.mark.parametrize(
    ("income", "labour"),
    [(D("0.00"), 0), (D("0.00"), 2), (D("5000.00"), 1), (D("11999.99"), 0), (D("20000.00"), 2)],
)
def test_zero_rigid_expenditure_never_fires_purple(income, labour):
    outcome = assess(household(recorded_income=income, labour=labour, rigid=D("0.00")), T)
    assert PURPLE_RIGID not in codes(outcome)
    assert Level.PURPLE not in {h.level for h in outcome.hits}


def test_rigid_expenditure_already_below_the_line_fires_purple_alongside_the_line_rules():
    outcome = assess(household(labour=1, recorded_income=D("10000.00"), rigid=D("0.01")), T)
    assert outcome.level is Level.PURPLE
    assert codes(outcome) == [PURPLE_RIGID, YELLOW]


@pytest.mark.parametrize("unable", [1, 2])
def test_members_unable_to_work_fire_purple(unable):
    outcome = assess(household(unable_to_work=unable), T)
    assert outcome.level is Level.PURPLE
    assert codes(outcome) == [PURPLE_UNABLE]
    assert hit(outcome, PURPLE_UNABLE).figures == {"unable_to_work": str(unable)}


def test_no_member_unable_to_work_fires_nothing():
    outcome = assess(household(unable_to_work=0), T)
    assert outcome.level is Level.GREEN


def test_rigid_expenditure_and_members_unable_to_work_are_both_recorded_in_order():
    outcome = assess(
        household(recorded_income=D("20000.00"), rigid=D("10000.00"), unable_to_work=1), T
    )
    assert outcome.level is Level.PURPLE
    assert codes(outcome) == [PURPLE_RIGID, PURPLE_UNABLE]


# --- Labour ------------------------------------------------------------------------


def test_no_labour_below_the_line_is_blue_and_not_yellow():
    outcome = assess(household(labour=0, recorded_income=D("10000.00")), T)
    assert BLUE in codes(outcome)
    assert YELLOW not in codes(outcome)


def test_some_labour_below_the_line_is_yellow_and_not_blue():
    outcome = assess(household(labour=1, recorded_income=D("10000.00")), T)
    assert YELLOW in codes(outcome)
    assert BLUE not in codes(outcome)


def test_labour_equal_to_members_is_accepted():
    outcome = assess(household(members=4, labour=4, recorded_income=D("40000.00")), T)
    assert outcome.level is Level.GREEN
    assert outcome.figures["labour"] == "4"


# --- Members that do not divide evenly ------------------------------------------


def _three_members(**overrides) -> HouseholdFigures:
    values = {"members": 3, "labour": 0, "recorded_income": D("10000.00")}
    values.update(overrides)
    return household(**values)


def test_ten_thousand_over_three_is_not_below_a_line_of_3333_33():
    # line = 2000.00 × 1.666665 = 3333.33; 10000.00 >= 3333.33 × 3 = 9999.99
    thresholds = Thresholds(year=2024, standard=D("2000.00"), multiplier=D("1.666665"))
    outcome = assess(_three_members(), thresholds)
    assert outcome.level is Level.GREEN
    # 3333.333…, not below the line: rounded up; the line 3333.33 is a whole fen, shown as is
    assert outcome.figures["per_capita"] == "3333.34"
    assert outcome.figures["line"] == "3333.33"


def test_ten_thousand_over_three_is_below_a_line_of_3333_34():
    # line = 2000.00 × 1.66667 = 3333.34; 10000.00 < 3333.34 × 3 = 10000.02
    thresholds = Thresholds(year=2024, standard=D("2000.00"), multiplier=D("1.66667"))
    outcome = assess(_three_members(), thresholds)
    assert outcome.level is Level.BLUE
    assert codes(outcome) == [BLUE]
    assert hit(outcome, BLUE).figures == {
        "per_capita": "3333.33",
        "line": "3333.34",
        "labour": "0",
    }


def test_ten_thousand_over_three_is_not_below_a_standard_of_3333_33():
    thresholds = Thresholds(year=2024, standard=D("3333.33"), multiplier=D("1"))
    outcome = assess(_three_members(), thresholds)
    assert RED_INCOME not in codes(outcome)
    assert outcome.level is Level.GREEN


def test_ten_thousand_over_three_is_below_a_standard_of_3333_34():
    thresholds = Thresholds(year=2024, standard=D("3333.34"), multiplier=D("1"))
    outcome = assess(_three_members(), thresholds)
    assert outcome.level is Level.RED
    assert codes(outcome) == [RED_INCOME, BLUE]
    assert hit(outcome, RED_INCOME).figures == {"per_capita": "3333.33", "standard": "3333.34"}


def test_rigid_expenditure_over_three_members_is_decided_exactly():
    thresholds = Thresholds(year=2024, standard=D("2000.00"), multiplier=D("1.666665"))
    on_the_line = assess(_three_members(labour=3, rigid=D("0.01")), thresholds)
    assert on_the_line.level is Level.GREEN  # 9999.99 == 3333.33 × 3
    below = assess(_three_members(labour=3, rigid=D("0.02")), thresholds)
    assert below.level is Level.PURPLE
    assert codes(below) == [PURPLE_RIGID]
    # 9999.98 / 3 = 3333.326…: below the line, rounded down
    assert hit(below, PURPLE_RIGID).figures["per_capita_after_rigid"] == "3333.32"


def test_twenty_thousand_over_three_rounds_the_per_capita_figure_half_up():
    outcome = assess(_three_members(recorded_income=D("20000.00")), T)
    assert outcome.figures["per_capita"] == "6666.67"


def test_a_half_fen_per_capita_below_the_line_is_shown_rounded_down():
    # 10000.01 / 2 = 5000.005, below the line of 6000.00
    outcome = assess(household(labour=1, recorded_income=D("10000.01")), T)
    assert outcome.figures["per_capita"] == "5000.00"
    assert hit(outcome, YELLOW).figures["per_capita"] == "5000.00"


def test_a_half_fen_per_capita_above_the_line_is_shown_rounded_up():
    # 12000.01 / 2 = 6000.005, above the line of 6000.00
    outcome = assess(household(labour=1, recorded_income=D("12000.01")), T)
    assert outcome.level is Level.GREEN
    assert outcome.figures["per_capita"] == "6000.01"


# --- Precedence ----------------------------------------------------------------------


def test_every_rule_firing_is_red_and_all_hits_are_recorded_in_order():
    outcome = assess(
        household(
            members=3,
            labour=1,
            subsistence=True,
            basic_needs_met=False,
            safe_water=False,
            recorded_income=D("3000.00"),
            rigid=D("1000.00"),
            unable_to_work=1,
        ),
        T,
    )
    assert outcome.level is Level.RED
    assert codes(outcome) == [
        RED_INCOME,
        RED_NEEDS,
        RED_WATER,
        BLUE,
        PURPLE_RIGID,
        PURPLE_UNABLE,
        YELLOW,
    ]
    assert [r["level"] for r in outcome.rules_fired] == [1, 1, 1, 2, 3, 3, 4]
    assert outcome.rules_fired[0] == {
        "level": 1,
        "code": RED_INCOME,
        "reason": "人均可支配收入 1000.00 元低于国家扶贫标准 4000.00 元",
        "figures": {"per_capita": "1000.00", "standard": "4000.00"},
    }
    assert outcome.rules_fired[3]["figures"] == {
        "per_capita": "1000.00",
        "line": "6000.00",
        "labour": "1",
    }
    assert outcome.rules_fired[4]["figures"] == {
        "rigid": "1000.00",
        "per_capita_after_rigid": "666.66",  # 2000 / 3 = 666.666…, below: rounded down
        "line": "6000.00",
    }
    assert outcome.rules_fired[5]["figures"] == {"unable_to_work": "1"}
    assert outcome.rules_fired[6]["figures"] == {
        "per_capita": "1000.00",
        "line": "6000.00",
        "labour": "1",
    }


def test_blue_beats_purple_and_yellow():
    outcome = assess(
        household(
            labour=1,
            subsistence=True,
            recorded_income=D("10000.00"),
            rigid=D("500.00"),
            unable_to_work=1,
        ),
        T,
    )
    assert outcome.level is Level.BLUE
    assert codes(outcome) == [BLUE, PURPLE_RIGID, PURPLE_UNABLE, YELLOW]


def test_purple_beats_yellow():
    outcome = assess(household(labour=2, recorded_income=D("10000.00"), unable_to_work=1), T)
    assert outcome.level is Level.PURPLE
    assert codes(outcome) == [PURPLE_UNABLE, YELLOW]
    assert [r["level"] for r in outcome.rules_fired] == [3, 4]


def test_red_from_needs_beats_purple_from_rigid_expenditure():
    outcome = assess(
        household(basic_needs_met=False, recorded_income=D("20000.00"), rigid=D("9000.00")), T
    )
    assert outcome.level is Level.RED
    assert codes(outcome) == [RED_NEEDS, PURPLE_RIGID]
    assert hit(outcome, PURPLE_RIGID).figures["per_capita_after_rigid"] == "5500.00"


def test_rules_fired_mirror_the_hits():
    outcome = assess(household(labour=1, recorded_income=D("7000.00"), unable_to_work=1), T)
    assert outcome.rules_fired == [
        {"level": h.level.value, "code": h.code, "reason": h.reason, "figures": h.figures}
        for h in outcome.hits
    ]
    assert outcome.level is Level.RED
    assert codes(outcome) == [RED_INCOME, PURPLE_UNABLE, YELLOW]


# --- Platform payouts counted ------------------------------------------------------------


def test_the_level_without_platform_payouts_runs_the_same_rules_without_them():
    # 12,000.00 for two with the payouts (6,000.00 a head, on the 6,000.00 line): green;
    # 10,000.00 without them (5,000.00 a head): yellow, on the same thresholds.
    lifted = household(labour=1, recorded_income=D("10000.00"), platform_income=D("2000.00"))
    assert assess(lifted, T).level is Level.GREEN
    assert level_without_platform(lifted, T) is Level.YELLOW
    # Below the standard without them (3,999.99 a head), above it with: red without, yellow with.
    red = household(labour=1, recorded_income=D("7999.98"), platform_income=D("0.02"))
    assert (assess(red, T).level, level_without_platform(red, T)) == (Level.YELLOW, Level.RED)
    # No payouts: the same level.
    plain = household(labour=1, recorded_income=D("7999.98"))
    assert level_without_platform(plain, T) is assess(plain, T).level is Level.RED


def test_platform_income_lifts_a_household_above_the_line():
    below = assess(household(labour=1, recorded_income=D("10000.00")), T)
    assert below.level is Level.YELLOW

    lifted = assess(
        household(labour=1, recorded_income=D("10000.00"), platform_income=D("2000.00")), T
    )
    assert lifted.level is Level.GREEN
    assert lifted.hits == ()
    assert lifted.figures["income"] == "12000.00"
    assert lifted.figures["recorded_income"] == "10000.00"
    assert lifted.figures["platform_income"] == "2000.00"
    assert lifted.figures["per_capita"] == "6000.00"


def test_platform_income_one_fen_short_of_the_line_still_leaves_the_household_below():
    outcome = assess(
        household(labour=1, recorded_income=D("10000.00"), platform_income=D("1999.99")), T
    )
    assert outcome.level is Level.YELLOW
    assert codes(outcome) == [YELLOW]


def test_platform_income_lifts_a_household_above_the_standard():
    below = assess(household(labour=0, recorded_income=D("7000.00")), T)
    assert below.level is Level.RED
    lifted = assess(
        household(labour=0, recorded_income=D("7000.00"), platform_income=D("1000.00")), T
    )
    assert RED_INCOME not in codes(lifted)
    assert lifted.level is Level.BLUE
    assert hit(lifted, BLUE).figures["per_capita"] == "4000.00"


def test_platform_income_counts_against_rigid_expenditure():
    below = assess(household(recorded_income=D("15000.00"), rigid=D("4000.00")), T)
    assert below.level is Level.PURPLE
    lifted = assess(
        household(recorded_income=D("15000.00"), platform_income=D("1000.00"), rigid=D("4000.00")),
        T,
    )
    assert lifted.level is Level.GREEN


# --- Invalid input ----------------------------------------------------------------------


@pytest.mark.parametrize("members", [0, -1])
def test_a_household_without_members_is_rejected(members):
    with pytest.raises(ValueError, match="at least one resident member"):
        assess(household(members=members, labour=0), T)


def test_more_labour_than_members_is_rejected():
    with pytest.raises(ValueError, match="labour"):
        assess(household(members=2, labour=3), T)


def test_negative_labour_is_rejected():
    with pytest.raises(ValueError, match="labour"):
        assess(household(members=2, labour=-1), T)


# --- Property: the level is the most severe condition, derived from DESIGN.md -----------

money = st.decimals(min_value=D("0"), max_value=D("100000.00"), places=2)
standards = st.decimals(min_value=D("2000"), max_value=D("5000"), places=2)


@st.composite
def cases(draw):
    members = draw(st.integers(min_value=1, max_value=8))
    figures = HouseholdFigures(
        members=members,
        labour=draw(st.integers(min_value=0, max_value=members)),
        subsistence=draw(st.booleans()),
        basic_needs_met=draw(st.booleans()),
        safe_water=draw(st.booleans()),
        recorded_income=draw(money),
        platform_income=draw(st.one_of(st.just(D("0")), money)),
        rigid=draw(st.one_of(st.just(D("0")), money)),
        unable_to_work=draw(st.integers(min_value=0, max_value=members)),
    )
    thresholds = Thresholds(year=2024, standard=draw(standards), multiplier=D("1.5"))
    return figures, thresholds


def expected_codes(f: HouseholdFigures, t: Thresholds) -> list[tuple[Level, str]]:
    """DESIGN.md's table, re-derived: a / members < b is a < b × members, exactly."""
    income = f.recorded_income + f.platform_income
    line = t.standard * D("1.5")
    below_line = income < line * f.members
    fired = []
    if income < t.standard * f.members:
        fired.append((Level.RED, RED_INCOME))
    if not f.basic_needs_met:
        fired.append((Level.RED, RED_NEEDS))
    if not f.safe_water:
        fired.append((Level.RED, RED_WATER))
    if (f.labour == 0 or f.subsistence) and below_line:
        fired.append((Level.BLUE, BLUE))
    if f.rigid > 0 and income - f.rigid < line * f.members:
        fired.append((Level.PURPLE, PURPLE_RIGID))
    if f.unable_to_work > 0:
        fired.append((Level.PURPLE, PURPLE_UNABLE))
    if f.labour > 0 and below_line:
        fired.append((Level.YELLOW, YELLOW))
    return fired


def _check(figures: HouseholdFigures, thresholds: Thresholds) -> None:
    outcome = assess(figures, thresholds)
    fired = expected_codes(figures, thresholds)
    assert [(h.level, h.code) for h in outcome.hits] == fired
    assert outcome.level == min((level for level, _ in fired), default=Level.GREEN)
    assert (outcome.level is Level.GREEN) == (outcome.hits == ())


@settings(max_examples=500, deadline=None)
@given(cases())
@example(
    (
        HouseholdFigures(3, 1, False, True, True, D("10000.00")),
        Thresholds(2024, D("3333.33"), D("1.5")),
    )
)
def test_level_is_the_most_severe_condition_that_holds(case):
    _check(*case)


@st.composite
def cases_on_a_boundary(draw):
    """Income within two fen of standard × members or line × members, in both directions."""
    members = draw(st.integers(min_value=1, max_value=8))
    standard = draw(standards)
    limit = draw(st.sampled_from([standard, standard * D("1.5")]))
    target = (limit * members).quantize(D("0.01"))
    income = max(D("0.00"), target + D("0.01") * draw(st.integers(min_value=-2, max_value=2)))
    rigid = draw(st.sampled_from([D("0"), D("0.01"), D("0.02")]))
    figures = HouseholdFigures(
        members=members,
        labour=draw(st.integers(min_value=0, max_value=members)),
        subsistence=draw(st.booleans()),
        basic_needs_met=True,
        safe_water=True,
        recorded_income=income,
        rigid=rigid,
    )
    return figures, Thresholds(year=2024, standard=standard)


@settings(max_examples=500, deadline=None)
@given(cases_on_a_boundary())
def test_level_is_decided_exactly_within_a_fen_of_every_threshold(case):
    _check(*case)


@settings(max_examples=300, deadline=None)
@given(cases())
def test_per_capita_figure_is_the_exact_quotient_rounded_down_below_the_line_and_up_otherwise(
    case,
):
    figures, thresholds = case
    outcome = assess(figures, thresholds)
    exact = Fraction(figures.recorded_income + figures.platform_income) / figures.members
    line = Fraction(thresholds.standard) * Fraction(thresholds.multiplier)
    # rounded on the exact rationals, then compared with the engine's strings
    fen = math.floor(exact * 100) if exact < line else math.ceil(exact * 100)
    assert outcome.figures["per_capita"] == str(D(fen).scaleb(-2))
    assert outcome.figures["line"] == str(D(math.ceil(line * 100)).scaleb(-2))


# --- Shown figures never contradict the sentence (issue #15) ---------------------------
# The rule: a limit is shown as is when a whole fen, rounded up otherwise; a per-capita figure
# is rounded down when below the line and up when not. Expected strings computed by hand.

T_6900 = Thresholds(year=2024, standard=D("4600.00"))  # line 6900.00
T_FRACTION = Thresholds(year=2024, standard=D("4321.33"))  # line 6481.995, shown 6482.00


def test_13799_99_over_two_is_yellow_and_says_6899_99_below_6900_00():
    outcome = assess(household(labour=1, recorded_income=D("13799.99")), T_6900)
    assert outcome.level is Level.YELLOW
    assert outcome.figures["per_capita"] == "6899.99"
    assert [h.reason for h in outcome.hits] == [
        "有劳动力，人均可支配收入 6899.99 元低于监测线 6900.00 元"
    ]


def test_13800_00_over_two_is_green_and_shows_6900_00():
    outcome = assess(household(labour=1, recorded_income=D("13800.00")), T_6900)
    assert outcome.level is Level.GREEN
    assert outcome.figures["per_capita"] == "6900.00"
    assert outcome.figures["line"] == "6900.00"


def test_a_line_with_a_fraction_of_a_fen_is_shown_rounded_up():
    # 19445.98 / 3 = 6481.9933… < 6481.995
    outcome = assess(household(members=3, labour=1, recorded_income=D("19445.98")), T_FRACTION)
    assert outcome.level is Level.YELLOW
    assert outcome.figures["line"] == "6482.00"
    assert [h.reason for h in outcome.hits] == [
        "有劳动力，人均可支配收入 6481.99 元低于监测线 6482.00 元"
    ]


def test_just_above_a_fractional_line_is_green_and_not_shown_below_it():
    # 19445.99 / 3 = 6481.9966… >= 6481.995: shown rounded up, equal to the line as shown
    outcome = assess(household(members=3, labour=1, recorded_income=D("19445.99")), T_FRACTION)
    assert outcome.level is Level.GREEN
    assert outcome.figures["per_capita"] == "6482.00"
    assert outcome.figures["line"] == "6482.00"


def test_exactly_on_a_fractional_line_is_green_and_shows_the_line():
    # 12963.99 / 2 = 6481.995, exactly the line: rounded down it would read 6481.99 < 6482.00
    outcome = assess(household(labour=1, recorded_income=D("12963.99")), T_FRACTION)
    assert outcome.level is Level.GREEN
    assert outcome.figures["per_capita"] == "6482.00"


def test_rigid_expenditure_sentence_at_the_boundary_never_shows_the_line_below_itself():
    # (20000.00 - 6200.01) / 2 = 6899.995
    outcome = assess(household(recorded_income=D("20000.00"), rigid=D("6200.01")), T_6900)
    assert outcome.level is Level.PURPLE
    assert [h.reason for h in outcome.hits] == [
        "扣除刚性支出 6200.01 元后人均 6899.99 元低于监测线 6900.00 元"
    ]
    # one fen less rigid expenditure: (20000.00 - 6200.00) / 2 = 6900.00, not below
    assert assess(household(recorded_income=D("20000.00"), rigid=D("6200.00")), T_6900).hits == ()


def test_red_sentence_with_three_members_and_a_fractional_line():
    # 12963.98 / 3 = 4321.3266… < 4321.33
    outcome = assess(household(members=3, labour=0, recorded_income=D("12963.98")), T_FRACTION)
    assert [h.reason for h in outcome.hits] == [
        "人均可支配收入 4321.32 元低于国家扶贫标准 4321.33 元",
        "无劳动力，人均可支配收入 4321.32 元低于监测线 6482.00 元",
    ]


multipliers = st.sampled_from([D("1.5"), D("1.25"), D("1.33"), D("1.67"), D("2")])


@st.composite
def cases_near_a_line(draw):
    members = draw(st.integers(min_value=1, max_value=8))
    thresholds = Thresholds(year=2024, standard=draw(standards), multiplier=draw(multipliers))
    limit = draw(st.sampled_from([thresholds.standard, thresholds.line]))
    target = (limit * members).quantize(D("0.01"))
    income = target + D("0.01") * draw(st.integers(min_value=-3, max_value=3))
    figures = HouseholdFigures(
        members=members,
        labour=draw(st.integers(min_value=0, max_value=members)),
        subsistence=draw(st.booleans()),
        basic_needs_met=True,
        safe_water=True,
        recorded_income=income,
        rigid=draw(st.sampled_from([D("0"), D("0.01"), D("0.02"), D("0.03")])),
    )
    return figures, thresholds


@settings(max_examples=500, deadline=None)
@given(cases_near_a_line())
def test_every_shown_figure_agrees_with_the_sentence_it_is_in(case):
    figures, thresholds = case
    outcome = assess(figures, thresholds)
    for h in outcome.hits:
        shown = h.figures.get("per_capita") or h.figures.get("per_capita_after_rigid")
        limit = h.figures.get("standard") or h.figures.get("line")
        if shown is not None and limit is not None:
            assert D(shown) < D(limit), h.reason
    below_line = {BLUE, YELLOW} & set(codes(outcome)) or RED_INCOME in codes(outcome)
    if not below_line:
        # on or above the line: the figure shown is not below the line shown
        assert D(outcome.figures["per_capita"]) >= D(outcome.figures["line"])
