"""Who may sell: only an approved producer's products with a current certification, while
the producer is not suspended for unpaid dues to households (``Producer.arrears_suspended``).

Oscar asks the strategy whether a product can be bought (product page, basket,
checkout). Ours is Oscar's ``Default`` with one more availability rule in
front of the stock check, so every place Oscar checks availability applies it,
and the product page says why a product cannot be bought.
"""

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils import timezone
from oscar.apps.partner import strategy

from producers.certification import certification_expired_on
from producers.services import product_certification
from shop.partner.availability import NotCertified, ProducerNotApproved, SuspendedForArrears

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from oscar.apps.catalogue.models import Product
    from oscar.apps.partner.availability import Base as Availability

    from shop.partner.models import StockRecord


class Selector(strategy.Selector):
    def strategy(
        self, request: HttpRequest | None = None, user: "User | None" = None, **kwargs: Any
    ) -> "Default":
        return Default(request)


class CertifiedProducerRequired:
    """Availability mixin: the producer is approved, not suspended for arrears, and the product
    certified today.

    Reads the stock record's partner and producer and ``product.certificates``,
    which ``shop.selectors.PRODUCT_CARD_PREFETCHES`` prefetch for catalogue pages.
    A variant is covered by its own certification or by its parent's.
    """

    def availability_policy(
        self, product: "Product", stockrecord: "StockRecord | None"
    ) -> "Availability":
        if stockrecord is not None:
            producer = getattr(stockrecord.partner, "producer", None)
            if producer is None or not producer.is_approved:
                return ProducerNotApproved()
            if producer.arrears_suspended:
                return SuspendedForArrears()
            today = timezone.localdate()
            certified = product_certification(product=product, on=today)
            if certified is None and product.is_child:
                certified = product_certification(product=product.parent, on=today)
            if certified is None:
                expired_on = certification_expired_on(product=product, on=today)
                if expired_on is None and product.is_child:
                    expired_on = certification_expired_on(product=product.parent, on=today)
                return NotCertified(expired_on=expired_on)
        return super().availability_policy(product, stockrecord)  # type: ignore[misc]  # a mixin: Oscar's Default has it


class Default(CertifiedProducerRequired, strategy.Default):
    """Oscar's ``Default`` (first stock record, stock required, no tax), for approved, certified products."""
