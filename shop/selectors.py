"""Reads of the storefront's data."""

from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from oscar.core.loading import get_class, get_model

if TYPE_CHECKING:
    from oscar.apps.catalogue.models import Product

    from impact.ledger.receipts import UnitProjection
    from impact.models import Region
    from producers.models import Certificate, Producer

# Product cards and the product page show the producer and its county, and whether the
# product can be bought (the partner strategy reads the producer and the certificates):
# the stock records come with partner, producer and region in one joined query, the
# certificates in one more, so a page of cards costs the same number of queries however
# long it is, and a product page reads them once (shop.partner.strategy).
STOCKRECORD_RELATED = "partner__producer__region__parent__parent"


def stockrecords_prefetch() -> Prefetch:
    """``product.stockrecords`` with partner, producer and region (to the county) joined in."""
    StockRecord = get_model("partner", "StockRecord")
    return Prefetch(
        "stockrecords", queryset=StockRecord.objects.select_related(STOCKRECORD_RELATED)
    )


def product_card_prefetches() -> tuple[str | Prefetch, ...]:
    """Oscar's ``base_queryset`` prefetches, its plain ``stockrecords`` replaced by ours."""
    return (
        "children",
        "product_options",
        "product_class__options",
        stockrecords_prefetch(),
        "images",
        "certificates",
    )


def with_product_cards(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """A ``base_queryset()`` of products, prefetching what a product card shows."""
    return queryset.prefetch_related(None).prefetch_related(*product_card_prefetches())


def product_card_queryset() -> QuerySet[Any]:
    Product = get_model("catalogue", "Product")
    return with_product_cards(Product.objects.browsable().base_queryset().filter(is_public=True))


class ProductOrigin(TypedDict):
    producer: "Producer | None"
    county: "Region | None"


def product_origin(*, product: "Product") -> ProductOrigin:
    """The producer and county a product comes from, read from prefetched stock records."""
    for stockrecord in product.stockrecords.all():
        producer = getattr(stockrecord.partner, "producer", None)
        if producer is not None:
            return {"producer": producer, "county": producer.region.county}
    return {"producer": None, "county": None}


def product_shop_price(*, product: Any, request: HttpRequest | None = None) -> Decimal | None:
    """The product's price in the shop when it can be bought there today; None otherwise.

    With a request, its strategy answers (from what it has already read of the product).
    """
    strategy = getattr(request, "strategy", None)
    if strategy is None:
        strategy = get_class("partner.strategy", "Selector")().strategy()
    info = strategy.fetch_for_product(product)
    if not info.availability.is_available_to_buy or info.price.incl_tax is None:
        return None
    return info.price.incl_tax


class ProductProof(TypedDict):
    """What the product page shows before purchase: certification, producer, and the projection."""

    certification: "Certificate | None"
    producer: "Producer | None"
    county: "Region | None"
    story_url: str | None
    projection: "UnitProjection | None"


def product_proof(*, product: "Product", request: HttpRequest | None = None) -> ProductProof:
    """The product's current 扶贫产品认定, its producer (with its story page, if one is live),
    and what one unit bought today at the shop's price would make due to households.

    Reads the stock records and certificates the request's strategy has already read (the
    page asks for them first), plus the benefit links and the story page: two queries.
    """
    from cms.models import StoryPage
    from impact.ledger.receipts import product_unit_projection
    from producers.services import product_certification

    today = timezone.localdate()
    certification = product_certification(product=product, on=today)
    if certification is None and product.is_child:
        certification = product_certification(product=product.parent, on=today)
    origin = product_origin(product=product)
    producer = origin["producer"]
    story_url = None
    projection = None
    if producer is not None:
        story = StoryPage.objects.live().filter(producer=producer).order_by("path").first()
        if story is not None:
            # Without the request: Wagtail would look its site up (a query) on every page;
            # the site root paths come from the cache.
            story_url = story.get_url()
        price = product_shop_price(product=product, request=request)
        if price is not None:
            projection = product_unit_projection(
                partner_id=producer.partner_id, product_id=product.pk, price=price, on=today
            )
    return {
        "certification": certification,
        "producer": producer,
        "county": origin["county"],
        "story_url": story_url,
        "projection": projection,
    }
