"""Template tags that put the attribution ledger on shop pages. Thin: each calls one selector."""

from typing import Any

from django import template

from impact.ledger.receipts import Receipt
from impact.ledger.receipts import order_impact_receipt as select_order_impact_receipt
from impact.ledger.selectors import INCOME_SOURCE_LABELS, order_lines_with_attributions
from impact.reporting.public import PublicFigures, public_figures_cached

register = template.Library()


@register.simple_tag
def order_impact_receipt(order: Any) -> Receipt:
    """{% order_impact_receipt order as receipt %}: what of the order reaches registered households."""
    return select_order_impact_receipt(order=order)


@register.simple_tag
def order_line_attributions(order: Any) -> list[Any]:
    """{% order_line_attributions order as lines %}: each line with its ledger entries (staff pages)."""
    return order_lines_with_attributions(order=order)


@register.filter
def income_source_label(source: str) -> str:
    """{{ entry.income_source|income_source_label }}: 工资性, 经营性, 财产性 or 转移性."""
    return str(INCOME_SOURCE_LABELS.get(source, source))


@register.simple_tag
def public_impact_figures() -> PublicFigures:
    """{% public_impact_figures as figures %}: the platform's public figures (cached)."""
    return public_figures_cached()
