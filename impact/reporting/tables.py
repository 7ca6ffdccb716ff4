"""What each report shows: its tables (the same rows the CSV and XLSX files hold) and its charts.

Charts are drawn in the browser by Chart.js (shipped in ``static/vendor``,
no CDN) from the specs made here; every chart has a table with its figures.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from ..monitoring.rules import Level
from .buyer import MyImpact
from .exports import Table
from .staff import (
    BREAKDOWNS,
    LEVELS,
    ArrearsRow,
    BreakdownRow,
    Overview,
    PlatformImpact,
    month_label,
)

LEVEL_COLOURS = {1: "#c62828", 2: "#1565c0", 3: "#6a1b9a", 4: "#f9a825", 5: "#2e7d32"}


def level_label(level: int) -> str:
    value = Level(level)
    return f"{value.numeral} {value.colour}"


def _number(value: Decimal | int | None) -> float:
    return float(value or 0)


def screening_heading() -> str:
    """The heading every machine-level figure stands under: it is screening, not status."""
    return _("Automatic screening (system warning levels, not official status)")


def overview_tables(overview: Overview) -> list[Table]:
    level_columns = [level_label(level) for level in LEVELS]
    region_title = {
        "county": _("County"),
        "township": _("Township"),
        "village": _("Village"),
    }[str(overview.region_level)]
    period = overview.period.label if overview.period is not None else ""
    type_columns = [label for _kind, label, _count in overview.targets_by_type]
    official = _("Official monitoring status (confirmed by county approval)")
    screening = screening_heading()
    drill = (
        [row.region_id for row in overview.official_regions]
        if overview.region_level != "village"
        else None
    )
    return [
        Table(
            "targets",
            _("Monitoring targets, %(period)s") % {"period": period},
            [_("Figure"), _("Households")],
            [[label, count] for _kind, label, count in overview.targets_by_type]
            + [
                [_("Monitoring targets now (all types)"), overview.targets_total],
                [_("Included in the period"), overview.included],
                [_("Risk eliminated in the period"), overview.eliminated],
            ],
            section=official,
        ),
        Table(
            "official-regions",
            _("Monitoring targets and clues by %(region)s, %(period)s")
            % {"region": region_title, "period": period},
            [
                region_title,
                *type_columns,
                _("Targets now"),
                _("Included in the period"),
                _("Risk eliminated in the period"),
                _("Clues in review"),
                _("Overdue clues"),
            ],
            [
                [
                    row.name,
                    *row.by_type,
                    row.targets_total,
                    row.included,
                    row.eliminated,
                    row.clues_open,
                    row.clues_overdue,
                ]
                for row in overview.official_regions
            ],
            drill=drill,
            section=official,
        ),
        Table(
            "clues",
            _("Clues"),
            [_("Figure"), _("Count")],
            [
                [_("Waiting for review"), overview.clues_open],
                [_("Overdue"), overview.clues_overdue],
            ],
            section=official,
        ),
        Table(
            "measures",
            _("Help measures by mode"),
            [_("Help mode"), _("In progress"), _("All")],
            [[label, active, total] for _mode, label, active, total in overview.measures],
            section=official,
        ),
        Table(
            "levels",
            _("Automatic screening: households by warning level now"),
            [_("Warning level"), _("Households")],
            [[level_label(level), overview.levels[level]] for level in LEVELS]
            + [[_("Not yet assessed"), overview.unassessed], [_("All"), overview.households]],
            section=screening,
        ),
        Table(
            "regions",
            _("Automatic screening: households by %(region)s and warning level")
            % {"region": region_title},
            [region_title, *level_columns, _("Flagged (levels Ⅰ–Ⅳ)"), _("All")],
            [[row.name, *row.by_level, row.in_warning, row.total] for row in overview.regions],
            drill=[row.region_id for row in overview.regions]
            if overview.region_level != "village"
            else None,
            section=screening,
        ),
        Table(
            "months",
            _("Automatic screening: households by warning level, month by month"),
            [_("Month"), *level_columns],
            [
                [month_label(month), *[counts.get(level, 0) for level in LEVELS]]
                for month, counts in overview.months
            ],
            section=screening,
        ),
    ]


TARGET_COLOURS = ["#ad1457", "#ef6c00", "#4527a0"]


def overview_charts(overview: Overview) -> list[dict[str, Any]]:
    return [
        {
            "id": "chart-targets",
            "title": _("Monitoring targets by region and type (official)"),
            "type": "bar",
            "stacked": True,
            "horizontal": True,
            "labels": [row.name for row in overview.official_regions],
            "datasets": [
                {
                    "label": label,
                    "data": [row.targets.get(kind, 0) for row in overview.official_regions],
                    "color": colour,
                }
                for (kind, label, _count), colour in zip(
                    overview.targets_by_type, TARGET_COLOURS, strict=True
                )
            ],
        },
        {
            "id": "chart-months",
            "title": _("Automatic screening: households by warning level, month by month"),
            "type": "bar",
            "stacked": True,
            "labels": [month_label(month) for month, _counts in overview.months],
            "datasets": [
                {
                    "label": level_label(level),
                    "data": [counts.get(level, 0) for _month, counts in overview.months],
                    "color": LEVEL_COLOURS[level],
                }
                for level in LEVELS
            ],
        },
        {
            "id": "chart-regions",
            "title": _("Automatic screening: households by region and warning level"),
            "type": "bar",
            "stacked": True,
            "horizontal": True,
            "labels": [row.name for row in overview.regions],
            "datasets": [
                {
                    "label": level_label(level),
                    "data": [row.counts.get(level, 0) for row in overview.regions],
                    "color": LEVEL_COLOURS[level],
                }
                for level in LEVELS
            ],
        },
    ]


def platform_tables(impact: PlatformImpact) -> list[Table]:
    median = impact.median_per_household
    return [
        Table(
            "figures",
            _("Platform impact, %(period)s") % {"period": impact.period.label},
            [_("Figure"), _("Value")],
            [
                [_("Sales, paid, net of refunds (yuan)"), impact.sales],
                [_("Due to households, net of refunds (yuan)"), impact.attributed],
                [_("Households reached"), impact.households_reached],
                [
                    _("Median due per household reached, net of refunds (yuan)"),
                    median if median is not None else "",
                ],
                [
                    _(
                        "Households above the line thanks to platform income, now (not risk elimination)"
                    ),
                    impact.above_line_now,
                ],
                [
                    _(
                        "Households moved out of warning by platform payouts, credited in the period"
                    ),
                    impact.moved_out_of_warning,
                ],
            ],
        ),
        Table(
            "months",
            _("Paid sales and amounts due by month, net of refunds"),
            [
                _("Month"),
                _("Sales, paid, net of refunds (yuan)"),
                _("Due to households, net of refunds (yuan)"),
            ],
            [[month_label(month), sales, attributed] for month, sales, attributed in impact.months],
        ),
    ]


def platform_charts(impact: PlatformImpact) -> list[dict[str, Any]]:
    return [
        {
            "id": "chart-platform-months",
            "title": _("Paid sales and amounts due by month, net of refunds"),
            "type": "bar",
            "stacked": False,
            "labels": [month_label(month) for month, _s, _a in impact.months],
            "datasets": [
                {
                    "label": _("Sales, paid, net of refunds (yuan)"),
                    "data": [_number(sales) for _m, sales, _a in impact.months],
                    "color": "#b71c1c",
                },
                {
                    "label": _("Due to households, net of refunds (yuan)"),
                    "data": [_number(attributed) for _m, _s, attributed in impact.months],
                    "color": "#2e7d32",
                },
            ],
        }
    ]


def breakdown_tables(rows: list[BreakdownRow], *, by: str, period_label: str) -> list[Table]:
    dimension = str(BREAKDOWNS[by])
    if by == "source":
        columns = [dimension, _("Due to households, net of refunds (yuan)")]
        body = [[row.label, row.attributed] for row in rows]
    else:
        columns = [
            dimension,
            _("Quantity"),
            _("Sales, paid, net of refunds (yuan)"),
            _("Due to households, net of refunds (yuan)"),
            _("Due to households as a share of paid sales (%)"),
        ]
        body = [
            [
                row.label,
                row.quantity or 0,
                row.sales,
                row.attributed,
                row.attributed_share if row.attributed_share is not None else "",
            ]
            for row in rows
        ]
    return [
        Table(
            f"by-{by}",
            _("By %(dimension)s, %(period)s") % {"dimension": dimension, "period": period_label},
            columns,
            body,
        )
    ]


def breakdown_charts(rows: list[BreakdownRow], *, by: str) -> list[dict[str, Any]]:
    shown = rows[:15]
    datasets = []
    if by != "source":
        datasets.append(
            {
                "label": _("Sales, paid, net of refunds (yuan)"),
                "data": [_number(row.sales) for row in shown],
                "color": "#b71c1c",
            }
        )
    datasets.append(
        {
            "label": _("Due to households, net of refunds (yuan)"),
            "data": [_number(row.attributed) for row in shown],
            "color": "#2e7d32",
        }
    )
    return [
        {
            "id": f"chart-by-{by}",
            "title": str(BREAKDOWNS[by]),
            "type": "bar",
            "stacked": False,
            "horizontal": True,
            "labels": [row.label for row in shown],
            "datasets": datasets,
        }
    ]


def my_impact_chart(impact: MyImpact) -> dict[str, Any]:
    return {
        "id": "chart-my-impact",
        "title": _("What your orders reached, month by month"),
        "type": "bar",
        "stacked": False,
        "labels": [month_label(row.month) for row in impact.months],
        "datasets": [
            {
                "label": _("Due to households, net of refunds (yuan)"),
                "data": [_number(row.amount) for row in impact.months],
                "color": "#2e7d32",
            }
        ],
    }


def arrears_tables(rows: list[ArrearsRow], *, today: datetime.date) -> list[Table]:
    """Arrears by producer: one table, the same rows on the page and in the CSV and XLSX."""
    return [
        Table(
            "arrears",
            _("Due to households and unpaid past the payout period, as of %(date)s")
            % {"date": today.isoformat()},
            [
                _("Producer"),
                _("County"),
                _("Households owed"),
                _("Owed (yuan)"),
                _("Oldest due date"),
                _("Disputed payouts"),
                _("Sales suspended"),
            ],
            [
                [
                    row.producer,
                    row.county,
                    row.households,
                    row.amount,
                    row.oldest_due_by.isoformat() if row.oldest_due_by else "",
                    row.disputed,
                    _("Yes") if row.suspended else _("No"),
                ]
                for row in rows
            ],
        )
    ]
