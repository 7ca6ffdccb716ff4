"""Searching households never puts the search term in a URL (issue #17).

Before, the search was a GET form: ``/cms/impact/households/?q=<18-digit ID>`` went to
the access log, the browser's history and Referer headers. Now the term is posted,
kept encrypted in the session under an opaque token, and the URL carries only the
token and the non-personal filters.
"""

import re
import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import translation
from django.utils.translation import gettext

from impact.monitoring.search import household_search_remember

from . import factories

pytestmark = pytest.mark.django_db

LIST = "/cms/impact/households/"
TOKEN_URL = re.compile(r"^/cms/impact/households/\?(?:[a-z]+=[0-9]+&)*s=[A-Za-z0-9_-]{12}$")


@pytest.fixture
def dongchuan_staff(client):
    user = factories.county_staff("dc-search", "530113")
    client.force_login(user)
    return user


def test_an_id_number_posted_finds_the_household_and_no_url_carries_it(client, dongchuan_staff):
    household = factories.household(county_code="530113", code="DC-SEARCH-1")
    posted = client.post(LIST, {"q": household.id_number})
    assert posted.status_code == 302
    assert TOKEN_URL.match(posted["Location"]), posted["Location"]
    assert household.id_number[:6] not in posted["Location"]
    assert household.id_number[-4:] not in posted["Location"]
    # exactly one household found: its own page, whose URL carries its key, not the number
    found = client.get(posted["Location"])
    assert found.status_code == 302
    assert found["Location"] == f"/cms/impact/households/{household.pk}/"


def test_a_lowercase_x_is_found_too(client, dongchuan_staff):
    household = factories.household(county_code="530113", code="DC-SEARCH-X")
    household.id_number = "11010519491231002X"  # GB 11643's own example
    household.save()
    posted = client.post(LIST, {"q": "11010519491231002x"})
    assert client.get(posted["Location"])["Location"] == f"/cms/impact/households/{household.pk}/"


def test_pages_and_filters_keep_the_search_without_the_term(client, dongchuan_staff):
    dongchuan = factories.household(county_code="530113", code="PG-0000").county
    for number in range(1, 51):
        factories.household(county_code="530113", code=f"PG-{number:04d}")
    factories.household(county_code="530129", code="PG-XD")  # outside the county filter
    posted = client.post(LIST, {"q": "PG-", "county": str(dongchuan.pk), "township": ""})
    assert TOKEN_URL.match(posted["Location"]), posted["Location"]
    assert posted["Location"].startswith(f"{LIST}?county={dongchuan.pk}&s=")
    assert "PG" not in posted["Location"]
    first = client.get(posted["Location"])
    assert first.status_code == 200
    assert first.context["page"].paginator.count == 51
    assert len(first.context["page"]) == 50
    html = first.content.decode()
    token = posted["Location"].rsplit("s=", 1)[1]
    assert f'?county={dongchuan.pk}&amp;s={token}&p=2"' in html  # the next-page link
    assert not re.search(r'href="[^"]*PG', html)  # no link carries the term
    second = client.get(f"{LIST}?county={dongchuan.pk}&s={token}&p=2")
    assert [h.code for h in second.context["page"]] == ["PG-0050"]
    # the search box is empty; the term is shown as text, and kept by a hidden token
    assert 'name="q" value=""' in html
    assert f'name="s" value="{token}"' in html
    # new filters on the same search: still the token, never the term
    refiltered = client.post(LIST, {"q": "", "s": token, "level": "4"})
    assert refiltered["Location"] == f"{LIST}?level=4&s={token}"


def test_the_form_posts_and_never_echoes_an_id_number(client, dongchuan_staff):
    household = factories.household(county_code="530113", code="DC-ECHO-1")
    twin = factories.household(county_code="530113", code="DC-ECHO-2")
    twin.id_number = household.id_number  # the same head in two households (say, a move)
    twin.save()
    posted = client.post(LIST, {"q": household.id_number})
    page = client.get(posted["Location"])  # two households share it: the list
    html = page.content.decode()
    assert [h.code for h in page.context["page"]] == ["DC-ECHO-1", "DC-ECHO-2"]
    assert re.search(r'<form method="post" action="/cms/impact/households/"', html)
    assert household.id_number not in html
    assert household.id_number[:6] + "********" + household.id_number[-4:] in html


def test_a_term_typed_into_the_address_is_dropped_not_searched(client, dongchuan_staff):
    household = factories.household(county_code="530113", code="DC-ADDR-1")
    response = client.get(LIST, {"q": household.id_number, "level": "4"})
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?level=4"
    shown = client.get(response["Location"])
    assert shown.context["query"] == ""
    with translation.override(settings.LANGUAGE_CODE):
        expected = gettext("Search terms are not taken from the address: use the form.")
    assert [str(message) for message in shown.context["messages"]] == [expected]


def test_an_expired_search_searches_nothing_and_says_so(client, dongchuan_staff):
    factories.household(county_code="530113", code="DC-OLD-1")
    session = client.session
    token = household_search_remember(session=session, term="DC-OLD-1", now=time.time() - 31 * 60)
    session.save()
    response = client.get(f"{LIST}?s={token}")
    assert response.status_code == 200
    assert response.context["page"].paginator.count > 1  # not narrowed to DC-OLD-1
    assert response.context["query"] == ""
    with translation.override(settings.LANGUAGE_CODE):
        expected = gettext("That search has expired: search again.")
    assert [str(message) for message in response.context["messages"]] == [expected]


def test_the_session_holds_the_term_encrypted(client, dongchuan_staff):
    household = factories.household(county_code="530113", code="DC-SESS-1")
    client.post(LIST, {"q": household.id_number})
    stored = Session.objects.get(session_key=client.session.session_key)
    assert household.id_number not in str(stored.get_decoded())
    assert household.id_number not in stored.session_data


def test_another_sessions_token_finds_nothing(client, dongchuan_staff):
    household = factories.household(county_code="530113", code="DC-OTHER-1")
    token = client.post(LIST, {"q": household.id_number})["Location"].rsplit("s=", 1)[1]
    client.logout()
    client.force_login(factories.county_staff("dc-search-2", "530113"))
    response = client.get(f"{LIST}?s={token}")
    assert response.status_code == 200
    assert response.context["query"] == ""
    assert response.context["page"].paginator.count > 1
