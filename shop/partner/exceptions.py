"""Why an order could not be placed, in words the buyer sees on the preview page."""

from django.utils.translation import gettext
from oscar.apps.order.exceptions import UnableToPlaceOrder


class InsufficientStock(UnableToPlaceOrder):
    """A stock record has fewer units left than a basket line asks for.

    Raised by ``StockRecord.allocate`` when another buyer took the stock
    between the basket check and the order. It is an ``UnableToPlaceOrder``,
    so Oscar's checkout rolls the order back, thaws the basket and shows this
    message on the preview page; the message is translated when it is shown.
    """

    def __init__(self, *, product_title: str, requested: int, available: int) -> None:
        self.product_title = product_title
        self.requested = requested
        self.available = max(available, 0)
        super().__init__(product_title, requested, self.available)

    @property
    def message(self) -> str:
        if self.available == 0:
            return gettext("Sorry, “%(product)s” has just sold out.") % {
                "product": self.product_title
            }
        return gettext(
            "Sorry, only %(available)d of “%(product)s” left: please reduce the quantity in your basket."
        ) % {"product": self.product_title, "available": self.available}

    def __str__(self) -> str:
        return self.message
