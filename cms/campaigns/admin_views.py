"""Campaigns in the back office (/cms/campaigns/): the host's console, sharers, QR codes, the report."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.models import Page

from common.backoffice import forbidden_page
from common.forms import form_add_errors, messages_add_errors
from common.spreadsheets import spreadsheet_response
from config.http import AuthenticatedHttpRequest
from shop.selectors import product_shop_price

from . import planning, services
from .exports import report_export, report_rows
from .forms import PlanForm, SharerForm
from .models import CampaignProduct, CampaignSharer, campaign_pages
from .selectors import campaign_report


def campaign_view(
    view: Callable[..., HttpResponse], *, may: Callable[..., bool] = services.campaign_can_run
) -> Callable[..., HttpResponse]:
    """Loads the campaign; staff and the campaign's own cadre only (``may``), others get a 403 page."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponse:
        campaign = get_object_or_404(campaign_pages(), pk=pk)
        refused = _("Only platform staff and the cadre who made this campaign may run it.")
        if not may(campaign=campaign, user=request.user):
            return forbidden_page(request, reason=refused)
        try:
            return view(request, campaign, *args, **kwargs)
        except PermissionDenied:
            return forbidden_page(request, reason=refused)

    return wrapped


def campaign_plan_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """As ``campaign_view``, and platform operations may plan any campaign."""
    return campaign_view(view, may=planning.campaign_can_plan)


def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = [
        campaign
        for campaign in campaign_pages().select_related("live_state").order_by("-starts_at")
        if services.campaign_can_run(campaign=campaign, user=request.user)
    ]
    rows = [
        {"campaign": campaign, "state": services.campaign_state_now(campaign=campaign)}
        for campaign in campaigns
    ]
    return render(request, "cms/admin/campaign_list.html", {"rows": rows})


def _short_link(request: HttpRequest, code: str) -> str:
    return request.build_absolute_uri(reverse("campaigns:short-link", kwargs={"code": code}))


@campaign_view
def campaign_console(request: HttpRequest, campaign: Page) -> HttpResponse:
    return _console_page(request, campaign)


def _console_page(
    request: HttpRequest, campaign: Page, form: SharerForm | None = None
) -> HttpResponse:
    """The console; with ``form``, the sharer form sent back with its errors."""
    live = services.campaign_live_state(campaign=campaign)
    off_sale = set(live.off_sale_products.values_list("pk", flat=True))
    shop_prices = {}
    items = list(CampaignProduct.objects.filter(page=campaign).select_related("product"))
    for item in items:
        shop_prices[item.product_id] = product_shop_price(product=item.product)
    report = campaign_report(campaign=campaign)
    by_sharer = {row["sharer"].pk: row for row in report.by_sharer if row["sharer"]}
    sharers = [
        {
            "sharer": sharer,
            "link": _short_link(request, sharer.code),
            "figures": by_sharer.get(sharer.pk),
        }
        for sharer in CampaignSharer.objects.filter(campaign=campaign)
    ]
    return render(
        request,
        "cms/admin/campaign_console.html",
        {
            "campaign": campaign,
            "live": live,
            "state": services.campaign_state_now(campaign=campaign),
            "products": [
                {
                    "item": item,
                    "shop_price": shop_prices[item.product_id],
                    "on_sale": item.product_id not in off_sale,
                    "pinned": item.product_id == live.pinned_product_id,
                }
                for item in items
            ],
            "campaign_link": _short_link(request, campaign.code),
            "sharers": sharers,
            "sharer_form": form or SharerForm(),
        },
    )


def _act(
    request: HttpRequest, campaign: Page, action: Callable[[], Any], done: str
) -> HttpResponse:
    try:
        action()
    except ValidationError as exc:
        messages_add_errors(request, exc)
    else:
        messages.success(request, done)
    return redirect("cms_campaign_console", pk=campaign.pk)


@require_POST
@campaign_view
def campaign_control(request: HttpRequest, campaign: Page) -> HttpResponse:
    """Pause, resume or end the stream; put a product on or off sale; pin or unpin it."""
    action = request.POST.get("action", "")
    product_id = request.POST.get("product")
    try:
        product_id_int = int(product_id) if product_id else None
    except ValueError:
        product_id_int = None
    actions: dict[str, tuple[Callable[[], Any], str]] = {
        "pause": (lambda: services.campaign_pause(campaign=campaign), _("The stream is paused.")),
        "resume": (
            lambda: services.campaign_resume(campaign=campaign),
            _("The stream is live again."),
        ),
        "end": (lambda: services.campaign_end(campaign=campaign), _("The stream has ended.")),
    }
    if product_id_int is not None:
        actions.update(
            {
                "on_sale": (
                    lambda: services.campaign_product_on_sale(
                        campaign=campaign, product_id=product_id_int, on_sale=True
                    ),
                    _("The product is on sale for the stream."),
                ),
                "off_sale": (
                    lambda: services.campaign_product_on_sale(
                        campaign=campaign, product_id=product_id_int, on_sale=False
                    ),
                    _("The product is off sale for the stream."),
                ),
                "pin": (
                    lambda: services.campaign_product_pin(
                        campaign=campaign, product_id=product_id_int
                    ),
                    _("The product is pinned."),
                ),
            }
        )
    actions["unpin"] = (
        lambda: services.campaign_product_pin(campaign=campaign, product_id=None),
        _("Nothing is pinned."),
    )
    if action not in actions:
        messages.error(request, _("Unknown action."))
        return redirect("cms_campaign_console", pk=campaign.pk)
    call, done = actions[action]
    return _act(request, campaign, call, done)


@require_POST
@campaign_view
def campaign_sharer_add(request: AuthenticatedHttpRequest, campaign: Page) -> HttpResponse:
    form = SharerForm(request.POST)
    if form.is_valid():
        try:
            sharer = services.campaign_sharer_add(
                campaign=campaign, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Sharer %(name)s added with code %(code)s.")
                % {"name": sharer.name, "code": sharer.code},
            )
            return redirect("cms_campaign_console", pk=campaign.pk)
    return _console_page(request, campaign, form=form)


def _qr_response(request: HttpRequest, code: str, kind: str, filename: str) -> HttpResponse:
    content = services.campaign_qr(url=_short_link(request, code), kind=kind)
    response = HttpResponse(content, content_type="image/svg+xml" if kind == "svg" else "image/png")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{kind}"'
    return response


@campaign_view
def campaign_qr(request: HttpRequest, campaign: Page, kind: str) -> HttpResponse:
    return _qr_response(request, campaign.code, kind, f"campaign-{campaign.code}")


@campaign_view
def campaign_sharer_qr(
    request: HttpRequest, campaign: Page, sharer_id: int, kind: str
) -> HttpResponse:
    sharer = get_object_or_404(CampaignSharer, pk=sharer_id, campaign=campaign)
    return _qr_response(request, sharer.code, kind, f"sharer-{sharer.code}")


@campaign_view
def campaign_report_view(request: HttpRequest, campaign: Page) -> HttpResponse:
    report = campaign_report(campaign=campaign)
    sold: dict[int, int] = {}
    for row in report.by_product:
        if row["product_id"] is not None:
            sold[row["product_id"]] = sold.get(row["product_id"], 0) + row["quantity"]
    outcome = planning.campaign_outcome(campaign=campaign, sold=sold)
    return render(
        request,
        "cms/admin/campaign_report.html",
        {
            "campaign": campaign,
            "report": report,
            "sections": report_rows(report),
            "state": services.campaign_state_now(campaign=campaign),
            "credit_rule": services.campaign_credit_rule(),
            "outcome": outcome,
            "outcome_rows": planning.outcome_rows(outcome),
            "projection_rows": planning.projection_rows(outcome.projection),
        },
    )


@campaign_plan_view
def campaign_plan(request: HttpRequest, campaign: Page) -> HttpResponse:
    """The plan: the campaign's products ranked by lift, and what a sales target would do (预计)."""
    products = planning.campaign_plan_products(campaign=campaign)
    form = PlanForm(
        request.GET if "target" in request.GET else None,
        product_ids=[product.product_id for product in products],
        at_most=planning.TARGET_MAX,
    )
    plan = None
    if form.is_bound and form.is_valid():
        plan = planning.campaign_plan(
            products=products,
            target=form.cleaned_data["target"],
            given=form.cleaned_data["given"],
        )
    return render(
        request,
        "cms/admin/campaign_plan.html",
        {
            "campaign": campaign,
            "form": form,
            "products": [
                {
                    "product": product,
                    "field": form[PlanForm.product_field(product.product_id)],
                    "lift": planning.lift_words(product.lift),
                }
                for product in products
            ],
            "plan": plan,
            "projection_rows": planning.projection_rows(plan.projection) if plan else [],
            "assumptions": planning.LIFT_ASSUMPTIONS,
        },
    )


@campaign_view
def campaign_report_export(request: HttpRequest, campaign: Page, kind: str) -> HttpResponse:
    content = report_export(campaign_report(campaign=campaign), fmt=kind)
    return spreadsheet_response(
        content, fmt=kind, filename=f"campaign-{campaign.code}-report.{kind}"
    )
