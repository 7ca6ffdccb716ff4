from typing import TYPE_CHECKING

from django import template
from django.conf import settings

from shop.selectors import ProductOrigin
from shop.selectors import product_origin as select_product_origin

if TYPE_CHECKING:
    from oscar.apps.catalogue.models import Product

register = template.Library()


@register.simple_tag
def product_origin(product: "Product") -> ProductOrigin:
    """{% product_origin product as origin %}: origin.producer and origin.county."""
    return select_product_origin(product=product)


@register.simple_tag
def platform_bank_account() -> dict[str, str]:
    """{% platform_bank_account as bank %}: where buyers send a bank transfer."""
    return settings.PLATFORM_BANK_ACCOUNT
