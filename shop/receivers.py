"""Where shop listens: a product's description and rich-text attributes are cleaned before
every save, whichever form, import or service writes them (``common.html``)."""

from typing import Any

from django.db.models.signals import pre_save
from django.dispatch import receiver
from oscar.core.loading import get_model

from common.html import clean_html

Product = get_model("catalogue", "Product")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")


@receiver(pre_save, sender=Product, dispatch_uid="shop_product_description_clean")
def product_description_clean(sender: type, instance: Any, **kwargs: Any) -> None:
    if instance.description:
        instance.description = clean_html(instance.description)


@receiver(pre_save, sender=ProductAttributeValue, dispatch_uid="shop_attribute_richtext_clean")
def attribute_richtext_clean(sender: type, instance: Any, **kwargs: Any) -> None:
    if instance.value_richtext:
        instance.value_richtext = clean_html(instance.value_richtext)
