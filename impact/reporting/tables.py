"""What each report shows: its tables (the same rows the CSV and XLSX files hold) and its charts.

Charts are drawn in the browser by Chart.js (shipped in ``static/vendor``,
no CDN) from the specs made here; every chart has a table with its figures.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from ..monitoring.rules import Level
from .buyer import MyImpact
from .exports import Table
from .staff import BREAKDOWNS, LEVELS, BreakdownRow, Overview, PlatformImpact, month_label

LEVEL_COLOURS = {1: "#c62828", 2: "#1565c0", 3: "#6a1b9a", 4: "#f9a825", 5: "#2e7d32"}


def level_label(level: int) -> str:
    value = Level(level)
    return f"{value.numeral} {value.colour}"


def _number(value: Decimal | int | None) -> float:
    return float(value or 0)


def overview_tables(overview: Overview) -> list[Table]:
    level_columns = [level_label(level) for level in LEVELS]
    region_title = {
        "county": _("County"),
        "township": _("Township"),
        "village": _("Village"),
    }[str(overview.region_level)]
    return [
        Table(
            "levels",
            _("Households by warning level now"),
            [_("Warning level"), _("Households")],
            [[level_label(level), overview.levels[level]] for level in LEVELS]
            + [[_("Not yet assessed"), overview.unassessed], [_("All"), overview.households]],
        ),
        Table(
            "regions",
            _("Households by %(region)s and level") % {"region": region_title},
            [region_title, *level_columns, _("In warning"), _("All")],
            [[row.name, *row.by_level, row.in_warning, row.total] for row in overview.regions],
            drill=[row.region_id for row in overview.regions]
            if overview.region_level != "village"
            else None,
        ),
        Table(
            "months",
            _("Households by warning level, month by month"),
            [_("Month"), *level_columns],
            [
                [month_label(month), *[counts.get(level, 0) for level in LEVELS]]
                for month, counts in overview.months
            ],
        ),
        Table(
            "clues",
            _("Clues"),
            [_("Figure"), _("Count")],
            [
                [_("Waiting for review"), overview.clues_open],
                [_("Overdue"), overview.clues_overdue],
            ],
        ),
        Table(
            "measures",
            _("Help measures by mode"),
            [_("Help mode"), _("In progress"), _("All")],
            [[label, active, total] for _mode, label, active, total in overview.measures],
        ),
    ]


def overview_charts(overview: Overview) -> list[dict[str, Any]]:
    return [
        {
            "id": "chart-months",
            "title": _("Households by warning level, month by month"),
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
            "title": _("Households by region and level"),
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
                [_("Households moved out of warning by sales"), impact.moved_out_of_warning],
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
