"""Payout follow-ups (回访核实), disputes on the pages that show them, and the arrears pages."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from common.spreadsheets import text_safe
from impact.ledger.followups import follow_up_allowed, payout_follow_up_record
from impact.models import Assessment, Payout, PayoutFollowUp
from tests.impact.factories import area_staff, county_staff, threshold
from tests.impact.test_arrears import entry, hongtudi, paid, payout
from tests.producers.factories import producer_user

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def sale(django_capture_on_commit_callbacks):
    """东川老鹰茶 × 2 paid: 23.20 purchase, 9.28 wages, 5.80 dividend to 东川 households."""
    threshold(timezone.localdate().year)
    order = paid([("YX-DC-004", 2)], django_capture_on_commit_callbacks)
    return order.lines.get()


def follow_up_staff(payout, name="fu-township", *, level="township", permissions=None):
    """Township (or village) monitoring staff of the payout's household, who follow payouts up."""
    village = payout.household.region
    region = village if level == "village" else village.parent
    return area_staff(name, region, permissions=permissions or ["add_payoutfollowup"])


def test_a_dispute_needs_a_note_and_writes_nothing_without_one(sale):
    made = payout(entry(sale, "purchase"), "23.20")
    with pytest.raises(ValidationError) as error:
        payout_follow_up_record(payout=made, result="disputed", note="  ", by=follow_up_staff(made))
    assert "异议" in str(error.value.messages[0]) or "disputes" in error.value.messages[0]
    with pytest.raises(ValidationError):
        payout_follow_up_record(payout=made, result="maybe", note="", by=follow_up_staff(made, "b"))
    assert not PayoutFollowUp.objects.exists()
    made.refresh_from_db()
    assert made.verification == Payout.Verification.UNVERIFIED


def test_dispute_then_not_reached_stays_disputed_until_confirmed(sale):
    made = payout(entry(sale, "purchase"), "23.20")
    staff = follow_up_staff(made)
    household = made.household
    before = Assessment.objects.filter(household=household).count()

    payout_follow_up_record(payout=made, result="disputed", note="只收到 10 元", by=staff)
    made.refresh_from_db()
    assert made.verification == Payout.Verification.DISPUTED and not made.counts
    # platform_income_changed re-assessed the household once for the payout's year.
    assert Assessment.objects.filter(household=household).count() == before + 1

    payout_follow_up_record(payout=made, result="not_reached", note="", by=staff)
    made.refresh_from_db()
    assert made.verification == Payout.Verification.DISPUTED
    assert Assessment.objects.filter(household=household).count() == before + 1

    payout_follow_up_record(payout=made, result="confirmed", note="补足了", by=staff)
    made.refresh_from_db()
    assert made.verification == Payout.Verification.CONFIRMED and made.counts
    assert Assessment.objects.filter(household=household).count() == before + 2
    assert list(made.follow_ups.values_list("result", flat=True)) == [
        "disputed",
        "not_reached",
        "confirmed",
    ]


def test_only_village_or_township_staff_of_the_households_area_with_the_permission_may(sale):
    made = payout(entry(sale, "purchase"), "23.20")
    township = follow_up_staff(made)
    village = follow_up_staff(made, "fu-cun", level="village")
    other_county = county_staff("xd", "530129", permissions=["add_payoutfollowup"])
    no_permission = follow_up_staff(made, "dc-reader", permissions=["access_admin"])
    county = county_staff("dc-qu", "530113", permissions=["add_payoutfollowup"])
    city = county_staff("city", None, permissions=["add_payoutfollowup"])
    assert follow_up_allowed(township, made) and follow_up_allowed(village, made)
    refused = (other_county, no_permission, county, city)
    assert [follow_up_allowed(user, made) for user in refused] == [False] * 4
    for user in refused:
        with pytest.raises(PermissionDenied):
            payout_follow_up_record(payout=made, result="confirmed", note="", by=user)
    assert not PayoutFollowUp.objects.exists()


def test_a_reversed_payout_needs_no_follow_up(sale):
    made = payout(entry(sale, "purchase"), "23.20", reversed_at=timezone.now())
    with pytest.raises(ValidationError):
        payout_follow_up_record(payout=made, result="confirmed", note="", by=follow_up_staff(made))
    assert not PayoutFollowUp.objects.exists()


def test_back_office_list_form_and_household_page(client, sale):
    made = payout(entry(sale, "purchase"), "23.20")
    wages = payout(entry(sale, "employment"), "9.28", verification="confirmed")
    staff = follow_up_staff(made)
    client.force_login(staff)
    listing = client.get(reverse("impact_payout_follow_ups"))
    assert listing.status_code == 200
    rows = [p.pk for p in listing.context["page"]]
    assert made.pk in rows and wages.pk not in rows  # confirmed ones wait for nobody
    disputed_only = client.get(reverse("impact_payout_follow_ups"), {"verification": "disputed"})
    assert list(disputed_only.context["page"]) == []

    url = reverse("impact_payout_follow_up", args=[made.pk])
    refused = client.post(url, {"result": "disputed", "note": ""})
    assert refused.status_code == 400
    assert "请说明农户的异议" in refused.content.decode()
    assert client.post(url, {"result": "disputed", "note": "没收到"}).status_code == 302
    made.refresh_from_db()
    assert made.verification == "disputed"

    page = client.get(reverse("impact_household", args=[made.household_id]))
    assert "有异议的兑付" in page.content.decode() and "没收到" in page.content.decode()

    client.force_login(county_staff("xd2", "530129", permissions=["add_payoutfollowup"]))
    assert client.get(url).status_code == 403
    assert made.pk not in [
        p.pk for p in client.get(reverse("impact_payout_follow_ups")).context["page"]
    ]


def test_producer_sees_its_arrears_and_disputes_as_a_to_do(client, sale):
    purchase = entry(sale, "purchase")
    disputed = payout(purchase, "5.00", verification="disputed")
    user = producer_user(partner_code="dongchuan-hongtudi")
    first = timezone.localdate(purchase.created_at)
    # Logged in on the day looked at: a session from 32 days before would have expired.
    with freeze_time(timezone.now() + datetime.timedelta(days=32)):
        client.force_login(user)
        response = client.get(reverse("dashboard:index"))
        assert response.status_code == 200
        home = response.content.decode()
        # 23.20 − 5.00 (a disputed payout still pays its part) + 9.28 wages.
        due_by = (first + datetime.timedelta(days=31)).isoformat()
        households = len({purchase.household_id, entry(sale, "employment").household_id})
        assert f"应兑未兑 ¥27.48，涉及 {households} 户，最早 {due_by}" in home
        assert "农户有异议的兑付：1 笔" in home
        page = client.get(reverse("dashboard:producer-arrears"))
        assert page.status_code == 200
        text = page.content.decode()
        assert purchase.household.code in text and purchase.household.head_name_masked in text
        assert "测试户主" not in text and purchase.household.head_name not in text
        assert str(disputed.amount) in text
    staff = county_staff("dc-office", "530113")
    with freeze_time(timezone.now() + datetime.timedelta(days=32)):
        client.force_login(staff)
        detail = client.get(reverse("producers_admin_detail", args=[hongtudi().pk]))
    assert "应兑未兑 ¥27.48" in detail.content.decode()
    assert "producer-disputed" in detail.content.decode()


def test_county_arrears_report_and_its_export(client, sale):
    staff = county_staff("dc-report", "530113")
    with freeze_time(timezone.now() + datetime.timedelta(days=32)):
        client.force_login(staff)
        page = client.get(reverse("impact_report_arrears"))
        assert page.status_code == 200
        rows = page.context["tables"][0].rows
        assert [(r[0], r[3]) for r in rows] == [(hongtudi().name, D("32.48"))]
        csv = client.get(reverse("impact_report_arrears"), {"format": "csv"})
    assert csv.status_code == 200
    body = b"".join(csv.streaming_content) if csv.streaming else csv.content
    assert "32.48" in body.decode("utf-8-sig") and hongtudi().name in body.decode("utf-8-sig")
    # Another county's staff see none of it.
    other = county_staff("xd-report", "530129")
    with freeze_time(timezone.now() + datetime.timedelta(days=32)):
        client.force_login(other)
        assert client.get(reverse("impact_report_arrears")).context["tables"][0].rows == []


def test_a_producer_name_like_a_formula_is_inert_in_the_export(client, sale):
    producer = hongtudi()
    producer.name = "=HYPERLINK(1)"
    producer.save()
    staff = county_staff("dc-x", "530113")
    with freeze_time(timezone.now() + datetime.timedelta(days=32)):
        client.force_login(staff)
        xlsx = client.get(reverse("impact_report_arrears"), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    cells = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "=HYPERLINK(1)" not in cells
    assert text_safe("=HYPERLINK(1)") in cells
    assert 32.48 in cells or "32.48" in cells
