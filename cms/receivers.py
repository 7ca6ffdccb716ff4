"""Where cms listens: publication syncs the campaign price offer, a new campaigns index
gets its permissions and workflow, a placed order records its campaign, payments
refresh the counters; every page's rich text is cleaned before it is saved. One thin
receiver per concern; the work is in cms/campaigns/ and common/html.py."""

from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest
from wagtail.fields import RichTextField
from wagtail.signals import page_published, page_unpublished

from common.html import clean_richtext_source
from shop.checkout.signals import order_placing
from shop.payments.signals import payment_confirmed, payment_refunded

from .campaigns.models import CampaignOrder
from .campaigns.pagecache import campaign_caches_clear
from .campaigns.services import campaign_index_setup, campaign_offer_sync, campaign_order_record
from .models import CampaignIndexPage, CampaignPage


@receiver(page_published, sender=CampaignPage, dispatch_uid="cms_campaign_published")
@receiver(page_unpublished, sender=CampaignPage, dispatch_uid="cms_campaign_unpublished")
def campaign_published(sender: type, instance: CampaignPage, **kwargs: Any) -> None:
    campaign_offer_sync(campaign=instance)
    campaign_id = instance.pk
    transaction.on_commit(lambda: campaign_caches_clear(campaign_id=campaign_id))


@receiver(post_save, sender=CampaignIndexPage, dispatch_uid="cms_campaign_index_setup")
def campaign_index_created(
    sender: type, instance: CampaignIndexPage, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if created and not raw:
        campaign_index_setup(index=instance)


@receiver(order_placing, dispatch_uid="cms_campaign_order_on_placing")
def campaign_order_on_placing(
    sender: type, order: Any, request: HttpRequest, **kwargs: Any
) -> None:
    """Inside checkout's transaction: the order came through a campaign's or a sharer's code."""
    campaign_order_record(order=order, request=request)


def _counters_refresh(order: Any) -> None:
    campaign_id = (
        CampaignOrder.objects.filter(order=order).values_list("campaign_id", flat=True).first()
    )
    if campaign_id is not None:
        transaction.on_commit(
            lambda: campaign_caches_clear(campaign_id=campaign_id, page=False), robust=True
        )


@receiver(payment_confirmed, dispatch_uid="cms_counters_on_payment")
def counters_on_payment(sender: type, event: Any, order: Any, **kwargs: Any) -> None:
    _counters_refresh(order)


@receiver(payment_refunded, dispatch_uid="cms_counters_on_refund")
def counters_on_refund(sender: type, event: Any, order: Any, refund: Any, **kwargs: Any) -> None:
    _counters_refresh(order)


def richtext_clean(sender: type[Model], instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """Hosts' and editors' rich text, as Wagtail stores it, through the allow-list."""
    for field in sender._meta.concrete_fields:
        if isinstance(field, RichTextField):
            value = getattr(instance, field.attname)
            if value:
                setattr(instance, field.attname, clean_richtext_source(value))


for _model in apps.get_app_config("cms").get_models():
    if any(isinstance(field, RichTextField) for field in _model._meta.concrete_fields):
        pre_save.connect(
            richtext_clean, sender=_model, dispatch_uid=f"cms_richtext_clean_{_model.__name__}"
        )
