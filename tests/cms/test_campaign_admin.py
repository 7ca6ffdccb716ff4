"""Making a campaign in the back office: cadres write it, staff approve it; bad input refused."""

import datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model
from wagtail.models import WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from cms.campaigns.services import CADRE_GROUP
from cms.models import CampaignIndexPage, CampaignPage
from producers.models import Certificate

from .campaigns import make_campaign

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")


def cadre(username: str):
    user = get_user_model().objects.create_user(username=username, password="cadre-pass-123")
    user.groups.add(Group.objects.get(name=CADRE_GROUP))
    return user


def form_data(
    *, title="东川洋芋专场", code="", starts_in=1, hours=2, products=(), action=None
) -> dict:
    starts_at = timezone.localtime() + datetime.timedelta(days=starts_in)
    ends_at = starts_at + datetime.timedelta(hours=hours)
    data = nested_form_data(
        {
            "title": title,
            "slug": (code or "stream").lower(),
            "platform": "douyin",
            "stream_url": "https://live.example/room",
            "replay_url": "",
            "starts_at": starts_at.strftime("%Y-%m-%d %H:%M"),
            "ends_at": ends_at.strftime("%Y-%m-%d %H:%M"),
            "hosts": inline_formset([{"name": "测试主播", "title": "区干部"}], min=1),
            "cover_image": "",
            "summary": "洋芋专场",
            "intro": rich_text("<p>东川洋芋</p>"),
            "producers": inline_formset([]),
            "products": inline_formset(
                [{"product": product.pk, "campaign_price": price} for product, price in products]
            ),
            "code": code,
        }
    )
    if action:
        data[action] = "1"
    return data


def add_url() -> str:
    index = CampaignIndexPage.objects.get()
    return reverse("wagtailadmin_pages:add", args=["cms", "campaignpage", index.pk])


def publish_refused(client: Client, **fields: Any) -> Any:
    """Staff press "publish" on a new campaign the form must refuse: the form, with its errors."""
    client.force_login(get_user_model().objects.get(username="admin"))
    response = client.post(add_url(), form_data(action="action-publish", **fields))
    assert response.status_code == 200
    return response.context["form"]


def test_a_cadre_writes_a_campaign_and_submits_it_for_staff_approval(client):
    zhang = cadre("zhang")
    client.force_login(zhang)
    potatoes = Product.objects.get(upc="YX-DC-001")
    response = client.post(
        add_url(),
        form_data(code="zhang01", products=[(potatoes, "25.90")], action="action-submit"),
    )
    assert response.status_code == 302, (
        response.context["form"].errors if response.context else response
    )
    campaign = CampaignPage.objects.get(code="ZHANG01")
    assert campaign.owner == zhang
    assert not campaign.live  # a cadre cannot publish
    state = WorkflowState.objects.get(base_content_type__model="page", object_id=str(campaign.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name == "直播活动审核"
    assert state.current_task_state.task.name == "平台工作人员审核"

    # Staff approve: the campaign is published, its code and price work.
    admin = get_user_model().objects.get(username="admin")
    client.force_login(admin)
    task_state = state.current_task_state
    response = client.post(
        reverse(
            "wagtailadmin_pages:workflow_action",
            args=[campaign.pk, "approve", task_state.pk],
        ),
        {"comment": ""},
    )
    assert response.status_code in (200, 302)
    campaign.refresh_from_db()
    assert campaign.live
    assert campaign.live_state.offer is not None


def test_a_cadre_cannot_publish_directly(client):
    client.force_login(cadre("li"))
    response = client.post(add_url(), form_data(code="LI0001", action="action-publish"))
    campaign = CampaignPage.objects.get(code="LI0001")
    assert response.status_code == 302
    assert not campaign.live


def test_a_cadre_edits_only_their_own_campaigns(client):
    zhang, wang = cadre("zhang"), cadre("wang")
    own = make_campaign(code="OWN001", slug="own", owner=zhang)
    theirs = make_campaign(code="THEIRS", slug="theirs", owner=wang)
    client.force_login(zhang)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[own.pk])).status_code == 200
    assert client.get(reverse("wagtailadmin_pages:edit", args=[theirs.pk])).status_code == 302
    assert client.get(f"/cms/campaigns/{own.pk}/").status_code == 200
    assert client.get(f"/cms/campaigns/{theirs.pk}/").status_code == 403
    assert client.get(f"/cms/campaigns/{theirs.pk}/report/").status_code == 403
    assert client.get(f"/cms/campaigns/{theirs.pk}/report.csv").status_code == 403
    refused = client.post(f"/cms/campaigns/{theirs.pk}/control/", {"action": "pause"})
    assert refused.status_code == 403
    assert theirs.live_state.paused_at is None
    listed = [row["campaign"].pk for row in client.get("/cms/campaigns/").context["rows"]]
    assert own.pk in listed and theirs.pk not in listed


def test_a_customer_cannot_reach_the_console(client):
    campaign = make_campaign(code="CUST01")
    customer = get_user_model().objects.create_user(username="buyer", password="buyer-pass-123")
    client.force_login(customer)
    response = client.get(f"/cms/campaigns/{campaign.pk}/")
    assert response.status_code == 302
    assert "/cms/login/" in response["Location"]


def test_an_end_before_the_start_is_refused_with_a_form_error(client):
    form = publish_refused(client, code="BADEND", hours=-1)
    assert form.errors["ends_at"] == ["直播结束时间必须晚于开始时间。"]
    assert not CampaignPage.objects.filter(code="BADEND").exists()


def test_a_product_not_on_sale_in_the_shop_is_refused(client):
    tea = Product.objects.get(upc="YX-DC-004")
    Certificate.objects.filter(product=tea).update(
        valid_to=timezone.localdate() - datetime.timedelta(days=1)
    )
    form = publish_refused(client, code="NOTEA1", products=[(tea, "")])
    errors = form.formsets["products"].forms[0].errors
    assert errors["product"] == ["这件商品目前不在商城销售，直播不能卖它。"]
    assert not CampaignPage.objects.filter(code="NOTEA1").exists()


def test_a_campaign_price_above_the_shop_price_is_refused(client):
    peanuts = Product.objects.get(upc="YX-DC-003")
    form = publish_refused(client, code="DEAR01", products=[(peanuts, "45.00")])
    errors = form.formsets["products"].forms[0].errors
    assert errors["campaign_price"] == ["直播价不能高于商城价 ¥39.80。"]


def test_a_code_used_by_another_campaign_is_refused_in_the_form(client):
    make_campaign(code="TAKEN1")
    form = publish_refused(client, code="taken1")
    assert form.errors["code"] == ["这个代码已被其他活动或分享员使用。"]


def test_the_host_pauses_pins_and_takes_products_off_sale_from_the_console(client):
    campaign = make_campaign(code="CONSOL", products=[("YX-DC-003", "35.80"), ("YX-DC-001", None)])
    peanuts = Product.objects.get(upc="YX-DC-003")
    client.force_login(get_user_model().objects.get(username="admin"))
    url = f"/cms/campaigns/{campaign.pk}/control/"
    assert client.post(url, {"action": "pin", "product": peanuts.pk}).status_code == 302
    page = client.get(campaign.url)
    assert [row["product"].upc for row in page.context["campaign_products"]] == [
        "YX-DC-003",
        "YX-DC-001",
    ]
    assert page.context["campaign_products"][0]["pinned"] is True
    client.post(url, {"action": "off_sale", "product": peanuts.pk})
    page = client.get(campaign.url)
    assert [row["product"].upc for row in page.context["campaign_products"]] == ["YX-DC-001"]
    campaign.live_state.refresh_from_db()
    assert campaign.live_state.pinned_product is None
    client.post(url, {"action": "pause"})
    campaign.live_state.refresh_from_db()
    assert campaign.live_state.paused_at is not None
    assert client.get(campaign.url).context["campaign_state"] == "paused"
    response = client.post(url, {"action": "pause"}, follow=True)
    assert "只有直播中的活动可以暂停。" in [str(m) for m in response.context["messages"]]


def test_qr_codes_download_as_svg_and_png_and_encode_the_short_link(client):
    import segno

    from cms.campaigns.services import campaign_sharer_add

    campaign = make_campaign(code="QRCODE")
    sharer = campaign_sharer_add(campaign=campaign, name="甲", role="cadre", code="QRCODE-A")
    client.force_login(get_user_model().objects.get(username="admin"))
    svg = client.get(f"/cms/campaigns/{campaign.pk}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg["Content-Disposition"] == 'attachment; filename="campaign-QRCODE.svg"'
    expected = io_bytes(segno.make("http://testserver/c/QRCODE/", error="m"), "svg")
    assert svg.content == expected
    png = client.get(f"/cms/campaigns/{campaign.pk}/sharers/{sharer.pk}/qr.png")
    assert png["Content-Type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.content == io_bytes(segno.make("http://testserver/c/QRCODE-A/", error="m"), "png")
    gif = client.get(f"/cms/campaigns/{campaign.pk}/sharers/{sharer.pk}/qr.gif", follow=True)
    assert gif.status_code == 404


def io_bytes(qr, kind: str) -> bytes:
    import io

    buffer = io.BytesIO()
    qr.save(buffer, kind=kind, scale=10, border=2)
    return buffer.getvalue()
