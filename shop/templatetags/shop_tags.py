from django import template

from shop.selectors import product_origin as select_product_origin

register = template.Library()


@register.simple_tag
def product_origin(product) -> dict:  # type: ignore[no-untyped-def]
    """{% product_origin product as origin %}: origin.producer and origin.county."""
    return select_product_origin(product=product)


@register.simple_tag
def platform_bank_account() -> dict:
    """{% platform_bank_account as bank %}: where buyers send a bank transfer."""
    from django.conf import settings

    return settings.PLATFORM_BANK_ACCOUNT
