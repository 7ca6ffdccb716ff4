"""Benefit links: how a producer's income reaches households, and the limits they must respect."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import Client
from oscar.core.loading import get_model

from impact.models import Household
from producers.models import BenefitLink, Certificate, Producer
from producers.services import (
    benefit_link_create,
    certificate_save,
    producer_households_reached,
)

Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 1, 1)


@pytest.fixture
def hongtudi() -> Producer:
    producer = Producer.objects.get(partner__code="dongchuan-hongtudi")
    BenefitLink.objects.filter(
        producer=producer
    ).delete()  # start from no links (inside the test transaction)
    return producer


def dongchuan(number: int) -> Household:
    return Household.objects.filter(county__code="530113").order_by("code")[number]


def link(producer: Producer, household: Household, kind: str, **terms: Any) -> BenefitLink:
    """``benefit_link_create`` for a link in force from START unless ``terms`` say otherwise."""
    return benefit_link_create(
        producer=producer, household=household, kind=kind, **{"valid_from": START, **terms}
    )


def link_form_post(client: Client, producer: Producer, *, share: str) -> HttpResponse:
    """The back office's link form: an employment share for 东川's first household."""
    return client.post(
        f"/cms/producers/{producer.pk}/links/",
        {
            "household_code": dongchuan(0).code,
            "kind": "employment",
            "share": share,
            "valid_from": "2026-01-01",
        },
    )


def test_income_sources_follow_the_kind_of_link():
    assert {kind: BenefitLink.INCOME_SOURCE[kind] for kind in BenefitLink.Kind} == {
        "purchase": "operating",
        "employment": "wages",
        "dividend": "property_income",
        "land_rent": "property_income",
        "direct": "operating",
    }


def test_shares_on_one_product_may_reach_but_never_pass_100_percent(hongtudi):
    tea = Product.objects.get(upc="YX-DC-004")
    link(hongtudi, dongchuan(0), "employment", share=Decimal("60.00"))
    link(hongtudi, dongchuan(1), "purchase", product=tea, share=Decimal("40.00"))
    with pytest.raises(ValidationError, match="100"):
        link(hongtudi, dongchuan(2), "dividend", product=tea, share=Decimal("0.01"))
    assert BenefitLink.objects.filter(producer=hongtudi).count() == 2
    # a link that only starts after the others end does not overlap them
    BenefitLink.objects.filter(producer=hongtudi).update(valid_to=datetime.date(2026, 6, 30))
    link(
        hongtudi,
        dongchuan(2),
        "dividend",
        product=tea,
        share=Decimal("50.00"),
        valid_from=datetime.date(2026, 7, 1),
    )


def test_an_amount_per_unit_never_exceeds_the_unit_price(hongtudi):
    potatoes = Product.objects.get(upc="YX-DC-001")  # 29.90
    with pytest.raises(ValidationError, match=r"29\.90"):
        link(hongtudi, dongchuan(0), "purchase", product=potatoes, per_unit=Decimal("29.91"))
    created = link(hongtudi, dongchuan(0), "purchase", product=potatoes, per_unit=Decimal("29.90"))
    assert created.income_source == "operating"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"per_unit": Decimal("1.00"), "share": Decimal("5.00")}, "share"),
        ({}, "share"),
        ({"share": Decimal("0")}, "share"),
        ({"share": Decimal("100.01")}, "share"),
        ({"per_unit": Decimal("-1.00")}, "per_unit"),
        ({"share": Decimal("5.00"), "valid_to": datetime.date(2025, 12, 31)}, "valid_to"),
    ],
)
def test_bad_rules_are_refused_and_nothing_saved(hongtudi, fields, field):
    with pytest.raises(ValidationError) as raised:
        link(hongtudi, dongchuan(0), "employment", **fields)
    assert field in raised.value.message_dict
    assert not BenefitLink.objects.filter(producer=hongtudi).exists()


def test_a_household_outside_the_county_needs_a_reason(hongtudi):
    xundian = Household.objects.filter(county__code="530129").first()
    with pytest.raises(ValidationError) as raised:
        link(hongtudi, xundian, "employment", share=Decimal("5"))
    assert "reason" in raised.value.message_dict
    created = link(
        hongtudi, xundian, "employment", share=Decimal("5"), reason="该户成员在合作社务工"
    )
    assert created.reason == "该户成员在合作社务工"


def test_another_producers_product_cannot_be_linked(hongtudi):
    goat = Product.objects.get(upc="YX-XD-001")
    with pytest.raises(ValidationError) as raised:
        link(hongtudi, dongchuan(0), "purchase", product=goat, share=Decimal("5"))
    assert "product" in raised.value.message_dict


def test_the_public_page_counts_households_reached_and_never_names_them(client):
    producer = Producer.objects.get(partner__code="dongchuan-hongtudi")
    reached = producer_households_reached(producer=producer)
    # demo/data.py's links of 红土地: 东川 households 1, 2, 3, 4, 5, 7 (twice) and 14, and the
    # ten households in warning 530113-0034 to -0043 through 苦荞面 and 七彩花生.
    assert reached == 7 + 10
    response = client.get(f"/shop/producers/{producer.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "17" in response.context["households_reached"].__str__()
    assert "东川区红土地镇" in html
    for link in BenefitLink.objects.filter(producer=producer).select_related("household"):
        assert link.household.head_name not in html
        assert link.household.code not in html
    titles = sorted(product.title for product in response.context["products"])
    assert titles[0] == "东川七彩花生 1kg" and len(titles) == 5


def test_the_producer_sees_its_households_by_code_and_masked_name(client):
    client.force_login(get_user_model().objects.get(username="hongtudi"))
    response = client.get("/shop/producers/my-households/")
    html = response.content.decode()
    assert response.status_code == 200
    links = BenefitLink.objects.filter(producer__partner__code="dongchuan-hongtudi").select_related(
        "household"
    )
    for link in links:
        assert link.household.code in html
        assert link.household.head_name_masked in html
        assert link.household.head_name not in html
        assert link.household.id_number not in html


def test_back_office_link_form_shows_the_error_and_saves_nothing(client, hongtudi):
    client.force_login(get_user_model().objects.get(username="admin"))
    response = link_form_post(client, hongtudi, share="120")
    assert response.status_code == 400
    assert response.context["link_form"].errors
    assert not BenefitLink.objects.filter(producer=hongtudi).exists()
    ok = link_form_post(client, hongtudi, share="10")
    assert ok.status_code == 302
    assert BenefitLink.objects.get(producer=hongtudi).share == Decimal("10.00")


def test_a_certificate_that_ends_before_it_starts_is_refused_and_nothing_saved():
    producer = Producer.objects.get(partner__code="dongchuan-hongtudi")
    before = Certificate.objects.count()
    certificate = Certificate(
        producer=producer,
        product=Product.objects.get(upc="YX-DC-001"),
        kind="certification",
        number="FP-BAD",
        issuer="测试",
        valid_from=datetime.date(2026, 6, 1),
        valid_to=datetime.date(2026, 5, 31),
    )
    with pytest.raises(ValidationError) as raised:
        certificate_save(certificate=certificate)
    assert "valid_to" in raised.value.message_dict
    no_product = Certificate(
        producer=producer,
        kind="certification",
        number="FP-NONE",
        issuer="测试",
        valid_from=datetime.date(2026, 1, 1),
        valid_to=datetime.date(2026, 12, 31),
    )
    with pytest.raises(ValidationError) as raised:
        certificate_save(certificate=no_product)
    assert "product" in raised.value.message_dict
    assert Certificate.objects.count() == before
