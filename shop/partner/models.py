"""The partner app's models: Oscar's, with a stock record that never oversells.

Oscar checks availability without a lock and allocates afterwards with an
unconditional update, so two buyers can both get the last unit. Here the
allocation is a conditional UPDATE (the row lock makes a concurrent buyer
wait and re-read the row), and the database refuses any write that would
allocate more than is in stock. Checkout allocates an order's stock as the last
statements of its transaction (``shop.partner.services.stock_allocate``), so the
row lock is held only until the commit right after.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from oscar.apps.partner.abstract_models import AbstractStockRecord
from oscar.apps.partner.exceptions import InvalidStockAdjustment

from shop.partner.exceptions import InsufficientStock


class StockRecord(AbstractStockRecord):
    class Meta(AbstractStockRecord.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(num_allocated__isnull=True) | Q(num_allocated__gte=0),
                name="partner_stockrecord_num_allocated_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(num_in_stock__isnull=True) | Q(num_in_stock__gte=0),
                name="partner_stockrecord_num_in_stock_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(num_allocated__isnull=True)
                | Q(num_in_stock__isnull=True)
                | Q(num_allocated__lte=F("num_in_stock")),
                name="partner_stockrecord_allocated_within_stock",
            ),
        ]

    def clean(self) -> None:
        # The dashboard's stock form does not show num_allocated, so Django's
        # constraint validation skips the last constraint: say it here instead
        # of letting the database refuse the save with an error page.
        super().clean()
        if (
            self.num_in_stock is not None
            and self.num_allocated
            and self.num_in_stock < self.num_allocated
        ):
            raise ValidationError(
                {
                    "num_in_stock": _(
                        "The stock cannot be less than the %(allocated)d units allocated to orders not yet shipped."
                    )
                    % {"allocated": self.num_allocated}
                }
            )

    def allocate(self, quantity: int) -> None:
        """Allocate `quantity` units to an order, or raise InsufficientStock and write nothing."""
        if not self.can_track_allocations:
            return
        self.pre_save_signal()
        self.allocate_row(quantity)
        self.refresh_from_db(fields=["num_in_stock", "num_allocated"])
        self.post_save_signal()

    allocate.alters_data = True  # type: ignore[attr-defined]  # Django's flag on a method

    def allocate_row(self, quantity: int) -> None:
        """The allocation itself: one conditional UPDATE of this row, nothing read before it.

        On success nothing else is read or sent (``allocate`` and
        ``shop.partner.services.stock_allocate`` do the rest); when fewer than
        `quantity` units are left, the row is read to say how many, and
        InsufficientStock is raised with nothing written.
        """
        allocated = Coalesce(F("num_allocated"), 0)
        updated = (
            type(self)
            .objects.filter(pk=self.pk, num_in_stock__gte=allocated + quantity)
            .update(num_allocated=allocated + quantity)
        )
        if not updated:
            self.refresh_from_db(fields=["num_in_stock", "num_allocated"])
            raise InsufficientStock(
                product_title=self.product.get_title(),
                requested=quantity,
                available=self.net_stock_level,
            )

    allocate_row.alters_data = True  # type: ignore[attr-defined]  # Django's flag on a method

    def consume_allocation(self, quantity: int) -> None:
        """Ship `quantity` allocated units: both counts go down, checked in the UPDATE itself.

        Oscar checks the counts in memory, which another request may have
        changed since they were read; the condition in the UPDATE cannot go stale.
        """
        if not self.can_track_allocations:
            return
        self.pre_save_signal()
        updated = (
            type(self)
            .objects.filter(pk=self.pk, num_allocated__gte=quantity, num_in_stock__gte=quantity)
            .update(
                num_allocated=F("num_allocated") - quantity,
                num_in_stock=F("num_in_stock") - quantity,
            )
        )
        self.refresh_from_db(fields=["num_in_stock", "num_allocated"])
        if not updated:
            raise InvalidStockAdjustment(_("Invalid stock consumption request"))
        self.post_save_signal()

    consume_allocation.alters_data = True  # type: ignore[attr-defined]  # Django's flag on a method

    # cancel_allocation is Oscar's: it takes away at most what is allocated
    # (Least(num_allocated, quantity)), so it already stays within the constraints.


from oscar.apps.partner.models import *  # noqa: E402, F403
