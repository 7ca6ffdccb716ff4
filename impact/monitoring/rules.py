"""The return-to-poverty warning rules, as a pure function.

No ORM, no settings: plain figures in, a level and every rule that fired out.
DESIGN.md's rule table, for a household in year Y:

| level | fires when |
| --- | --- |
| Ⅰ red | per_capita < standard, or 两不愁三保障 (or safe water) not met |
| Ⅱ blue | (labour == 0 or subsistence) and per_capita < line |
| Ⅲ purple | rigid > 0 and (income - rigid) / members < line, or members temporarily unable to work |
| Ⅳ yellow | labour > 0 and per_capita < line |
| Ⅴ green | none of the above |

Comparisons are strict and exact: ``a / members < b`` is decided as
``a < b * members`` in Decimal, so a per-capita income exactly on the line is
not below it, and no rounding can tip a household either way.

Figures are shown to the fen, rounded so that what they say stays true
(``shown_limit``, ``shown_per_capita``): a limit (the standard, the line) is
shown as is when it is a whole number of fen and rounded up otherwise; a
per-capita figure is rounded down when it is below the line and up when it
is not. So "6899.99 元低于监测线 6900.00 元", never "6900.00 低于 6900.00", and a
household on or above the line never shows a figure below it.
"""

from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import IntEnum
from typing import Any

from common.money import fen, yuan


class Level(IntEnum):
    RED = 1
    BLUE = 2
    PURPLE = 3
    YELLOW = 4
    GREEN = 5

    @property
    def numeral(self) -> str:
        return "ⅠⅡⅢⅣⅤ"[self.value - 1]

    @property
    def colour(self) -> str:
        return "红蓝紫黄绿"[self.value - 1]

    @property
    def help_mode(self) -> str:
        return "带扶帮引提"[self.value - 1]


@dataclass(frozen=True)
class Thresholds:
    """One year's row of the thresholds table."""

    year: int
    standard: Decimal  # national poverty standard, yuan per person per year
    multiplier: Decimal = Decimal("1.5")

    @property
    def line(self) -> Decimal:
        return self.standard * self.multiplier


@dataclass(frozen=True)
class HouseholdFigures:
    """Everything the rules read about one household for one year."""

    members: int
    labour: int
    subsistence: bool  # enrolled in 低保 or 特困供养
    basic_needs_met: bool  # 两不愁三保障
    safe_water: bool
    recorded_income: Decimal  # wages + operating + property + transfers
    # Platform payouts received in the year that count (not reversed, not disputed) and are not
    # already part of the recorded income. Due amounts never count.
    platform_income: Decimal = Decimal("0")
    rigid: Decimal = Decimal("0")  # unresolved special-cause rigid expenditure, last 12 months
    unable_to_work: int = 0  # members temporarily unable to work from a special cause

    @property
    def income(self) -> Decimal:
        return self.recorded_income + self.platform_income


@dataclass(frozen=True)
class RuleHit:
    level: Level
    code: str
    reason: str  # in Chinese, as staff read it
    figures: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    level: Level
    hits: tuple[RuleHit, ...]
    figures: dict[str, str] = field(default_factory=dict)

    @property
    def rules_fired(self) -> list[dict[str, Any]]:
        return [
            {
                "level": hit.level.value,
                "code": hit.code,
                "reason": hit.reason,
                "figures": hit.figures,
            }
            for hit in self.hits
        ]


def _below(amount: Decimal, members: int, limit: Decimal) -> bool:
    """amount / members < limit, decided exactly."""
    return amount < limit * members


def shown_limit(limit: Decimal) -> str:
    """A limit (the standard, the line) as shown: as is when a whole fen, else rounded up.

    The standard is stored to the fen, so only a line (standard × multiplier)
    can have a fraction of a fen: 4321.33 × 1.5 = 6481.995 is shown as 6482.00.
    """
    return str(fen(limit, ROUND_CEILING))


def shown_per_capita(amount: Decimal, members: int, line: Decimal) -> str:
    """``amount / members`` as shown beside ``line``: rounded down when below it, else up.

    Rounded down, a figure below the line stays below the line as shown
    (rounded up) and below a whole-fen standard it is below; rounded up, a
    figure on or above the line never shows below it.
    """
    rounding = ROUND_FLOOR if _below(amount, members, line) else ROUND_CEILING
    return str(fen(amount / members, rounding))


def assess(figures: HouseholdFigures, thresholds: Thresholds) -> Outcome:
    if figures.members <= 0:
        raise ValueError("a household has at least one resident member")
    if not 0 <= figures.labour <= figures.members:
        raise ValueError("labour must be between 0 and the number of members")

    income = figures.income
    members = figures.members
    standard = thresholds.standard
    line = thresholds.line
    base = {
        "members": str(members),
        "labour": str(figures.labour),
        "income": yuan(income),
        "recorded_income": yuan(figures.recorded_income),
        "platform_income": yuan(figures.platform_income),
        "per_capita": shown_per_capita(income, members, line),
        "standard": shown_limit(standard),
        "multiplier": str(thresholds.multiplier),
        "line": shown_limit(line),
        "rigid": yuan(figures.rigid),
        "unable_to_work": str(figures.unable_to_work),
    }
    hits: list[RuleHit] = []

    # Ⅰ red: returned to or newly in poverty
    if _below(income, members, standard):
        hits.append(
            RuleHit(
                Level.RED,
                "income_below_standard",
                f"人均可支配收入 {base['per_capita']} 元低于国家扶贫标准 {base['standard']} 元",
                {"per_capita": base["per_capita"], "standard": base["standard"]},
            )
        )
    if not figures.basic_needs_met:
        hits.append(RuleHit(Level.RED, "basic_needs_unmet", "两不愁三保障未达标", {}))
    if not figures.safe_water:
        hits.append(RuleHit(Level.RED, "unsafe_water", "饮水安全未保障", {}))

    below_line = _below(income, members, line)

    # Ⅱ blue: bottom-line guarantee
    if below_line and (figures.labour == 0 or figures.subsistence):
        cause = "无劳动力" if figures.labour == 0 else "享受低保或特困供养"
        hits.append(
            RuleHit(
                Level.BLUE,
                "no_labour_or_subsistence_below_line",
                f"{cause}，人均可支配收入 {base['per_capita']} 元低于监测线 {base['line']} 元",
                {"per_capita": base["per_capita"], "line": base["line"], "labour": base["labour"]},
            )
        )

    # Ⅲ purple: sudden risk from special-cause rigid expenditure
    if figures.rigid > 0 and _below(income - figures.rigid, members, line):
        after = shown_per_capita(income - figures.rigid, members, line)
        hits.append(
            RuleHit(
                Level.PURPLE,
                "rigid_expenditure_below_line",
                f"扣除刚性支出 {base['rigid']} 元后人均 {after} 元低于监测线 {base['line']} 元",
                {
                    "rigid": base["rigid"],
                    "per_capita_after_rigid": after,
                    "line": base["line"],
                },
            )
        )
    if figures.unable_to_work > 0:
        hits.append(
            RuleHit(
                Level.PURPLE,
                "members_unable_to_work",
                f"{figures.unable_to_work} 名成员因特殊原因暂时丧失劳动能力",
                {"unable_to_work": base["unable_to_work"]},
            )
        )

    # Ⅳ yellow: weak internal drive
    if below_line and figures.labour > 0:
        hits.append(
            RuleHit(
                Level.YELLOW,
                "labour_below_line",
                f"有劳动力，人均可支配收入 {base['per_capita']} 元低于监测线 {base['line']} 元",
                {"per_capita": base["per_capita"], "line": base["line"], "labour": base["labour"]},
            )
        )

    level = min((hit.level for hit in hits), default=Level.GREEN)
    return Outcome(level=level, hits=tuple(hits), figures=base)


def level_without_platform(figures: HouseholdFigures, thresholds: Thresholds) -> Level:
    """The level the same household would have, on the same thresholds, without platform payouts.

    Sales get credit for a level only where this differs from ``assess(...).level``.
    """
    if not figures.platform_income:
        return assess(figures, thresholds).level
    return assess(replace(figures, platform_income=Decimal("0")), thresholds).level
