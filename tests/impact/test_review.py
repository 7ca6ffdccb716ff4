"""The staged review by level: village, township and county reviewers, the notice period,
the 15-day deadline, and the printable village notice list (公示名单)."""

import base64
import datetime
import re
import zlib
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.utils import timezone

from impact.models import Clue, ClueStep, Household, Region, RigidExpenditure, StaffScope
from impact.monitoring import access
from impact.monitoring.clues import clue_advance, clue_deadline

from . import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 20)


def area(*names: str) -> Region:
    """A region of 东川区 by its path of names below the county: ("红土地镇", "花沟村")."""
    region = Region.objects.get(code="530113")
    for name in names:
        region = Region.objects.get(parent=region, name=name)
    return region


def reviewer(username: str, region: Region | None, *, superuser: bool = False):
    user = get_user_model().objects.create_user(
        username=username,
        password="pass-123-word",
        is_staff=True,
        is_superuser=superuser,
    )
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    if region is not None or not superuser:
        StaffScope.objects.create(user=user, region=region)
    return user


def household_in(village: Region, code: str, **fields) -> Household:
    return Household.objects.create(
        code=code,
        head_name=fields.pop("head_name", "张三丰"),
        id_number=factories.id_number("530113"),
        region=village,
        members=3,
        labour=1,
        kind=Household.Kind.EXITED,
        **fields,
    )


def clue_for(household: Household, *, opened: datetime.date = datetime.date(2026, 11, 1), **fields):
    opened_at = timezone.make_aware(datetime.datetime.combine(opened, datetime.time(9)))
    return Clue.objects.create(
        household=household,
        county=household.county,
        channel="screening",
        level=fields.pop("level", 4),
        opened_at=opened_at,
        **fields,
    )


@pytest.fixture
def huagou():
    return area("红土地镇", "花沟村")


@pytest.fixture
def levels(huagou):
    """The three reviewers of 花沟村's clues."""
    return {
        "village": reviewer("cun", huagou),
        "township": reviewer("zhen", area("红土地镇")),
        "county": reviewer("qu", area()),
    }


@pytest.fixture
def clue(huagou):
    return clue_for(household_in(huagou, "HG-1"))


def assert_refused(clue: Clue, match: str, **kwargs) -> None:
    """The move is refused with ``match`` in its message, and nothing changes."""
    before = Clue.objects.get(pk=clue.pk)
    steps = ClueStep.objects.filter(clue=clue).count()
    with pytest.raises(ValidationError, match=match):
        clue_advance(clue=clue, **kwargs)
    after = Clue.objects.get(pk=clue.pk)
    assert (after.stage, after.notice_from, after.notice_to) == (
        before.stage,
        before.notice_from,
        before.notice_to,
    )
    assert ClueStep.objects.filter(clue=clue).count() == steps


# 1. Roles


def test_three_accounts_walk_a_clue_each_at_its_own_level(clue, levels):
    village, township, county = levels["village"], levels["township"], levels["county"]
    clue = clue_advance(clue=clue, to_stage="verified", by=village, note="入户走访、数据比对")
    clue = clue_advance(
        clue=clue,
        to_stage="notice",
        by=village,
        notice_from=datetime.date(2026, 11, 3),
        today=TODAY,
    )
    assert clue.notice_to == datetime.date(2026, 11, 8)
    clue = clue_advance(clue=clue, to_stage="township", by=township, today=TODAY)
    clue = clue_advance(clue=clue, to_stage="approved", by=county, today=TODAY)
    assert clue.stage == "approved"
    assert [(s.stage, s.by.username) for s in ClueStep.objects.filter(clue=clue)] == [
        ("verified", "cun"),
        ("notice", "cun"),
        ("township", "zhen"),
        ("approved", "qu"),
    ]


def test_one_county_account_cannot_walk_a_clue(clue, levels):
    county = levels["county"]
    assert_refused(clue, "村（社区）", to_stage="verified", by=county)
    clue_advance(clue=clue, to_stage="verified", by=levels["village"])
    clue_advance(
        clue=clue,
        to_stage="notice",
        by=levels["village"],
        notice_from=datetime.date(2026, 11, 3),
        today=TODAY,
    )
    assert_refused(clue, "乡镇", to_stage="township", by=county, today=TODAY)
    assert_refused(clue, "乡镇", to_stage="township", by=levels["village"], today=TODAY)


def test_an_account_that_did_the_village_steps_cannot_act_at_another_level(clue, levels, huagou):
    village = levels["village"]
    clue_advance(clue=clue, to_stage="verified", by=village)
    clue_advance(
        clue=clue,
        to_stage="notice",
        by=village,
        notice_from=datetime.date(2026, 11, 3),
        today=TODAY,
    )
    # the same account moved up to the township: it still may not review its own village work
    StaffScope.objects.filter(user=village).update(region=area("红土地镇"))
    assert_refused(clue, "两个层级", to_stage="township", by=village, today=TODAY)
    clue_advance(clue=clue, to_stage="township", by=levels["township"], today=TODAY)
    # and whoever did the township review cannot approve at the county
    township = levels["township"]
    StaffScope.objects.filter(user=township).update(region=area(), county=area())
    assert_refused(clue, "两个层级", to_stage="approved", by=township, today=TODAY)
    assert clue_advance(clue=clue, to_stage="approved", by=levels["county"]).stage == "approved"


def test_reviewers_act_only_in_their_own_area(clue, levels):
    other_village = reviewer("facun", area("红土地镇", "法者村"))
    other_township = reviewer("tangdan", area("汤丹镇"))
    assert_refused(clue, "不在你的辖区", to_stage="verified", by=other_village)
    clue_advance(clue=clue, to_stage="verified", by=levels["village"])
    clue_advance(
        clue=clue,
        to_stage="notice",
        by=levels["village"],
        notice_from=datetime.date(2026, 11, 3),
        today=TODAY,
    )
    assert_refused(clue, "不在你的辖区", to_stage="township", by=other_township, today=TODAY)


def test_city_staff_and_superusers_without_an_area_see_but_do_not_act(client, clue):
    city = reviewer("city", None)
    root = reviewer("root", None, superuser=True)
    for user in (city, root):
        assert access.staff_level(user) is None
        assert access.clues_visible_to(user=user).filter(pk=clue.pk).exists()
        assert_refused(clue, "没有辖区", to_stage="verified", by=user)
    client.force_login(root)
    response = client.post(
        f"/cms/impact/clues/{clue.pk}/advance/", {"stage": "verified"}, follow=True
    )
    assert "没有辖区" in response.content.decode()
    assert Clue.objects.get(pk=clue.pk).stage == "open"


def test_dismissal_is_for_the_level_whose_step_is_current(clue, levels):
    clue_advance(clue=clue, to_stage="verified", by=levels["village"])
    clue_advance(
        clue=clue,
        to_stage="notice",
        by=levels["village"],
        notice_from=datetime.date(2026, 11, 3),
        today=TODAY,
    )
    assert_refused(clue, "乡镇", to_stage="dismissed", by=levels["village"], note="有异议")
    assert_refused(clue, "乡镇", to_stage="dismissed", by=levels["county"], note="有异议")
    clue = clue_advance(clue=clue, to_stage="dismissed", by=levels["township"], note="公示有异议")
    assert clue.stage == "dismissed"


def test_township_and_village_staff_see_only_their_area(client, huagou, levels):
    in_huagou = household_in(huagou, "HG-2")
    in_fazhe = household_in(area("红土地镇", "法者村"), "FZ-1")
    in_tangdan = household_in(area("汤丹镇", "菜园村"), "CY-1")
    for household in (in_huagou, in_fazhe, in_tangdan):
        clue_for(household)
    mine = {
        name: set(access.households_visible_to(user=user).values_list("code", flat=True))
        for name, user in levels.items()
    }
    assert {"HG-2"} <= mine["village"] and not {"FZ-1", "CY-1"} & mine["village"]
    assert {"HG-2", "FZ-1"} <= mine["township"] and "CY-1" not in mine["township"]
    assert {"HG-2", "FZ-1", "CY-1"} <= mine["county"]
    assert all(h.region == huagou for h in access.households_visible_to(user=levels["village"]))
    client.force_login(levels["township"])
    codes = {c.household.code for c in client.get("/cms/impact/clues/").context["page"]}
    assert codes == {"HG-2", "FZ-1"}
    assert client.get(f"/cms/impact/households/{in_tangdan.pk}/").status_code == 403


def test_staff_level_and_covers_for_other_engineers(huagou, levels):
    old_style = factories.county_staff("old", "530113")  # a scope made with a county only
    assert access.staff_level(old_style) == "county"
    assert [access.staff_level(levels[k]) for k in ("village", "township", "county")] == [
        "village",
        "township",
        "county",
    ]
    fazhe = area("红土地镇", "法者村")
    household = household_in(huagou, "HG-3")
    assert access.staff_covers(levels["village"], household)
    assert not access.staff_covers(levels["village"], fazhe)
    assert access.staff_covers(levels["township"], fazhe)
    assert not access.staff_covers(levels["township"], area("汤丹镇"))
    assert not access.staff_covers(levels["township"], area())  # not the whole county
    assert access.staff_covers(levels["county"], area("汤丹镇", "菜园村"))
    assert not access.staff_covers(levels["county"], Region.objects.get(code="530129"))


# 2. The notice period


def test_a_backdated_or_future_notice_is_refused(clue, levels):
    village = levels["village"]
    clue_advance(clue=clue, to_stage="verified", by=village)
    before_clue = datetime.date(2026, 10, 31)  # the clue opened on 2026-11-01
    assert_refused(
        clue,
        "不能早于线索发现日期",
        to_stage="notice",
        by=village,
        notice_from=before_clue,
        today=TODAY,
    )
    tomorrow = TODAY + datetime.timedelta(days=1)
    assert_refused(
        clue, "不能晚于今天", to_stage="notice", by=village, notice_from=tomorrow, today=TODAY
    )
    clue = clue_advance(
        clue=clue,
        to_stage="notice",
        by=village,
        notice_from=datetime.date(2026, 11, 1),
        today=TODAY,
    )
    assert (clue.notice_from, clue.notice_to) == (
        datetime.date(2026, 11, 1),
        datetime.date(2026, 11, 6),
    )


def test_the_township_review_waits_five_days_after_the_notice(clue, levels):
    clue_advance(clue=clue, to_stage="verified", by=levels["village"])
    posted = datetime.date(2026, 11, 10)
    clue_advance(
        clue=clue, to_stage="notice", by=levels["village"], notice_from=posted, today=posted
    )
    for day in (10, 11, 14):
        assert_refused(
            clue,
            "不少于 5 天",
            to_stage="township",
            by=levels["township"],
            today=datetime.date(2026, 11, day),
        )
    # 10 November + 5 days = 15 November
    clue = clue_advance(
        clue=clue, to_stage="township", by=levels["township"], today=datetime.date(2026, 11, 15)
    )
    assert clue.stage == "township"


def test_the_view_refuses_a_future_notice_in_chinese(client, clue, levels):
    clue_advance(clue=clue, to_stage="verified", by=levels["village"])
    client.force_login(levels["village"])
    future = timezone.localdate() + datetime.timedelta(days=3)
    response = client.post(
        f"/cms/impact/clues/{clue.pk}/advance/",
        {"stage": "notice", "notice_from": future.isoformat()},
        follow=True,
    )
    assert "村级公示开始日期不能晚于今天" in response.content.decode()
    assert Clue.objects.get(pk=clue.pk).notice_from is None


# 3. The deadline


def test_the_queue_counts_overdue_clues_exactly_and_filters_them(client, huagou, levels):
    now = timezone.now()
    late = [clue_for(household_in(huagou, f"LATE-{n}")) for n in range(3)]
    for n, clue in enumerate(late):
        Clue.objects.filter(pk=clue.pk).update(due_at=now - datetime.timedelta(days=n + 1))
    fresh = [clue_for(household_in(huagou, f"NEW-{n}")) for n in range(2)]
    for clue in fresh:
        Clue.objects.filter(pk=clue.pk).update(due_at=now + datetime.timedelta(days=3))
    # past due but approved or dismissed: no longer overdue
    for stage in ("approved", "dismissed"):
        done = clue_for(household_in(huagou, f"DONE-{stage}"), stage=stage)
        Clue.objects.filter(pk=done.pk).update(due_at=now - datetime.timedelta(days=5))
    # past due in another county: not counted for 东川区
    xundian = factories.household(county_code="530129", code="XD-LATE")
    other = clue_for(xundian)
    Clue.objects.filter(pk=other.pk).update(due_at=now - datetime.timedelta(days=5))

    client.force_login(levels["county"])
    response = client.get("/cms/impact/clues/")
    assert response.context["counts"] == {"total": 5, "overdue": 3}
    assert "3 条已超期" in response.content.decode()
    overdue = client.get("/cms/impact/clues/", {"overdue": "1"})
    assert {c.household.code for c in overdue.context["page"]} == {"LATE-0", "LATE-1", "LATE-2"}
    assert overdue.content.decode().count('class="yx-clue yx-clue-overdue"') == 3
    mine = client.get("/cms/impact/clues/", {"mine": "1"})  # the county approves: none at TOWNSHIP
    assert list(mine.context["page"]) == []


def test_the_clue_page_shows_days_left_or_days_overdue(client, huagou, levels):
    now = timezone.now()
    fresh = clue_for(household_in(huagou, "D-1"), opened=timezone.localdate())
    Clue.objects.filter(pk=fresh.pk).update(opened_at=now, due_at=now + datetime.timedelta(days=15))
    late = clue_for(household_in(huagou, "D-2"))
    Clue.objects.filter(pk=late.pk).update(due_at=now - datetime.timedelta(days=2, hours=1))
    fresh.refresh_from_db()
    late.refresh_from_db()
    assert clue_deadline(clue=fresh, now=now).days_left == 15
    # two days and an hour late: two calendar days, or three just after local midnight
    days = (
        timezone.localdate(now) - timezone.localdate(now - datetime.timedelta(days=2, hours=1))
    ).days
    assert days in (2, 3)
    assert clue_deadline(clue=late, now=now).days_overdue == days
    client.force_login(levels["village"])
    page = client.get(f"/cms/impact/clues/{fresh.pk}/").content.decode()
    assert "剩余 15 天" in page
    page = client.get(f"/cms/impact/clues/{late.pk}/").content.decode()
    assert f"已超期 {days} 天" in page
    # the village reviewer is offered its own steps only
    page_response = client.get(f"/cms/impact/clues/{fresh.pk}/")
    assert [value for value, _label in page_response.context["form"].fields["stage"].choices] == [
        "verified",
        "dismissed",
    ]
    client.force_login(levels["county"])
    assert client.get(f"/cms/impact/clues/{fresh.pk}/").context["form"] is None


def test_the_clue_page_of_another_area_is_403(client, huagou):
    clue = clue_for(household_in(huagou, "HG-9"))
    client.force_login(reviewer("tangdan", area("汤丹镇")))
    assert client.get(f"/cms/impact/clues/{clue.pk}/").status_code == 403


# 4. The village notice list


def pdf_text(pdf: bytes) -> str:
    """The text of a reportlab PDF in a UCS-2 CID font: its content streams
    (ASCII85 then Flate), the literal strings shown by Tj, read as UTF-16BE."""
    text = []
    for raw in re.findall(
        rb"/ASCII85Decode /FlateDecode \][^>]*>>\s*stream\r?\n(.*?)endstream", pdf, re.S
    ):
        content = zlib.decompress(base64.a85decode(raw.strip()[:-2]))
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", content, re.S):
            unescaped = re.sub(
                rb"\\([0-7]{1,3}|.)",
                lambda m: bytes([int(m.group(1), 8)]) if m.group(1).isdigit() else m.group(1),
                literal,
            )
            if len(unescaped) % 2 == 0:
                text.append(unescaped.decode("utf-16-be", errors="replace"))
    return "".join(text)


@pytest.fixture
def on_notice(huagou, levels):
    """Two 花沟村 households on notice from 3 November, one with an illness expenditure."""
    ill = household_in(huagou, "HG-ILL", head_name="王小明")
    RigidExpenditure.objects.create(
        household=ill, date=datetime.date(2026, 10, 1), cause="illness", amount=Decimal("30000.00")
    )
    other = household_in(huagou, "HG-OK", head_name="李四")
    dismissed = household_in(huagou, "HG-NO", head_name="赵六")
    for household, level in ((ill, 2), (other, 4), (dismissed, 3)):
        clue = clue_for(household, level=level)
        clue_advance(clue=clue, to_stage="verified", by=levels["village"])
        clue_advance(
            clue=clue,
            to_stage="notice",
            by=levels["village"],
            notice_from=datetime.date(2026, 11, 3),
            today=TODAY,
        )
    clue = Clue.objects.get(household=dismissed)
    clue_advance(clue=clue, to_stage="dismissed", by=levels["township"], note="核实不符")
    huagou.notice_contact, huagou.notice_phone = "村委会 刘主任", "0871-62100000"
    huagou.save()
    return ill, other


NOTICE_QUERY = {"start": "2026-11-01", "end": "2026-11-20"}


def test_the_notice_list_masks_names_and_shows_no_id_number_or_cause(
    client, huagou, levels, on_notice
):
    ill, other = on_notice
    client.force_login(levels["village"])
    response = client.get("/cms/impact/notices/", {"village": huagou.pk, **NOTICE_QUERY})
    assert response.status_code == 200
    rows = response.context["notice"].rows
    assert [(r.code, r.name_masked, r.reason) for r in rows] == [
        ("HG-ILL", "王**", "预警级别：Ⅱ 蓝（系统筛查比对）"),
        ("HG-OK", "李*", "预警级别：Ⅳ 黄（系统筛查比对）"),
    ]
    assert [(r.notice_from, r.notice_to) for r in rows] == [
        (datetime.date(2026, 11, 3), datetime.date(2026, 11, 8))
    ] * 2
    html = response.content.decode()
    assert "@media print" in html and "size: A4" in html
    assert "村委会 刘主任" in html and "0871-62100000" in html
    for secret in ("王小明", "李四", ill.id_number, other.id_number, "因病", "疾病", "赵"):
        assert secret not in html


def test_the_notice_list_pdf_is_a_real_pdf_without_id_numbers_or_causes(
    client, huagou, levels, on_notice
):
    ill, other = on_notice
    client.force_login(levels["township"])
    response = client.get("/cms/impact/notices/notice.pdf", {"village": huagou.pk, **NOTICE_QUERY})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert b"STSong-Light" in pdf and b"/Type /Page" in pdf
    text = pdf_text(pdf)
    for shown in (
        "HG-ILL",
        "王**",
        "HG-OK",
        "李*",
        "2026-11-03",
        "2026-11-08",
        "刘主任",
        "0871-62100000",
    ):
        assert shown in text
    for secret in ("王小明", "李四", ill.id_number, other.id_number, "因病", "疾病", "HG-NO"):
        assert secret not in text
        assert secret.encode("utf-16-be") not in pdf


def test_the_notice_list_is_only_for_reviewers_covering_the_village(client, huagou, on_notice):
    client.force_login(reviewer("facun", area("红土地镇", "法者村")))
    query = {"village": huagou.pk, **NOTICE_QUERY}
    assert client.get("/cms/impact/notices/", query).status_code == 403
    assert client.get("/cms/impact/notices/notice.pdf", query).status_code == 403
    client.force_login(reviewer("tangdan", area("汤丹镇")))
    assert client.get("/cms/impact/notices/", query).status_code == 403


def test_the_pdf_needs_a_contact_and_a_bad_phone_is_refused(client, huagou, levels, on_notice):
    huagou.notice_contact = huagou.notice_phone = ""
    huagou.save()
    client.force_login(levels["village"])
    query = {"village": huagou.pk, **NOTICE_QUERY}
    response = client.get("/cms/impact/notices/notice.pdf", query, follow=True)
    assert "打印村级公示名单前，请先填写受理异议的联系人" in response.content.decode()
    response = client.post(
        f"/cms/impact/notices/villages/{huagou.pk}/contact/",
        {"contact": "村委会 刘主任", "phone": "abc"},
        follow=True,
    )
    assert "电话" in response.content.decode()
    huagou.refresh_from_db()
    assert (huagou.notice_contact, huagou.notice_phone) == ("", "")
    client.post(
        f"/cms/impact/notices/villages/{huagou.pk}/contact/",
        {"contact": "村委会 刘主任", "phone": "0871-62100000"},
    )
    huagou.refresh_from_db()
    assert (huagou.notice_contact, huagou.notice_phone) == ("村委会 刘主任", "0871-62100000")
    assert client.get("/cms/impact/notices/notice.pdf", query).content.startswith(b"%PDF-")


# 5. The demo


def test_the_demo_has_reviewers_at_three_levels_of_dongchuan():
    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="dc-")}
    assert {name: access.staff_level(users[name]) for name in users} == {
        "dc-village": "village",
        "dc-township": "township",
        "dc-county": "county",
    }
    assert users["dc-village"].check_password("yixiang-demo")
    assert access.staff_region(users["dc-village"]).full_name == "东川区红土地镇花沟村"
