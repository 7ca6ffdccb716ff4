"""What the benefit links say a sold line should give, worked out apart from the ledger's code.

The ledger tests and the attribution benchmark compare what the ledger holds with the pure
split (``line_split``) of each line over the links these functions select and convert.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q

from impact.ledger.attribution import LinkRule
from producers.models import BenefitLink


def link_rule(link: BenefitLink) -> LinkRule:
    """The pure split's view of a link: who it reaches, as which income, by which rule."""
    return LinkRule(
        link_id=link.pk,
        household_id=link.household_id,
        income_source=BenefitLink.INCOME_SOURCE[link.kind],
        per_unit=link.per_unit,
        share_percent=link.share,
    )


def links_in_force(line: Any, *, on: datetime.date) -> list[LinkRule]:
    """The rules of the links of the line's producer (all its products, or the line's) in force ``on``."""
    links = (
        BenefitLink.objects.filter(producer__partner_id=line.partner_id, valid_from__lte=on)
        .filter(Q(product__isnull=True) | Q(product_id=line.product_id))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("pk")
    )
    return [link_rule(link) for link in links]
