"""Licences, test reports and certificate scans: parsed for real, stored privately under a
generated name, downloaded only by who may read them (issue #17)."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from oscar.core.loading import get_model

from common.uploads import document_move_to_private
from impact.models import AuditEvent
from producers.models import Certificate, Producer
from producers.services import certificate_save
from tests.impact.factories import county_staff

from .documents import EVIL_HTML, EVIL_SVG, PLAIN_SVG, pdf_bytes, picture_bytes
from .factories import producer_user, staff_user
from .test_dashboard import form_errors, product_form_data, product_url
from .test_onboarding import CREDIT_CODE, applicant, application

pytestmark = pytest.mark.django_db

ProductImage = get_model("catalogue", "ProductImage")

A, B = "dongchuan-hongtudi", "xundian-lanfeng"  # in 东川区 530113 and 寻甸县 530129
GENERATED = r"[0-9a-f]{32}"


def apply_with(client, name: str, content: bytes):
    client.force_login(applicant())
    upload = SimpleUploadedFile(name, content, "application/pdf")
    return client.post("/shop/producers/apply/", application(licence=upload))


def private_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT)


# ---------------------------------------------------------------------- parsed for real


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evil.html", EVIL_HTML),  # a PDF header, then script
        ("evil.svg", EVIL_SVG),  # a PNG header, then SVG with script
        ("drawing.svg", PLAIN_SVG),  # a real SVG: never accepted
        ("locked.pdf", pdf_bytes(password="secret")),  # opens only with a password
        ("licence.pdf", pdf_bytes()[:600]),  # a real PDF cut short
        ("big.png", picture_bytes("PNG")[:60]),  # a PNG cut short: does not decode
        ("licence.gif", picture_bytes("GIF")),  # a picture, but not one we take
    ],
    # Named, not shown: a generated PDF differs from process to process (its /ID and date),
    # and xdist's workers must collect the same test ids.
    ids=[
        "evil.html",
        "evil.svg",
        "drawing.svg",
        "locked.pdf",
        "licence.pdf",
        "big.png",
        "licence.gif",
    ],
)
def test_a_licence_that_is_not_a_pdf_or_a_picture_is_refused_and_nothing_saved(
    client, name, content
):
    files_before = set(private_root().rglob("*"))
    response = apply_with(client, name, content)
    assert response.status_code == 400
    assert response.context["form"].errors["licence"]
    assert not Producer.objects.filter(credit_code=CREDIT_CODE).exists()
    assert set(private_root().rglob("*")) == files_before
    assert not (Path(settings.MEDIA_ROOT) / "producers" / "licences").exists()


def test_a_password_locked_pdf_is_refused_saying_why(client):
    response = apply_with(client, "locked.pdf", pdf_bytes(password="secret"))
    assert response.context["form"].errors["licence"] == [
        "该 PDF 文件设置了密码：请上传未加密的文件。"
    ]


@pytest.mark.parametrize(
    ("name", "content", "extension"),
    [
        ("营业执照.pdf", pdf_bytes(), "pdf"),
        ("licence.html", pdf_bytes(), "pdf"),  # named like a page, but it IS a PDF
        ("scan.jpg", picture_bytes("PNG"), "png"),  # named .jpg, it IS a PNG
        ("photo.jpeg", picture_bytes("JPEG"), "jpg"),
        ("photo.webp", picture_bytes("WEBP"), "webp"),
    ],
    ids=["营业执照.pdf", "licence.html", "scan.jpg", "photo.jpeg", "photo.webp"],
)
def test_a_real_licence_is_stored_privately_under_a_name_from_what_it_is(
    client, name, content, extension
):
    response = apply_with(client, name, content)
    assert response.status_code == 200
    producer = Producer.objects.get(credit_code=CREDIT_CODE)
    assert re.fullmatch(rf"producers/licences/{GENERATED}\.{extension}", producer.licence.name)
    # the private storage's kind (another test may have rebuilt the storages: compare by kind
    # and folder, not identity)
    assert type(producer.licence.storage) is type(storages["private"])
    stored = private_root() / producer.licence.name
    assert stored.read_bytes() == content
    # nothing under MEDIA_ROOT, so nothing at /media/; and a private document has no URL
    assert not (Path(settings.MEDIA_ROOT) / producer.licence.name).exists()
    assert not (Path(settings.MEDIA_ROOT) / "producers" / "licences").exists()
    assert client.get(f"/media/{producer.licence.name}").status_code == 404
    with pytest.raises(ValueError, match="no URL"):
        producer.licence.url  # noqa: B018


def test_the_private_storage_lies_outside_media_root():
    private = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    assert not private.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert settings.STORAGES["private"]["BACKEND"] == "common.uploads.PrivateFileSystemStorage"


def _certificate(producer: Producer, document: SimpleUploadedFile) -> Certificate:
    return Certificate(
        producer=producer,
        kind=Certificate.Kind.TEST_REPORT,
        number="JC2026-0042",
        issuer="昆明市产品质量检验所",
        valid_from=datetime.date(2026, 1, 1),
        valid_to=datetime.date(2026, 12, 31),
        document=document,
    )


@pytest.mark.parametrize(
    ("name", "content"), [("report.html", EVIL_HTML), ("report.svg", EVIL_SVG)]
)
def test_a_certificate_scan_that_is_not_a_document_is_refused(name, content):
    producer = Producer.objects.get(partner__code=A)
    before = Certificate.objects.count()
    with pytest.raises(ValidationError) as refused:
        certificate_save(certificate=_certificate(producer, SimpleUploadedFile(name, content)))
    assert refused.value.message_dict["document"] == ["请上传 PDF 文件，或 JPEG、PNG、WebP 图片。"]
    assert Certificate.objects.count() == before


def test_a_certificate_scan_is_stored_privately_under_a_generated_name():
    producer = Producer.objects.get(partner__code=A)
    content = pdf_bytes()
    certificate = certificate_save(
        certificate=_certificate(producer, SimpleUploadedFile("检测报告.png", content))
    )
    certificate.refresh_from_db()
    assert re.fullmatch(rf"producers/certificates/{GENERATED}\.pdf", certificate.document.name)
    assert (private_root() / certificate.document.name).read_bytes() == content


def test_licences_already_in_public_media_move_to_private_storage_renamed(tmp_path):
    """What migration producers 0005 does with each licence uploaded before."""
    public = FileSystemStorage(location=tmp_path / "media")
    private = FileSystemStorage(location=tmp_path / "private")
    public.save("producers/licences/evil.html", ContentFile(EVIL_HTML))
    public.save("producers/licences/licence.pdf", ContentFile(pdf_bytes()))

    moved_evil = document_move_to_private(
        public=public,
        private=private,
        name="producers/licences/evil.html",
        folder="producers/licences/",
    )
    moved_pdf = document_move_to_private(
        public=public,
        private=private,
        name="producers/licences/licence.pdf",
        folder="producers/licences/",
    )
    missing = document_move_to_private(
        public=public,
        private=private,
        name="producers/licences/gone.pdf",
        folder="producers/licences/",
    )

    assert re.fullmatch(rf"producers/licences/{GENERATED}\.bin", moved_evil or "")
    assert re.fullmatch(rf"producers/licences/{GENERATED}\.pdf", moved_pdf or "")
    assert missing is None
    assert (tmp_path / "private" / (moved_evil or "")).read_bytes() == EVIL_HTML
    assert not list((tmp_path / "media").rglob("*.*"))


# ---------------------------------------------------------------------- the download view


@pytest.fixture
def licensed():
    """Producer A with a PDF licence; its file's bytes."""
    producer = Producer.objects.get(partner__code=A)
    content = pdf_bytes()
    producer.licence.save("licence.pdf", ContentFile(content))
    return producer, content


def licence_url(producer: Producer) -> str:
    return f"/shop/producers/files/licence/{producer.pk}/"


def test_the_producers_own_user_downloads_its_licence_as_an_attachment(client, licensed):
    producer, content = licensed
    client.force_login(producer_user(partner_code=A))
    response = client.get(licence_url(producer))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="licence-{producer.pk}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == content


def test_a_picture_licence_is_served_as_the_picture_it_is(client):
    producer = Producer.objects.get(partner__code=A)
    producer.licence.save("evil.svg", ContentFile(picture_bytes("PNG")))
    client.force_login(producer_user(partner_code=A))
    response = client.get(licence_url(producer))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f'attachment; filename="licence-{producer.pk}.png"'


def test_another_producer_gets_404_and_the_attempt_is_logged(client, licensed, caplog):
    producer, _ = licensed
    other = producer_user(partner_code=B)
    client.force_login(other)
    response = client.get(licence_url(producer))
    assert response.status_code == 404
    event = AuditEvent.objects.get(user=other)
    assert (event.kind, event.path) == ("denied", licence_url(producer))
    assert f"Refused: user {other.pk} asked for the licence of producer {producer.pk}" in (
        caplog.text
    )
    # the same answer as for a producer with no licence: existence is not revealed
    bare = Producer.objects.get(partner__code="luquan-saying")
    assert client.get(licence_url(bare)).status_code == 404


def test_a_visitor_is_sent_to_log_in(client, licensed):
    producer, _ = licensed
    response = client.get(licence_url(producer))
    assert response.status_code == 302
    assert response.url.startswith(settings.LOGIN_URL)


def test_a_consumer_gets_404(client, licensed):
    producer, _ = licensed
    consumer = get_user_model().objects.create_user(username="consumer", password="pass-123-word")
    client.force_login(consumer)
    assert client.get(licence_url(producer)).status_code == 404


def test_county_staff_download_licences_of_their_county_only(client, licensed):
    producer, content = licensed
    client.force_login(county_staff("dongchuan-staff", "530113"))
    response = client.get(licence_url(producer))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content

    outsider = county_staff("xundian-staff", "530129")
    client.force_login(outsider)
    assert client.get(licence_url(producer)).status_code == 404
    assert AuditEvent.objects.filter(user=outsider, kind="denied").count() == 1


def test_platform_reviewers_and_superusers_download_any_licence(client, licensed):
    producer, _ = licensed
    client.force_login(staff_user())
    assert client.get(licence_url(producer)).status_code == 200

    reviewer = get_user_model().objects.create_user(
        username="reviewer", password="pass-123-word", is_staff=True
    )
    reviewer.user_permissions.add(Permission.objects.get(codename="change_producer"))
    client.force_login(reviewer)
    assert client.get(licence_url(producer)).status_code == 200


def test_a_certificate_scan_downloads_like_the_licence(client):
    producer = Producer.objects.get(partner__code=A)
    certificate = certificate_save(
        certificate=_certificate(producer, SimpleUploadedFile("r.jpg", picture_bytes("JPEG")))
    )
    url = f"/shop/producers/files/certificate/{certificate.pk}/"
    client.force_login(producer_user(partner_code=A))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == (
        f'attachment; filename="test-report-{certificate.pk}.jpg"'
    )
    client.force_login(producer_user(partner_code=B))
    assert client.get(url).status_code == 404


def test_the_back_office_links_the_licence_to_its_download_view(client, licensed):
    producer, _ = licensed
    client.force_login(staff_user())
    page = client.get(f"/cms/producers/{producer.pk}/").content.decode()
    assert f'href="/shop/producers/files/licence/{producer.pk}/"' in page
    assert "/media/producers/licences" not in page


@override_settings(DEBUG=True, ROOT_URLCONF="tests.producers.media_urls")
def test_media_in_debug_is_served_with_nosniff(client):
    storages["default"].save("shop/nosniff-check.txt", ContentFile(b"<script>1</script>"))
    response = client.get("/media/shop/nosniff-check.txt")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"


# ---------------------------------------------------------------------- product pictures


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("potato.svg", PLAIN_SVG),
        ("potato.svg", EVIL_SVG),
        ("potato.html", picture_bytes("PNG")),  # a real PNG, named as a page
        ("potato.gif", picture_bytes("GIF")),
    ],
    ids=["plain.svg", "evil.svg", "png-named.html", "gif"],
)
def test_product_pictures_refuse_svg_html_and_other_formats(client, name, content):
    client.force_login(producer_user(partner_code=A))
    formset = client.get(product_url("YX-DC-001")).context["image_formset"]
    index = len(formset.initial_forms)
    data = product_form_data(client, "YX-DC-001")
    data[f"{formset.prefix}-{index}-original"] = SimpleUploadedFile(name, content)
    before = ProductImage.objects.count()
    response = client.post(product_url("YX-DC-001"), data)
    assert response.status_code == 200
    assert "original" in response.context["image_formset"].forms[index].errors
    assert ProductImage.objects.count() == before


def test_a_product_picture_is_stored_under_a_generated_name(client):
    client.force_login(producer_user(partner_code=A))
    formset = client.get(product_url("YX-DC-001")).context["image_formset"]
    index = len(formset.initial_forms)
    data = product_form_data(client, "YX-DC-001")
    data[f"{formset.prefix}-{index}-original"] = SimpleUploadedFile(
        "<script>.jpg", picture_bytes("PNG")
    )
    response = client.post(product_url("YX-DC-001"), data)
    assert response.status_code == 302, form_errors(response)
    image = ProductImage.objects.filter(product__upc="YX-DC-001").latest("pk")
    assert re.fullmatch(rf"shop/products/\d{{4}}/\d{{2}}/{GENERATED}\.png", image.original.name)
