"""Targeting (issue #21): where the next ¥1,000 of sales does the most good. Everything is a
projection (预计) of what sales would make due (应兑付), assuming it is paid out.

- pure (``figures``): ``gap_to_line``, the lift of ¥1,000 over links, the projection of sales;
- services: ``project_sales`` / ``project_amounts`` (what given sales would do, now),
  ``targeting_refresh_all`` / ``targeting_refresh_households`` (the stored figures);
- selectors: ``lifts``, ``gaps``, ``products_by_lift`` (one query each).

Definitions (the figures' meaning, to be said wherever they are shown):
``lift_assumptions()`` and ``Projection.assumptions``.
"""

from .figures import FOLD_BELOW, GAP_BANDS, IN_WARNING, LIFT_SALES, gap_to_line
from .selectors import Gap, Lift, gaps, gaps_in_county, lifts, products_by_lift
from .services import (
    Projection,
    lift_assumptions,
    project_amounts,
    project_sales,
    projection_assumptions,
    targeting_refresh_all,
    targeting_refresh_households,
)

__all__ = [
    "FOLD_BELOW",
    "GAP_BANDS",
    "IN_WARNING",
    "LIFT_SALES",
    "Gap",
    "Lift",
    "Projection",
    "gap_to_line",
    "gaps",
    "gaps_in_county",
    "lift_assumptions",
    "lifts",
    "products_by_lift",
    "project_amounts",
    "project_sales",
    "projection_assumptions",
    "targeting_refresh_all",
    "targeting_refresh_households",
]
