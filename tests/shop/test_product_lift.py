"""The product page says, beside the issue #19 projection, what one bought brings households
still below the monitoring line (issue #21): 预计, from the same links and split, counted only
from 5 households up; nothing when it reaches no household in warning.

东川老鹰茶 250g (YX-DC-004, ¥58.00) links 8% of every 红土地 line to 东川 household 4, 5% to
household 5 and 20% of this product's to household 7. The tests set the households' current
levels themselves; the expected figures are worked out by hand below and checked against
``impact.targeting.project_sales`` (the targeting API's own projection of one unit sold).
"""

import re
from decimal import Decimal as D

import pytest
from django.test import Client
from django.utils import timezone
from oscar.core.loading import get_model

from impact.models import Household, HouseholdStatus
from impact.monitoring.rules import Level
from impact.targeting import project_sales
from producers.models import BenefitLink, Producer

Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db

DONGCHUAN = "530113"
LIFT = re.compile(r'class="yx-projection yx-lift[^"]*">(.*?)</p>', re.S)


def levels(**by_number: Level) -> None:
    for number, level in by_number.items():
        code = f"{DONGCHUAN}-{int(number[1:]):04d}"
        assert HouseholdStatus.objects.filter(household__code=code).update(level=level) == 1


def lift_words(upc: str) -> str | None:
    client = Client()
    client.cookies["django_language"] = "zh-hans"
    response = client.get(Product.objects.get(upc=upc).get_absolute_url())
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    match = LIFT.search(response.content.decode())
    return " ".join(match.group(1).split()) if match else None


def tea() -> "Product":
    return Product.objects.get(upc="YX-DC-004")


def test_two_households_in_warning_are_folded_under_five():
    levels(h4=Level.RED, h5=Level.YELLOW, h7=Level.PURPLE)
    words = lift_words("YX-DC-004")
    # 5% + 20% of ¥58.00 = 2.90 + 11.60; household 4 (red) has returned to poverty: not counted.
    assert words is not None and "¥14.50" in words
    assert re.search(r"\b[0-9]\b", words.replace("¥14.50", "")) is not None  # "5" of "不足 5 户"
    assert re.search(r"\b2\b", words) is None
    projected = project_sales(quantities={tea().pk: 1})
    assert (projected.to_warning, projected.households_in_warning_reached) == (D("14.50"), 2)


def test_five_households_in_warning_are_counted():
    producer = Producer.objects.get(partner__code="dongchuan-hongtudi")
    for number in (1, 2, 3):
        BenefitLink.objects.create(
            producer=producer,
            product=tea(),
            household=Household.objects.get(code=f"{DONGCHUAN}-{number:04d}"),
            kind="purchase",
            share=D("1.00"),
            valid_from=timezone.localdate(),
        )
    levels(h1=Level.BLUE, h2=Level.YELLOW, h3=Level.PURPLE, h4=Level.GREEN)
    levels(h5=Level.YELLOW, h7=Level.PURPLE)
    words = lift_words("YX-DC-004")
    # 2.90 + 11.60 + 3 × 0.58 (1% of ¥58.00) to five households in warning.
    assert words is not None and "¥16.24" in words and re.search(r"\b5\b", words)
    projected = project_sales(quantities={tea().pk: 1})
    assert (projected.to_warning, projected.households_in_warning_reached) == (D("16.24"), 5)


def test_nothing_is_said_when_no_household_in_warning_is_reached():
    levels(h4=Level.GREEN, h5=Level.GREEN, h7=Level.RED)
    assert lift_words("YX-DC-004") is None
    # The issue #19 projection is still there: all linked households, whatever their level.
    client = Client()
    html = client.get(tea().get_absolute_url()).content.decode()
    assert "¥19.14" in html
