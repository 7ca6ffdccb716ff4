"""Where campaigns listen: publication syncs the campaign price offer; payments refresh the counters."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from shop.payments.signals import payment_confirmed, payment_refunded

from .models import CampaignIndexPage, CampaignOrder, CampaignPage
from .pagecache import campaign_caches_clear


@receiver(page_published, sender=CampaignPage, dispatch_uid="cms_campaign_published")
@receiver(page_unpublished, sender=CampaignPage, dispatch_uid="cms_campaign_unpublished")
def campaign_published(sender, instance, **kwargs):  # type: ignore[no-untyped-def]
    from .services import campaign_offer_sync

    campaign_offer_sync(campaign=instance)
    campaign_id = instance.pk
    transaction.on_commit(lambda: campaign_caches_clear(campaign_id=campaign_id))


@receiver(post_save, sender=CampaignIndexPage, dispatch_uid="cms_campaign_index_setup")
def campaign_index_created(sender, instance, created, raw=False, **kwargs):  # type: ignore[no-untyped-def]
    if created and not raw:
        from .services import campaign_index_setup

        campaign_index_setup(index=instance)


def _counters_refresh(order) -> None:  # type: ignore[no-untyped-def]
    campaign_id = (
        CampaignOrder.objects.filter(order=order).values_list("campaign_id", flat=True).first()
    )
    if campaign_id is not None:
        transaction.on_commit(
            lambda: campaign_caches_clear(campaign_id=campaign_id, page=False), robust=True
        )


@receiver(payment_confirmed, dispatch_uid="cms_counters_on_payment")
def counters_on_payment(sender, event, order, **kwargs):  # type: ignore[no-untyped-def]
    _counters_refresh(order)


@receiver(payment_refunded, dispatch_uid="cms_counters_on_refund")
def counters_on_refund(sender, event, order, refund, **kwargs):  # type: ignore[no-untyped-def]
    _counters_refresh(order)
