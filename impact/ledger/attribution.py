"""How a paid order line's money is split among the households linked to it. Pure: no ORM, no settings.

A benefit link gives a household either a fixed amount per unit sold or a
share (percent) of the line's net amount. The line's *linked total* is the sum
of what each link gives, rounded once to the fen; it is then split among the
links by largest remainder, so the parts always add up exactly to it.

A refund keeps what the kept part of the line should give: the linked total
scaled by the money kept (``kept_net / net``), split the same way. What was
attributed beyond that is reversed, never taking a link below zero nor
raising one, and the line always keeps exactly its kept linked total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from common.money import ZERO, fen, largest_remainder


@dataclass(frozen=True)
class LinkRule:
    """A benefit link as the split needs it."""

    link_id: int
    household_id: int
    income_source: str
    per_unit: Decimal | None = None
    share_percent: Decimal | None = None

    def exact_amount(self, *, quantity: int, net: Decimal) -> Decimal:
        if self.per_unit is not None:
            return self.per_unit * quantity
        if self.share_percent is not None:
            return net * self.share_percent / 100
        raise ValueError(f"link {self.link_id} has no rule")


@dataclass(frozen=True)
class Part:
    link_id: int
    household_id: int
    income_source: str
    amount: Decimal


def line_linked_total(*, quantity: int, net: Decimal, links: Sequence[LinkRule]) -> Decimal:
    """What the line gives all its links together, to the fen (never more than the line's net)."""
    exact = sum((link.exact_amount(quantity=quantity, net=net) for link in links), Decimal(0))
    return min(fen(exact), fen(net))


def line_split(*, quantity: int, net: Decimal, links: Sequence[LinkRule]) -> list[Part]:
    """Each link's part of a paid line; the parts add up exactly to the linked total."""
    if not links or quantity <= 0 or net <= 0:
        return []
    weights = [link.exact_amount(quantity=quantity, net=net) for link in links]
    total = line_linked_total(quantity=quantity, net=net, links=links)
    amounts = largest_remainder(weights, total)
    return [
        Part(link.link_id, link.household_id, link.income_source, amount)
        for link, amount in zip(links, amounts, strict=True)
    ]


def line_target_after_refunds(
    *, quantity: int, net: Decimal, kept_net: Decimal, links: Sequence[LinkRule]
) -> dict[int, Decimal]:
    """What each link should hold once the line is kept only for ``kept_net`` of its ``net``."""
    if not links or quantity <= 0 or net <= 0:
        return {link.link_id: ZERO for link in links}
    kept_net = min(max(kept_net, ZERO), net)
    weights = [link.exact_amount(quantity=quantity, net=net) for link in links]
    full = line_linked_total(quantity=quantity, net=net, links=links)
    kept_total = fen(full * kept_net / net)
    amounts = largest_remainder(weights, kept_total)
    return {link.link_id: amount for link, amount in zip(links, amounts, strict=True)}


def line_reversal(
    *,
    quantity: int,
    net: Decimal,
    kept_net: Decimal,
    links: Sequence[LinkRule],
    attributed: Mapping[int, Decimal],
) -> list[Part]:
    """The reversing parts (negative amounts) that bring each link down to its target; never below zero."""
    target = line_target_after_refunds(quantity=quantity, net=net, kept_net=kept_net, links=links)
    kept_total = sum(target.values(), ZERO)
    held = {link.link_id: attributed.get(link.link_id, ZERO) for link in links}
    goal = {link_id: min(target[link_id], amount) for link_id, amount in held.items()}
    # Largest remainder is not monotone (the Alabama paradox): a smaller kept amount can give
    # a link a fen more than before, and a reversal never raises a link. The fen the line would
    # then lack goes back to the links being reversed, in link order, so the line keeps exactly
    # its kept linked total while no link rises above what it held.
    short = kept_total - sum(goal.values(), ZERO)
    for link in links:
        if short <= ZERO:
            break
        room = held[link.link_id] - goal[link.link_id]
        if room > ZERO:
            back = min(room, short)
            goal[link.link_id] += back
            short -= back
    return [
        Part(
            link.link_id,
            link.household_id,
            link.income_source,
            goal[link.link_id] - held[link.link_id],
        )
        for link in links
        if held[link.link_id] > goal[link.link_id]
    ]
