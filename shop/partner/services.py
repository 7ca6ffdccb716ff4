"""Writes to stock records that other apps call.

``stock_allocate`` is how checkout takes an order's stock: the last writes of the
order's transaction, so that a product everyone wants is locked for one statement
and the commit, not for the whole order.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from django.db import transaction

if TYPE_CHECKING:
    from shop.partner.models import StockRecord


def stock_allocate(*, allocations: Iterable[tuple[StockRecord, int]]) -> None:
    """Allocate each (stock record, quantity) of one order, as the last writes of its transaction.

    Call it inside the order's ``transaction.atomic()`` with nothing after it but the
    commit: each record's UPDATE locks its row until then, and a buyer of the same
    product waits for exactly that long. So everything is read first (which records
    track stock), quantities of one record are added up, and then each record gets one
    conditional UPDATE (``StockRecord.allocate_row``), in primary-key order, so two
    orders with the same products in opposite basket order take the locks in the same
    order and never deadlock. A record with fewer units left raises InsufficientStock:
    the caller's transaction rolls back, with the allocations made before it.

    Oscar's post_save of each record (its low-stock alerts and "back in stock" alerts,
    both reading the counts) is sent once the transaction has committed, with the
    counts read then, instead of inside the lock, and only where it can do something
    (``_stock_allocated``).
    """
    if transaction.get_autocommit() and not transaction.get_connection().in_atomic_block:
        raise RuntimeError("stock_allocate runs inside the order's transaction, as its last step")
    records: dict[int, StockRecord] = {}
    quantities: dict[int, int] = {}
    for record, quantity in allocations:
        records.setdefault(record.pk, record)
        quantities[record.pk] = quantities.get(record.pk, 0) + quantity
    tracked = [pk for pk in sorted(records) if records[pk].can_track_allocations]
    for pk in tracked:
        records[pk].pre_save_signal()
        records[pk].allocate_row(quantities[pk])
    for pk in tracked:
        transaction.on_commit(partial(_stock_allocated, records[pk]), robust=True)


def _stock_allocated(record: StockRecord) -> None:
    """After the commit: Oscar's post_save of the record, where an allocation can change
    what its receivers do.

    An allocation only lowers what is left to sell. So it can open a low-stock alert
    (Oscar's ``update_stock_alerts``) once the record is below its threshold, and it can
    never close one nor make the product available again (Oscar's "back in stock"
    e-mails). A record without a threshold, or still above it, is left alone: in a rush,
    that is six queries per order that would change nothing.
    """
    if record.low_stock_threshold is None:
        return
    record.refresh_from_db(fields=["num_in_stock", "num_allocated"])
    if record.is_below_threshold:
        record.post_save_signal()
