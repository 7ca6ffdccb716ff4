"""Products made for a test: more of the 东川 cooperative's, to fill pages and search results."""

from decimal import Decimal

from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")
Partner = get_model("partner", "Partner")


def products_add(
    count: int,
    *,
    title: str = "计数商品 {}",
    code: str = "COUNT-{}",
    start: int = 0,
    price: Decimal = Decimal("10.00"),
) -> list:
    """``count`` products of the 东川 cooperative, 5 in stock at ``price``, numbered from
    ``start``: the number goes into ``title`` and ``code`` (the UPC and the SKU) at ``{}``."""
    partner = Partner.objects.get(code="dongchuan-hongtudi")
    product_class = Product.objects.get(upc="YX-DC-001").product_class
    products = []
    for number in range(start, start + count):
        product = Product.objects.create(
            title=title.format(number), upc=code.format(number), product_class=product_class
        )
        StockRecord.objects.create(
            product=product,
            partner=partner,
            partner_sku=code.format(number),
            price=price,
            num_in_stock=5,
        )
        products.append(product)
    return products
