"""Who may sell: only an approved producer's products with a current certification, while
the producer is not suspended for unpaid dues to households (``Producer.arrears_suspended``).

Oscar asks the strategy whether a product can be bought (product page, basket,
checkout). Ours is Oscar's ``Default`` with one more availability rule in
front of the stock check, so every place Oscar checks availability applies it,
and the product page says why a product cannot be bought.

A strategy lives for one request (Oscar's basket middleware makes one per request). It
reads each product's stock records (with partner, producer and region, one joined query)
and certificates once, however many times the page, the basket and its lines ask: a
product page asks three times, a basket once per line and again after every change.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, empty
from oscar.apps.partner import strategy

from producers.certification import certification_expired_on
from producers.services import product_certification
from shop.partner.availability import NotCertified, ProducerNotApproved, SuspendedForArrears
from shop.selectors import stockrecords_prefetch

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from oscar.apps.basket.models import Line
    from oscar.apps.catalogue.models import Product, ProductClass
    from oscar.apps.partner.availability import Base as Availability
    from oscar.apps.partner.strategy import PurchaseInfo

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
    which ``shop.selectors.product_card_prefetches`` prefetch for catalogue pages and
    ``ReadOncePerRequest`` for everything else.
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


# What the availability rule and the product page read of a product, prefetched together.
_PURCHASE_DATA = ("stockrecords", "certificates")


class ReadOncePerRequest:
    """Strategy mixin: a product's stock records, certificates and class are read once a request.

    The first time the strategy is asked about a product it prefetches them onto the product
    (stock records with partner, producer and region joined in), and keeps them by product
    id, so another instance of the same product (the basket's lines are read again after
    every change) gets them without a query. A basket line asks for its whole basket at once.
    What was read is as current as the request's first read, as with any prefetch; stock is
    allocated by a conditional UPDATE (``shop.partner.models.StockRecord.allocate``), never
    from these figures.
    """

    request: HttpRequest | None  # set by Oscar's Base

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)  # type: ignore[call-arg]  # a mixin: Oscar's Base takes it
        self._purchase_data: dict[int, dict[str, Any]] = {}
        self._product_classes: dict[int, ProductClass] = {}

    def products_prepare(self, products: Iterable["Product"]) -> None:
        """Give each product its stock records, certificates and class, from memory or in bulk."""
        missing: list[Product] = []
        for product in products:
            if product.pk is None:
                continue
            cache = product.__dict__.setdefault("_prefetched_objects_cache", {})
            known = self._purchase_data.get(product.pk)
            if known is not None:
                for name, related in known.items():
                    cache.setdefault(name, related)
            elif not all(name in cache for name in _PURCHASE_DATA):
                missing.append(product)
            self._product_class_prepare(product)
        if missing:
            prefetch_related_objects(missing, stockrecords_prefetch(), "certificates")
            parents = [product.parent for product in missing if product.is_child]
            if parents:
                self.products_prepare(parents)
        for product in missing:
            cache = product._prefetched_objects_cache
            self._purchase_data[product.pk] = {name: cache[name] for name in _PURCHASE_DATA}

    def _product_class_prepare(self, product: "Product") -> None:
        field = type(product)._meta.get_field("product_class")
        class_id = product.product_class_id
        if class_id is None:
            return
        if field.is_cached(product):
            self._product_classes.setdefault(class_id, product.product_class)
        elif class_id in self._product_classes:
            field.set_cached_value(product, self._product_classes[class_id])

    def _lines_product_classes(self, products: list["Product"]) -> None:
        field = type(products[0])._meta.get_field("product_class")
        unknown = [
            p
            for p in products
            if p.product_class_id is not None
            and not field.is_cached(p)
            and p.product_class_id not in self._product_classes
        ]
        if unknown:
            prefetch_related_objects(unknown, "product_class")
            for product in unknown:
                self._product_class_prepare(product)

    def _basket_products(self) -> list["Product"]:
        """The products of the request's basket lines, if they have been read (never reads them)."""
        basket = getattr(self.request, "basket", None) if self.request is not None else None
        if isinstance(basket, SimpleLazyObject) and basket._wrapped is empty:
            return []
        lines = getattr(basket, "_lines", None)
        cached = getattr(lines, "_result_cache", None)
        return [line.product for line in cached] if cached else []

    def select_stockrecord(self, product: "Product") -> "StockRecord | None":
        # With the basket's products, when the basket is read: they are asked about next.
        self.products_prepare([product, *self._basket_products()])
        return super().select_stockrecord(product)  # type: ignore[misc]  # a mixin: Oscar's UseFirstStockRecord has it

    def fetch_for_line(
        self, line: "Line", stockrecord: "StockRecord | None" = None
    ) -> "PurchaseInfo":
        # The basket's lines, when read, are prepared together: a few queries for any number.
        lines = getattr(getattr(line, "basket", None), "_lines", None)
        cached = getattr(lines, "_result_cache", None)
        products = [basket_line.product for basket_line in cached] if cached else [line.product]
        self._lines_product_classes(products)
        self.products_prepare(products)
        return super().fetch_for_line(line, stockrecord)  # type: ignore[misc]  # a mixin: Oscar's Base has it


class Default(ReadOncePerRequest, CertifiedProducerRequired, strategy.Default):
    """Oscar's ``Default`` (first stock record, stock required, no tax), for approved, certified
    products, reading each product's purchase data once a request."""
