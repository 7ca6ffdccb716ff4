"""Outsiders' HTML is cleaned on save and on render (common/html.py, nh3).

The payload is the issue's: a producer's description with a script and an image whose
onerror runs script. The expected outputs are written out literally.
"""

import pytest
from django.template import Context, Template
from oscar.core.loading import get_model

from cms.models import StoryPage
from common.html import clean_html, clean_richtext_source
from tests.producers.factories import producer_user
from tests.producers.test_dashboard import form_errors, product_form_data, product_url

Product = get_model("catalogue", "Product")
ProductAttribute = get_model("catalogue", "ProductAttribute")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")

POTATO = "YX-DC-001"  # a product of dongchuan-hongtudi in the demo
PAYLOAD = (
    "<p>Hand-picked potatoes.</p>"
    "<script>alert(document.cookie)</script>"
    '<img src=x onerror="alert(document.domain)">'
)
CLEAN = "<p>Hand-picked potatoes.</p><img>"


# ---------------------------------------------------------------- the allow-list


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        (PAYLOAD, CLEAN),
        ('<p onclick="steal()">Hi</p>', "<p>Hi</p>"),
        (
            '<a href="javascript:alert(1)">x</a>',
            '<a rel="noopener noreferrer nofollow">x</a>',
        ),
        (
            '<a href="https://example.com/a" target="_blank" rel="opener">x</a>',
            '<a href="https://example.com/a" rel="noopener noreferrer nofollow">x</a>',
        ),
        (
            '<a href="mailto:farm@example.com">mail</a>',
            '<a href="mailto:farm@example.com" rel="noopener noreferrer nofollow">mail</a>',
        ),
        ('<img src="http://example.com/a.png" alt="a">', '<img alt="a">'),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', "<img>"),
        (
            '<img src="https://example.com/a.png" alt="a">',
            '<img src="https://example.com/a.png" alt="a">',
        ),
        (
            '<img src="/media/a.png" class="richtext-image left x">',
            '<img src="/media/a.png" class="richtext-image left">',
        ),
        ('<iframe src="https://example.com"></iframe>after', "after"),
        ("<svg onload=alert(1)><circle/></svg>", ""),
        ('<style>body{display:none}</style><p style="color:red">t</p>', "<p>t</p>"),
        ('<form action="https://evil.example"><input name="password"></form>', ""),
        (
            "<ul><li>一</li><li>二</li></ul><h3>产地</h3><blockquote>q</blockquote>",
            "<ul><li>一</li><li>二</li></ul><h3>产地</h3><blockquote>q</blockquote>",
        ),
        ("AT&T < 5 <!-- hidden -->", "AT&amp;T &lt; 5 "),
        (None, ""),
    ],
)
def test_the_allow_list_keeps_text_and_drops_everything_that_runs(dirty, clean):
    assert clean_html(dirty) == clean


def test_wagtail_rich_text_keeps_its_page_links_and_pictures_when_cleaned_for_saving():
    source = (
        '<p>Read <a linktype="page" id="7">the story</a> '
        '<a href="javascript:alert(1)" onclick="x()">bad</a></p>'
        '<embed embedtype="image" id="3" format="left" alt="a &gt; b" onload="x()"/>'
        "<script>alert(1)</script>"
    )
    assert clean_richtext_source(source) == (
        '<p>Read <a linktype="page" id="7">the story</a> <a>bad</a></p>'
        '<embed embedtype="image" id="3" format="left" alt="a &gt; b"/>'
    )


def test_the_template_filter_prints_clean_html_unescaped():
    rendered = Template("{% load html_clean %}{{ text|clean_html }}").render(
        Context({"text": PAYLOAD})
    )
    assert rendered == CLEAN


# ---------------------------------------------------------------- a producer's product description

pytestmark = pytest.mark.django_db


def test_a_producers_script_is_gone_from_the_database_and_the_product_page(client):
    user = producer_user(partner_code="dongchuan-hongtudi")
    client.force_login(user)
    data = product_form_data(client, POTATO)
    data["description"] = PAYLOAD
    response = client.post(product_url(POTATO), data)
    assert response.status_code == 302, form_errors(response)

    product = Product.objects.get(upc=POTATO)
    assert product.description == CLEAN

    client.logout()
    page = client.get(product.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<div class="yx-description">{CLEAN}</div>' in html
    assert "onerror" not in html
    assert "alert(document" not in html


def test_a_description_stored_raw_around_save_is_still_printed_clean(client):
    Product.objects.filter(upc=POTATO).update(description=PAYLOAD)  # no save(), no signal
    product = Product.objects.get(upc=POTATO)
    assert product.description == PAYLOAD

    html = client.get(product.get_absolute_url()).content.decode()
    assert f'<div class="yx-description">{CLEAN}</div>' in html
    assert "onerror" not in html
    assert "alert(document" not in html


def test_a_rich_text_attribute_is_cleaned_on_save_and_on_render(client):
    product = Product.objects.get(upc=POTATO)
    attribute = ProductAttribute.objects.create(
        product_class=product.get_product_class(), name="种植说明", code="growing", type="richtext"
    )
    value = ProductAttributeValue.objects.create(
        product=product, attribute=attribute, value_richtext=PAYLOAD
    )
    value.refresh_from_db()
    assert value.value_richtext == CLEAN

    ProductAttributeValue.objects.filter(pk=value.pk).update(value_richtext=PAYLOAD)
    html = client.get(product.get_absolute_url()).content.decode()
    assert f"<th>种植说明</th>\n            <td>{CLEAN}</td>" in html
    assert "onerror" not in html
    assert "alert(document" not in html


# ---------------------------------------------------------------- Wagtail rich text (stories, campaigns)


def test_a_story_body_is_cleaned_on_save_and_on_render(client):
    story = StoryPage.objects.live().first()
    story.body = PAYLOAD
    story.save()
    story.refresh_from_db()
    assert story.body == "<p>Hand-picked potatoes.</p>"  # Wagtail stores pictures as <embed/>

    StoryPage.objects.filter(pk=story.pk).update(body=PAYLOAD)
    html = client.get(story.url).content.decode()
    assert "Hand-picked potatoes." in html
    assert "onerror" not in html
    assert "alert(document" not in html


# ---------------------------------------------------------------- Oscar's stock alert e-mails


@pytest.mark.parametrize(
    "template",
    [
        "oscar/communication/emails/commtype_product_alert_body.html",
        "oscar/communication/emails/commtype_product_alert_confirmation_body.html",
    ],
)
def test_a_producers_product_title_is_escaped_in_the_stock_alert_emails(template):
    from django.contrib.sites.models import Site
    from django.template.loader import render_to_string

    ProductAlert = get_model("customer", "ProductAlert")
    product = Product.objects.get(upc=POTATO)
    product.title = '<a href="https://evil.example">薯</a>'
    alert = ProductAlert(product=product, email="buyer@example.com", key="k")
    html = render_to_string(
        template,
        {
            "alert": alert,
            "site": Site.objects.get_current(),
            "confirm_url": "/c/",
            "cancel_url": "/x/",
        },
    )
    assert "&lt;a href=&quot;https://evil.example&quot;&gt;薯&lt;/a&gt;" in html
    assert '<a href="https://evil.example">' not in html
