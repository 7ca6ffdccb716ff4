"""Every ``<input type="date">`` carries an ISO value (issue #19).

In zh-hans Django rendered a pre-filled date as ``2026/11/30``; the browser's date
input rejects anything but ``YYYY-MM-DD``, so the household page's fields looked
empty. Every date input of our forms now renders ISO, and the value sent back is
the date that was shown.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django import forms
from django.utils import timezone, translation

from common.widgets import DateInput
from impact.ledger.payout_forms import PayoutForm
from impact.monitoring.forms import (
    ClueAdvanceForm,
    DeclarationForm,
    ExpenditureForm,
    HelpMeasureForm,
    NoticeListForm,
)
from producers.forms import BenefitLinkForm
from shop.payments.forms import TransferForm
from tests.impact import factories

DAY = datetime.date(2026, 11, 30)

# Every form with a date field, and its date fields (found by reading the forms).
DATE_FIELDS: list[tuple[type[forms.BaseForm], str]] = [
    (DeclarationForm, "date"),
    (ClueAdvanceForm, "notice_from"),
    (NoticeListForm, "start"),
    (NoticeListForm, "end"),
    (HelpMeasureForm, "started"),
    (HelpMeasureForm, "ended"),
    (ExpenditureForm, "date"),
    (PayoutForm, "paid_on"),
    (BenefitLinkForm, "valid_from"),
    (BenefitLinkForm, "valid_to"),
    (TransferForm, "received_on"),
]


@pytest.mark.parametrize(("form_class", "name"), DATE_FIELDS)
def test_a_prefilled_date_renders_iso_in_chinese_and_comes_back_the_same(form_class, name):
    field = form_class.base_fields[name]
    assert isinstance(field.widget, DateInput)
    with translation.override("zh-hans"):
        html = field.widget.render(name, DAY)
        assert 'type="date"' in html
        assert 'value="2026-11-30"' in html
        value = re.search(r'value="([^"]*)"', html)[1]
        assert field.clean(value) == DAY


def test_the_chinese_default_format_is_what_the_browser_rejected():
    """Without the shared widget, zh-hans renders the slashed form (why the widget exists)."""
    with translation.override("zh-hans"):
        assert 'value="2026/11/30"' in forms.DateInput(attrs={"type": "date"}).render("d", DAY)


def test_every_date_input_of_our_forms_is_the_shared_widget():
    """A new date field with Django's plain DateInput would bring the bug back."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for app in ("common", "impact", "producers", "shop", "cms", "demo")
        for path in (root / app).rglob("*.py")
        if re.search(r"forms\.DateInput\(|[\"']type[\"']\s*:\s*[\"']date[\"']", path.read_text())
        and path.name != "widgets.py"
    ]
    assert offenders == []


@pytest.mark.django_db
def test_the_household_page_prefills_todays_dates_as_iso(client):
    household = factories.household(county_code="530113", code="DATE-1")
    client.force_login(factories.county_staff("date-reader", "530113"))
    page = client.get(
        f"/cms/impact/households/{household.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    values = re.findall(r'<input type="date" name="(\w+)" value="([^"]*)"', page)
    today = timezone.localdate().isoformat()
    assert ("started", today) in values  # the help measure's start, pre-filled with today
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) for _, value in values)
