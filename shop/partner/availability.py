"""Why a product cannot be bought, in words the product page shows."""

import datetime

from django.utils.translation import gettext
from oscar.apps.partner.availability import Unavailable


class ProducerNotApproved(Unavailable):
    """The product's producer has not (or no longer) been approved by the platform."""

    @property
    def message(self) -> str:
        return gettext("This producer has not been approved yet")

    def is_purchase_permitted(self, quantity: int) -> tuple[bool, str]:
        return False, self.message


class NotCertified(Unavailable):
    """The product has no poverty-relief certification current today.

    ``expired_on`` is the last day of the latest certification that has run
    out, or None when the product never had one.
    """

    def __init__(self, expired_on: datetime.date | None = None) -> None:
        self.expired_on = expired_on

    @property
    def message(self) -> str:
        if self.expired_on is not None:
            return gettext("Poverty-relief product certification expired on %(date)s") % {
                "date": self.expired_on.isoformat()
            }
        return gettext("No poverty-relief product certification")

    def is_purchase_permitted(self, quantity: int) -> tuple[bool, str]:
        return False, self.message


class SuspendedForArrears(Unavailable):
    """The producer owes households more than the platform allows, past their due dates.

    Set by the arrears check (``Producer.arrears_suspended``); lifted once the
    producer pays the households what its sales made due.
    """

    @property
    def message(self) -> str:
        return gettext(
            "Sales suspended: this producer has not paid the households what its sales owe them; "
            "they resume once it pays"
        )

    def is_purchase_permitted(self, quantity: int) -> tuple[bool, str]:
        return False, self.message
