"""Where shop listens: a product's description and rich-text attributes are cleaned before
every save, whichever form, import or service writes them (``common.html``); the cached
navigation is forgotten when categories or pages change (``shop.navigation``)."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from oscar.core.loading import get_model
from wagtail.signals import page_published, page_unpublished, post_page_move

from common.html import clean_html
from shop.basket_middleware import site_offers_forget
from shop.navigation import navigation_cache_clear

Product = get_model("catalogue", "Product")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
Category = get_model("catalogue", "Category")
ConditionalOffer = get_model("offer", "ConditionalOffer")


@receiver(pre_save, sender=Product, dispatch_uid="shop_product_description_clean")
def product_description_clean(sender: type, instance: Any, **kwargs: Any) -> None:
    if instance.description:
        instance.description = clean_html(instance.description)


@receiver(pre_save, sender=ProductAttributeValue, dispatch_uid="shop_attribute_richtext_clean")
def attribute_richtext_clean(sender: type, instance: Any, **kwargs: Any) -> None:
    if instance.value_richtext:
        instance.value_richtext = clean_html(instance.value_richtext)


# ---------------------------------------------------------------- navigation cache
# The cached navigation bar and category tree (shop/navigation.py) are forgotten whenever a
# category, a CMS page or a Wagtail site changes; the next shop page rebuilds them.


def _navigation_source(instance: Any) -> bool:
    from wagtail.models import Page, Site

    return isinstance(instance, Category | Page | Site)


@receiver(post_save, dispatch_uid="shop_navigation_saved")
@receiver(post_delete, dispatch_uid="shop_navigation_deleted")
def navigation_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    if _navigation_source(instance):
        navigation_cache_clear()


@receiver(page_published, dispatch_uid="shop_navigation_page_published")
@receiver(page_unpublished, dispatch_uid="shop_navigation_page_unpublished")
@receiver(post_page_move, dispatch_uid="shop_navigation_page_moved")
def navigation_page_changed(sender: type, **kwargs: Any) -> None:
    navigation_cache_clear()


# ---------------------------------------------------------------- site offers
# Whether a site offer is open is cached (shop/basket_middleware.py): forgotten on any change.


@receiver(post_save, sender=ConditionalOffer, dispatch_uid="shop_site_offer_saved")
@receiver(post_delete, sender=ConditionalOffer, dispatch_uid="shop_site_offer_deleted")
def site_offer_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    # Now, and again once the change is committed: a request that read the offers between
    # the two must not keep the old windows for five minutes.
    site_offers_forget()
    transaction.on_commit(site_offers_forget)
