"""Demo livestream campaigns, after the report: a past stream with its replay and an upcoming one.

The past one follows the stream in the report (6 June 2020 in the afternoon, on
Douyin, 东川's potatoes, peanuts and eagle tea); the upcoming one opens a county
e-commerce festival week with student volunteers. Hosts and sharers are fictional
people with generic titles. Looked up before created, so a second run changes nothing.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, NotRequired, TypedDict
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from oscar.core.loading import get_model

from cms.campaigns.services import (
    CADRE_GROUP,
    campaign_index_setup,
    campaign_products_add,
    campaign_sharer_add,
)
from cms.models import (
    CampaignHost,
    CampaignIndexPage,
    CampaignPage,
    CampaignProducer,
    HomePage,
)
from producers.models import Producer

from .images import produce_picture, wagtail_image

if TYPE_CHECKING:
    from .services import DemoReport

Product = get_model("catalogue", "Product")
KUNMING = ZoneInfo("Asia/Shanghai")

INDEX = {
    "title": "直播带货",
    "slug": "campaigns",
    "intro": "<p>干部、合作社和志愿者走进直播间，为脱贫地区的农产品代言。每一笔经直播下单的订单都记在活动名下，并追溯到它帮扶的农户。</p>",
}


class CampaignSpec(TypedDict):
    slug: str
    title: str
    summary: str
    intro: str
    platform: str
    stream_url: str
    replay_url: NotRequired[str]
    code: str
    hosts: list[tuple[str, str]]  # name, title
    producers: list[str]  # partner codes
    products: list[tuple[str, str | None]]  # UPC, campaign price (None: the shop price)
    sharers: list[tuple[str, str, str]]  # code, name, role


class PastCampaign(CampaignSpec):
    starts_at: datetime.datetime
    ends_at: datetime.datetime


class UpcomingCampaign(CampaignSpec):
    """Scheduled from the day the demo is loaded."""

    days_ahead: int
    start_time: datetime.time
    hours: int


CADRE = {"username": "zhibo", "email": "zhibo@yixiang.example", "password": "yixiang-demo"}

PAST: PastCampaign = {
    "slug": "dongchuan-hongtudi-0603",
    "title": "东川红土地好物直播：大洋芋、七彩花生、老鹰茶",
    "summary": "结对帮扶的城区领导走进直播间，推介东川红土地上的洋芋、花生和老鹰茶。",
    "intro": (
        "<p>大洋芋、手工挂面、七彩花生、老鹰茶，全部来自东川独特的红土地，"
        "属于高原绿色、生态健康的特色产品。直播已结束，可观看回放并继续选购。</p>"
    ),
    "platform": CampaignPage.Platform.DOUYIN,
    "starts_at": datetime.datetime(2020, 6, 3, 15, 0, tzinfo=KUNMING),
    "ends_at": datetime.datetime(2020, 6, 3, 17, 0, tzinfo=KUNMING),
    "stream_url": "https://live.yixiang.example/dongchuan-0603",
    "replay_url": "https://live.yixiang.example/dongchuan-0603/replay",
    "code": "DC0603",
    "hosts": [
        ("陈立新", "结对帮扶城区区委负责同志（演示）"),
        ("周海燕", "东川区农业农村局干部（演示）"),
    ],
    "producers": ["dongchuan-hongtudi"],
    "products": [
        ("YX-DC-001", "25.90"),
        ("YX-DC-002", None),
        ("YX-DC-003", "35.80"),
        ("YX-DC-004", "52.00"),
    ],
    "sharers": [
        ("DC0603-ZHOU", "周海燕", "cadre"),
        ("DC0603-YANG", "杨小梅", "volunteer"),
    ],
}

UPCOMING: UpcomingCampaign = {
    "slug": "xundian-ecommerce-festival-day-1",
    "title": "寻甸电商扶贫节·第一场：黑山羊、土鸡蛋和玫瑰花",
    "summary": "为期一周的县级电商扶贫节开幕，农大学生志愿者和合作社负责人轮番上阵。",
    "intro": (
        "<p>电商扶贫节为期一周，每晚一场直播。第一场由县领导和农业大学的学生志愿者主持，"
        "合作社和企业负责人介绍自家的黑山羊、土鸡蛋和玫瑰花制品。</p>"
    ),
    "platform": CampaignPage.Platform.CHANNELS,
    "days_ahead": 7,
    "start_time": datetime.time(19, 30),
    "hours": 2,
    "stream_url": "https://live.yixiang.example/xundian-festival-1",
    "code": "XDJIE01",
    "hosts": [("马思远", "寻甸县分管副县长（演示）"), ("李同学", "农业大学学生志愿者（演示）")],
    "producers": ["xundian-lanfeng", "xundian-meixiang"],
    "products": [
        ("YX-XD-001", "108.00"),
        ("YX-XD-002", "39.90"),
        ("YX-MX-001", None),
    ],
    "sharers": [
        ("XDJIE01-NONGDA", "李同学", "volunteer"),
        ("XDJIE01-SHOP", "张店员", "shop_assistant"),
    ],
}


def demo_campaigns(report: DemoReport) -> None:
    """The campaigns index under the home page, a cadre login, and the two demo campaigns."""
    home = HomePage.objects.first()
    if home is None:
        return
    index = CampaignIndexPage.objects.first()
    if index is None:
        index = CampaignIndexPage(title=INDEX["title"], slug=INDEX["slug"], intro=INDEX["intro"])
        home.add_child(instance=index)  # campaign_index_setup runs as it is created
        index.save_revision().publish()
        report.count("pages", True)
    else:
        campaign_index_setup(index=index)

    User = get_user_model()
    cadre = User.objects.filter(username=CADRE["username"]).first()
    if cadre is None:
        cadre = User.objects.create_user(
            username=CADRE["username"], email=CADRE["email"], password=CADRE["password"]
        )
        cadre.groups.add(Group.objects.get(name=CADRE_GROUP))
        report.count("users", True)
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()

    today = timezone.localdate()
    upcoming_start = datetime.datetime.combine(
        today + datetime.timedelta(days=UPCOMING["days_ahead"]), UPCOMING["start_time"], KUNMING
    )
    for spec, starts_at, ends_at, owner, seed in (
        (PAST, PAST["starts_at"], PAST["ends_at"], admin, 21),
        (
            UPCOMING,
            upcoming_start,
            upcoming_start + datetime.timedelta(hours=UPCOMING["hours"]),
            cadre,
            22,
        ),
    ):
        if CampaignPage.objects.filter(slug=spec["slug"]).exists():
            continue
        cover = wagtail_image(
            title=spec["title"],
            content=produce_picture(
                caption="直播带货", background="#f3d9c4", item="#c0392b", shape="round", seed=seed
            ),
            filename=f"campaign-{spec['slug']}.jpg",
        )
        campaign = CampaignPage(
            title=spec["title"],
            slug=spec["slug"],
            summary=spec["summary"],
            intro=spec["intro"],
            platform=spec["platform"],
            starts_at=starts_at,
            ends_at=ends_at,
            stream_url=spec["stream_url"],
            replay_url=spec.get("replay_url", ""),
            code=spec["code"],
            cover_image=cover,
            owner=owner,
        )
        for order, (name, title) in enumerate(spec["hosts"]):
            campaign.hosts.add(CampaignHost(name=name, title=title, sort_order=order))
        for order, code in enumerate(spec["producers"]):
            producer = Producer.objects.get(partner__code=code)
            campaign.producers.add(CampaignProducer(producer=producer, sort_order=order))
        campaign_products_add(campaign=campaign, products=spec["products"])
        index.add_child(instance=campaign)
        campaign.save_revision(user=owner).publish(user=admin)
        report.count("campaigns", True)
        for code, name, role in spec["sharers"]:
            campaign_sharer_add(campaign=campaign, name=name, role=role, code=code, by=owner)
            report.count("campaign sharers", True)
