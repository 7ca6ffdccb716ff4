"""The campaign page, served to every viewer from the cache during the rush.

A livestream sends thousands of viewers to one page at once. The page is rendered
as an anonymous visitor with nothing in their basket sees it, kept in the cache for
a few seconds, and the middleware answers every GET without a query string from
it before Wagtail routes the request, signed-in buyers and basket holders included.
Their own parts of the page (account links, basket, unit link: ``{% personal_part %}``)
are then fetched by one small request (``cms/campaigns/personal.py``): the answer
tells the page's script to do so when the request carries a session or basket
cookie. A visitor with a message waiting (the messages cookie) gets the page
rendered for them, so the message is shown once, to them.
The page is rendered with a placeholder where the CSRF token goes, and each
answer puts the visitor's own token in its place, so no two visitors share one. The
Content-Security-Policy nonce of the page's scripts is kept the same way: the cached page
holds a placeholder, and each answer carries the nonce its own CSP header names.
The live figures on the page come from the counters endpoint, which the page's
script reads every few seconds, so a page a few seconds old is still current.
Host actions and publication clear the cached page at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation
from wagtail.models import Page

from .models import campaign_pages

CSRF_PLACEHOLDER = "yx-csrf-placeholder-0c6f"
NONCE_PLACEHOLDER = "yx-csp-nonce-placeholder-5e2a"
PERSONAL_LOAD_PLACEHOLDER = "yx-personal-load-placeholder-93d1"
PAGE_SECONDS = 10
COUNTERS_SECONDS = 3
# How long an old copy of the counters is still served while one process recomputes them.
COUNTERS_STALE_SECONDS = 60
MESSAGES_COOKIE = "messages"  # django.contrib.messages' CookieStorage


def page_key(*, path: str, language: str) -> str:
    return f"cms:campaign-page:{language}:{path}"


def counters_key(*, campaign_id: int) -> str:
    return f"cms:campaign-counters:{campaign_id}"


def cacheable(request: HttpRequest) -> bool:
    """A GET without a query string from a visitor with no message waiting."""
    return (
        request.method == "GET"
        and not request.META.get("QUERY_STRING")
        and MESSAGES_COOKIE not in request.COOKIES
    )


def has_own_parts(request: HttpRequest) -> bool:
    """Whether the visitor may be signed in or hold a basket: their parts are to be fetched."""
    return (
        settings.SESSION_COOKIE_NAME in request.COOKIES
        or getattr(settings, "OSCAR_BASKET_COOKIE_OPEN", "oscar_open_basket") in request.COOKIES
    )


def with_token(request: HttpRequest, content: bytes) -> bytes:
    """The cached page with this visitor's CSRF token and this answer's CSP nonce in it,
    and told whether to fetch the visitor's own parts."""
    if PERSONAL_LOAD_PLACEHOLDER.encode() in content:
        content = content.replace(
            PERSONAL_LOAD_PLACEHOLDER.encode(), b"1" if has_own_parts(request) else b"0"
        )
    if NONCE_PLACEHOLDER.encode() in content:
        content = content.replace(NONCE_PLACEHOLDER.encode(), str(request.csp_nonce).encode())  # type: ignore[attr-defined]  # django-csp's
    if CSRF_PLACEHOLDER.encode() not in content:
        return content
    return content.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode())


def without_nonce(request: HttpRequest, content: bytes) -> bytes:
    """The rendered page with its CSP nonce (if it used one) replaced by the placeholder."""
    nonce = getattr(request, "_csp_nonce", None)  # set by django-csp once a template used it
    if not nonce:
        return content
    return content.replace(nonce.encode(), NONCE_PLACEHOLDER.encode())


def campaign_page_serve(
    *, page: Page, request: HttpRequest, serve: Callable[[], HttpResponse]
) -> HttpResponse:
    """Wagtail's serve, keeping the rendered page for the next visitors.

    The page is rendered as an anonymous visitor with an empty basket and no
    messages sees it, whoever asked for it: that copy is the one everyone shares.
    """
    if not cacheable(request):
        return serve()
    request.yx_csrf_placeholder = True  # type: ignore[attr-defined]  # our marker, read by CampaignPage.get_context
    with rendered_as_anonymous(request):
        response = serve()
        if hasattr(response, "render"):
            response.render()
    content = without_nonce(request, response.content)
    if response.status_code == 200:
        cache.set(
            page_key(path=request.path, language=translation.get_language()),
            (content, response["Content-Type"]),
            PAGE_SECONDS,
        )
    response.content = with_token(request, content)
    return response


@contextmanager
def rendered_as_anonymous(request: HttpRequest) -> Iterator[None]:
    """The request as an anonymous visitor's with an empty basket and no messages, for a while."""
    from oscar.core.loading import get_class, get_model

    missing = object()
    saved = {name: request.__dict__.get(name, missing) for name in ("user", "basket", "_messages")}
    anonymous = AnonymousUser()
    basket = get_model("basket", "Basket")()
    basket.strategy = get_class("partner.strategy", "Selector")().strategy(
        request=request, user=anonymous
    )
    request.user = anonymous
    request.basket = basket  # type: ignore[attr-defined]  # Oscar's
    request._messages = []  # type: ignore[attr-defined]  # read by django.contrib.messages' get_messages
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is missing:
                request.__dict__.pop(name, None)
            else:
                request.__dict__[name] = value


def campaign_caches_clear(*, campaign_id: int, page: bool = True) -> None:
    """Forget the campaign's counters and (unless ``page`` is false) its cached page."""
    keys = [counters_key(campaign_id=campaign_id)]
    campaign = campaign_pages().filter(pk=campaign_id).first() if page else None
    if campaign is not None:
        url = campaign.get_url()
        if url:
            keys += [page_key(path=url, language=code) for code, _name in settings.LANGUAGES]
    cache.delete_many(keys)


class CampaignPageCacheMiddleware:
    """Answers a GET of a campaign page from the cache when it is there (``cacheable``).

    Sits after the CSRF middleware (it hands out the visitor's token) and the
    language middleware (the cached page is per language).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if cacheable(request):
            cached = cache.get(page_key(path=request.path, language=translation.get_language()))
            if cached is not None:
                content, content_type = cached
                return HttpResponse(with_token(request, content), content_type=content_type)
        return self.get_response(request)
