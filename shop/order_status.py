"""What an order's or a line's status is called on screen and in e-mails.

The statuses are stored as the English strings of OSCAR_ORDER_STATUS_PIPELINE
("Pending payment", "Paid", …), which the payments services compare against; this
is the one place that names them for people (the ``order_status`` template filter,
the dashboard's status selects).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

STATUS_NAMES: dict[str, StrOrPromise] = {
    "Pending payment": _("Awaiting payment"),
    "Pay after delivery": _("Pay after delivery"),
    "Paid": _("Paid"),
    "Shipped": _("Shipped"),
    "Complete": _("Complete"),
    "Cancelled": _("Cancelled"),
}


def order_status_name(status: str | None) -> StrOrPromise:
    """The display name of a stored status; an unknown one is shown as stored."""
    if not status:
        return ""
    return STATUS_NAMES.get(status, status)


def order_status_choices(statuses: list[str]) -> list[tuple[str, StrOrPromise]]:
    """(stored value, display name) pairs for a select of statuses."""
    return [(status, order_status_name(status)) for status in statuses]
