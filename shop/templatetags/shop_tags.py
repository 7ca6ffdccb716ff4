from typing import TYPE_CHECKING, Any

from django import template
from django.conf import settings

from shop import navigation as shop_navigation_selectors
from shop.selectors import ProductOrigin, ProductProof
from shop.selectors import product_origin as select_product_origin
from shop.selectors import product_proof as select_product_proof

if TYPE_CHECKING:
    from oscar.apps.catalogue.models import Product

register = template.Library()


@register.simple_tag(takes_context=True)
def product_origin(context: Any, product: "Product") -> ProductOrigin:
    """{% product_origin product as origin %}: origin.producer and origin.county.

    The request's strategy reads the product's stock records (with producer and region) and
    certificates first, so the price and availability shown next to them cost nothing more.
    """
    prepare = getattr(getattr(context.get("request"), "strategy", None), "products_prepare", None)
    if prepare is not None:
        prepare([product])
    return select_product_origin(product=product)


@register.simple_tag(takes_context=True)
def product_proof(context: Any, product: "Product") -> ProductProof:
    """{% product_proof product as proof %}: proof.certification, .producer, .county, .story_url
    and .projection (what one unit bought today makes due to households; None if not on sale)."""
    request = context.get("request")
    prepare = getattr(getattr(request, "strategy", None), "products_prepare", None)
    if prepare is not None:
        prepare([product])
    return select_product_proof(product=product, request=request)


@register.simple_tag
def platform_bank_account() -> dict[str, str]:
    """{% platform_bank_account as bank %}: where buyers send a bank transfer."""
    return settings.PLATFORM_BANK_ACCOUNT


@register.simple_tag(takes_context=True)
def shop_navigation(context: Any) -> shop_navigation_selectors.Navigation:
    """{% shop_navigation as nav %}: nav.categories (name, url) and nav.pages.<slug>, cached."""
    return shop_navigation_selectors.navigation(context=context)


@register.simple_tag
def shop_category_tree() -> list[Any]:
    """{% shop_category_tree as tree_categories %}: Oscar's ``category_tree``, cached."""
    return shop_navigation_selectors.category_tree()
