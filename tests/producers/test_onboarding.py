"""Producers apply online, the county recommends, the platform reviews; each step recorded."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum.cn import uscc

from impact.models import Region
from producers.models import OnboardingStep, Producer
from producers.services import producer_approve, producer_recommend, producer_reject
from tests.impact.factories import county_staff

from .documents import pdf_bytes

pytestmark = pytest.mark.django_db

BODY = "93530113MA6T3K7W8"
CREDIT_CODE = BODY + uscc.calc_check_digit(BODY)


def applicant():
    return get_user_model().objects.create_user(
        username="applicant", email="applicant@example.com", password="pass-123-word"
    )


def application(**overrides):
    data = {
        "name": "东川花沟马铃薯专业合作社",
        "kind": "cooperative",
        "credit_code": CREDIT_CODE,
        "county": Region.objects.get(code="530113").pk,
        "township": "红土地镇",
        "contact_name": "联系人甲",
        "contact_phone": "0871-62100009",
        "linkage": "按保护价收购社员洋芋，年底按股分红。",
        "story": "",
        "licence": SimpleUploadedFile("licence.pdf", pdf_bytes(), "application/pdf"),
    }
    data.update(overrides)
    return data


def test_an_applicant_applies_online_and_gets_no_dashboard_yet(client):
    user = applicant()
    client.force_login(user)
    response = client.post("/shop/producers/apply/", application())
    assert response.status_code == 200
    assert "已提交" in response.content.decode() or "已收到" in response.content.decode()
    producer = Producer.objects.get(credit_code=CREDIT_CODE)
    assert producer.status == "applied"
    assert producer.region.name == "红土地镇" and producer.region.county.code == "530113"
    assert producer.licence.name.endswith(".pdf")
    assert list(producer.partner.users.all()) == [user]
    assert not user.has_perm("partner.dashboard_access")
    assert [(s.status, s.by) for s in producer.onboarding_steps.all()] == [("applied", user)]
    # not approved: no public page
    assert client.get(f"/shop/producers/{producer.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("credit_code", BODY + ("0" if uscc.calc_check_digit(BODY) != "0" else "1")),
        ("credit_code", "12345"),
        (
            "licence",
            SimpleUploadedFile("licence.exe", b"MZ\x90\x00binary", "application/octet-stream"),
        ),
        (
            "licence",
            SimpleUploadedFile(
                "big.pdf", b"%PDF" + b"0" * (5 * 1024 * 1024 + 1), "application/pdf"
            ),
        ),
    ],
)
def test_bad_applications_are_refused_with_the_reason_and_nothing_saved(client, field, value):
    client.force_login(applicant())
    response = client.post("/shop/producers/apply/", application(**{field: value}))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Producer.objects.filter(name="东川花沟马铃薯专业合作社").exists()


def test_county_recommends_platform_approves_and_the_users_get_the_dashboard(client):
    user = applicant()
    client.force_login(user)
    client.post("/shop/producers/apply/", application())
    producer = Producer.objects.get(credit_code=CREDIT_CODE)
    admin = get_user_model().objects.get(username="admin")
    with pytest.raises(ValidationError, match="不能"):
        producer_approve(producer=producer, by=admin)  # not yet recommended
    producer = producer_recommend(producer=producer, by=admin, note="县商务局推荐")
    producer = producer_approve(producer=producer, by=admin, note="审核通过")
    assert producer.status == "approved"
    user = get_user_model().objects.get(pk=user.pk)
    assert user.has_perm("partner.dashboard_access")
    assert [s.status for s in OnboardingStep.objects.filter(producer=producer)] == [
        "applied",
        "recommended",
        "approved",
    ]
    assert client.get(f"/shop/producers/{producer.pk}/").status_code == 200


def test_a_rejection_says_why(client):
    client.force_login(applicant())
    client.post("/shop/producers/apply/", application())
    producer = Producer.objects.get(credit_code=CREDIT_CODE)
    admin = get_user_model().objects.get(username="admin")
    with pytest.raises(ValidationError, match="原因"):
        producer_reject(producer=producer, by=admin, reason=" ")
    producer = producer_reject(producer=producer, by=admin, reason="营业执照已过期")
    step = producer.onboarding_steps.last()
    assert (producer.status, step.status, step.note, step.by) == (
        "rejected",
        "rejected",
        "营业执照已过期",
        admin,
    )


def test_review_in_the_back_office_county_recommends_but_cannot_approve(client):
    client.force_login(applicant())
    client.post("/shop/producers/apply/", application())
    producer = Producer.objects.get(credit_code=CREDIT_CODE)
    client.force_login(county_staff("county", "530113"))
    client.post(f"/cms/producers/{producer.pk}/review/", {"action": "recommend", "note": "推荐"})
    producer.refresh_from_db()
    assert producer.status == "recommended"
    response = client.post(
        f"/cms/producers/{producer.pk}/review/", {"action": "approve", "note": ""}
    )
    assert response.status_code == 403
    producer.refresh_from_db()
    assert producer.status == "recommended"


def test_staff_of_another_county_cannot_see_the_application(client):
    client.force_login(applicant())
    client.post("/shop/producers/apply/", application())
    producer = Producer.objects.get(credit_code=CREDIT_CODE)
    client.force_login(county_staff("xundian", "530129"))
    assert client.get(f"/cms/producers/{producer.pk}/").status_code == 404
    listed = client.get("/cms/producers/").context["producers"]
    assert producer not in listed
