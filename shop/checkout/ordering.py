"""Oscar's order creator with the stock taken last.

Oscar's ``OrderCreator`` allocates each line's stock inside its own writes, and the
checkout then writes the payment record and what other apps keep about the order in
the same transaction: the stock row stayed locked for all of it, so buyers of one
product queued for the length of a whole order. This one writes the order the same
way but only notes what each line takes; ``PaymentDetailsView.place_order`` calls
``allocate_stock`` as the last step of the order's transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from oscar.apps.order.utils import OrderCreator as OscarOrderCreator  # order is not forked

from shop.partner.services import stock_allocate

if TYPE_CHECKING:
    from shop.partner.models import StockRecord


class OrderCreator(OscarOrderCreator):
    def __init__(self) -> None:
        self.allocations: list[tuple[StockRecord, int]] = []

    def update_stock_records(self, line: Any) -> None:
        """Called by Oscar for each basket line: note it, allocate nothing yet.

        The record's product is the line's, already read with the basket (with its class,
        which says whether stock is tracked): given to the record, it is not read again.
        """
        record = line.stockrecord
        if (
            line.product is not None
            and record.product_id == line.product.pk
            and not type(record).product.is_cached(record)
        ):
            record.product = line.product
        self.allocations.append((record, line.quantity))

    def allocate_stock(self) -> None:
        """The noted lines' stock, all at once (``stock_allocate``); InsufficientStock if short."""
        stock_allocate(allocations=self.allocations)
