"""Helpers for the campaign tests: a campaign under the demo's index, and orders for it."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from oscar.core.loading import get_model

from cms.campaigns.services import campaign_products_add
from cms.models import CampaignHost, CampaignIndexPage, CampaignPage

Product = get_model("catalogue", "Product")


def make_campaign(
    *,
    starts_at: datetime.datetime | None = None,
    hours: float = 2,
    products: list[tuple[str, str | None]] | None = None,
    code: str = "",
    slug: str = "test-stream",
    title: str | None = None,
    publish: bool = True,
    owner=None,
) -> CampaignPage:
    """A campaign under the demo's campaigns index; by default live from an hour ago for two hours."""
    starts_at = starts_at or (timezone.now() - datetime.timedelta(hours=1))
    index = CampaignIndexPage.objects.get()
    campaign = CampaignPage(
        title=title or f"测试直播 {slug}",
        slug=slug,
        platform=CampaignPage.Platform.DOUYIN,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours),
        stream_url="https://live.example/room",
        replay_url="https://live.example/replay",
        code=code,
        owner=owner,
        live=False,  # a draft until published, as the editor makes it
    )
    campaign.hosts.add(CampaignHost(name="测试主播", title="测试干部"))
    campaign_products_add(campaign=campaign, products=products or [])
    index.add_child(instance=campaign)
    if publish:
        admin = get_user_model().objects.get(username="admin")
        campaign.save_revision(user=admin).publish(user=admin)
    return CampaignPage.objects.get(pk=campaign.pk)
