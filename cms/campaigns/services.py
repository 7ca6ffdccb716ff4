"""Writes for livestream campaigns: codes, the host's controls, the offer, orders, permissions.

``campaign`` is always a campaign page (``cms.CampaignPage``), annotated as
Wagtail's ``Page`` since its class is defined above this package (see
``cms/campaigns/__init__.py``); ``campaign_pages()`` finds one by code or id.
"""

from __future__ import annotations

import datetime
import io
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from .models import (
    CODE_ALPHABET,
    CampaignLive,
    CampaignOrder,
    CampaignOrderLine,
    CampaignProduct,
    CampaignSharer,
    campaign_pages,
)
from .pagecache import campaign_caches_clear
from .state import CampaignState, campaign_state

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

ConditionalOffer: Any = get_model("offer", "ConditionalOffer")  # Oscar's: untyped
Condition = get_model("offer", "Condition")
Benefit = get_model("offer", "Benefit")
Range = get_model("offer", "Range")
RangeProduct = get_model("offer", "RangeProduct")

#: The session key that remembers the code a visitor came through.
SESSION_KEY = "yx_campaign"
#: The Wagtail group of cadres who run streams (带货干部).
CADRE_GROUP = "带货干部"
#: The group whose members approve campaigns (Wagtail's own moderators: platform staff).
APPROVER_GROUP = "Moderators"
WORKFLOW_NAME = "直播活动审核"
TASK_NAME = "平台工作人员审核"
BENEFIT_CLASS = "cms.campaigns.offers.CampaignPriceBenefit"


def code_days_after_end() -> int:
    """How long after the stream a code still brings orders (the replay sells too)."""
    return int(getattr(settings, "CAMPAIGN_CODE_DAYS_AFTER_END", 7))


# ---------------------------------------------------------------------- codes


def campaign_code_taken(
    *, code: str, campaign_id: int | None = None, sharer_id: int | None = None
) -> bool:
    """Whether ``code`` is used by another campaign or another sharer (codes are one namespace)."""
    code = code.strip().upper()
    campaigns = campaign_pages().filter(code=code)
    if campaign_id is not None:
        campaigns = campaigns.exclude(pk=campaign_id)
    sharers = CampaignSharer.objects.filter(code=code)
    if sharer_id is not None:
        sharers = sharers.exclude(pk=sharer_id)
    return campaigns.exists() or sharers.exists()


def campaign_code_new(*, length: int = 6) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
        if not campaign_code_taken(code=code):
            return code


@dataclass(frozen=True)
class CodeLookup:
    """What a campaign or sharer code names: its published campaign (and sharer), and
    whether the code has expired. ``campaign`` is None for an unknown code (or one of an
    unpublished campaign, which is not told apart from unknown)."""

    campaign: Page | None = None
    sharer: CampaignSharer | None = None
    expired: bool = False

    @property
    def valid(self) -> bool:
        return self.campaign is not None and not self.expired


def campaign_code_lookup(*, code: str, now: datetime.datetime | None = None) -> CodeLookup:
    """The published campaign (and sharer) a code belongs to, and whether it has expired.

    A code is valid from the campaign's publication until ``CAMPAIGN_CODE_DAYS_AFTER_END``
    days (7) after the stream ended.
    """
    code = (code or "").strip().upper()
    if not code or len(code) > 32:
        return CodeLookup()
    now = now or timezone.now()
    sharer = CampaignSharer.objects.filter(code=code).select_related("campaign__live_state").first()
    if sharer is not None:
        campaign = sharer.campaign
    else:
        campaign = campaign_pages().filter(code=code).select_related("live_state").first()
    if campaign is None or not campaign.live:
        return CodeLookup()
    live = campaign_live_state(campaign=campaign)
    ended = live.ended_at or campaign.ends_at
    expired = now > ended + datetime.timedelta(days=code_days_after_end())
    return CodeLookup(campaign=campaign, sharer=sharer, expired=expired)


def campaign_for_code(
    *, code: str, now: datetime.datetime | None = None
) -> tuple[Page, CampaignSharer | None] | None:
    """The published campaign (and sharer) a code belongs to, while the code is valid;
    an unknown or expired code gives None (``campaign_code_lookup`` tells them apart)."""
    found = campaign_code_lookup(code=code, now=now)
    if found.campaign is None or found.expired:
        return None
    return found.campaign, found.sharer


def campaign_visit_remember(*, request: HttpRequest, code: str) -> Page | None:
    """A visit through a code: remember the campaign and sharer in the session.

    An unknown or expired code carries nothing and leaves the session as it was.
    The last valid code visited wins.
    """
    found = campaign_for_code(code=code)
    if found is None:
        return None
    campaign, sharer = found
    remembered = {"campaign": campaign.pk, "sharer": sharer.pk if sharer else None}
    if request.session.get(SESSION_KEY) != remembered:
        request.session[SESSION_KEY] = remembered
    return campaign


def campaign_credit_window(*, campaign: Page) -> tuple[datetime.datetime, datetime.datetime]:
    """When an order placed through the campaign's codes is credited to it: [start, end + grace].

    From the scheduled start of the stream to ``CAMPAIGN_CODE_DAYS_AFTER_END``
    days (7) after it ended (the host's early end, else the scheduled one), so
    replay viewers count. A code opened before the stream is remembered, but an
    order placed before the start is not the stream's sale.
    """
    live = campaign_live_state(campaign=campaign)
    ended = live.ended_at or campaign.ends_at
    return campaign.starts_at, ended + datetime.timedelta(days=code_days_after_end())


def campaign_credit_rule() -> str:
    """The crediting rule in one sentence, as the campaign report states it."""
    return _(
        "A campaign is credited only with its own featured products, in orders placed "
        "through its code or a sharer's code from the start of the stream until %(days)s "
        "days after it ended; other products in the same order are not counted."
    ) % {"days": code_days_after_end()}


def campaign_order_record(
    *, order: Any, request: HttpRequest, now: datetime.datetime | None = None
) -> CampaignOrder | None:
    """Called as the order is placed (inside checkout's transaction): what the campaign is credited with.

    Reads the code remembered in the session and checks it again, so a code
    that expired since the visit carries nothing. The campaign is credited
    with the order's lines of its own featured products, and only when the
    order is placed inside ``campaign_credit_window``; an order with no such
    line is not the campaign's at all.
    """
    remembered = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not isinstance(remembered, dict) or not remembered.get("campaign"):
        return None
    now = now or timezone.now()
    sharer = None
    if remembered.get("sharer"):
        sharer = CampaignSharer.objects.filter(
            pk=remembered["sharer"], campaign_id=remembered["campaign"]
        ).first()
    code = sharer.code if sharer else None
    if code is None:
        code = (
            campaign_pages()
            .filter(pk=remembered["campaign"])
            .values_list("code", flat=True)
            .first()
        )
    found = campaign_for_code(code=code or "", now=now)
    if found is None:
        return None
    campaign, sharer = found
    starts, ends = campaign_credit_window(campaign=campaign)
    if not starts <= now <= ends:
        return None
    featured = CampaignProduct.objects.filter(page=campaign).values("product_id")
    line_ids = list(
        order.lines.filter(product_id__in=featured).order_by("pk").values_list("pk", flat=True)
    )
    if not line_ids:
        return None
    campaign_order = CampaignOrder.objects.create(order=order, campaign=campaign, sharer=sharer)
    CampaignOrderLine.objects.bulk_create(
        CampaignOrderLine(campaign_order=campaign_order, campaign=campaign, line_id=line_id)
        for line_id in line_ids
    )
    return campaign_order


def campaign_sharer_add(
    *, campaign: Page, name: str, role: str, code: str = "", by: User | None = None
) -> CampaignSharer:
    """A new sharer with their own code (made up when none is given); codes are unique across campaigns."""
    code = (code or "").strip().upper() or campaign_code_new()
    sharer = CampaignSharer(
        campaign=campaign, name=(name or "").strip(), role=role, code=code, created_by=by
    )
    sharer.full_clean()
    if campaign_code_taken(code=code):
        raise ValidationError(
            {"code": _("This code is already used by another campaign or sharer.")}
        )
    try:
        with transaction.atomic():
            sharer.save()
    except IntegrityError:
        raise ValidationError(
            {"code": _("This code is already used by another campaign or sharer.")}
        ) from None
    return sharer


def campaign_qr(*, url: str, kind: str) -> bytes:
    """A QR code for ``url`` as SVG or PNG, big enough for a poster or a stream overlay."""
    import segno  # lazy import for start-up cost: only the console's QR downloads need it

    if kind not in ("svg", "png"):
        raise ValueError(kind)
    qr = segno.make(url, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind=kind, scale=10, border=2)
    return buffer.getvalue()


# ---------------------------------------------------------------------- state and host controls


def campaign_live_state(*, campaign: Page) -> CampaignLive:
    try:
        return campaign.live_state
    except CampaignLive.DoesNotExist:
        live, _created = CampaignLive.objects.get_or_create(campaign=campaign)
        campaign.live_state = live
        return live


def campaign_state_now(*, campaign: Page, now: datetime.datetime | None = None) -> CampaignState:
    live = campaign_live_state(campaign=campaign)
    return campaign_state(
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        paused_at=live.paused_at,
        ended_at=live.ended_at,
        now=now or timezone.now(),
    )


def _locked_live(campaign: Page) -> CampaignLive:
    campaign_live_state(campaign=campaign)
    return CampaignLive.objects.select_for_update().get(campaign=campaign)


def _after_change(campaign: Page) -> None:
    campaign_offer_sync(campaign=campaign)
    campaign_id = campaign.pk
    transaction.on_commit(lambda: campaign_caches_clear(campaign_id=campaign_id))


def _live_change(
    campaign: Page,
    *,
    now: datetime.datetime,
    allowed: tuple[CampaignState, ...],
    refused: str,
    **changes: datetime.datetime | None,
) -> CampaignLive:
    """Change the stream's live state, its row locked, if the stream is in an ``allowed`` state now."""
    with transaction.atomic():
        live = _locked_live(campaign)
        campaign.live_state = live
        if campaign_state_now(campaign=campaign, now=now) not in allowed:
            raise ValidationError(refused)
        for name, value in changes.items():
            setattr(live, name, value)
        live.save(update_fields=[*changes, "updated_at"])
        _after_change(campaign)
    return live


def campaign_pause(*, campaign: Page, now: datetime.datetime | None = None) -> CampaignLive:
    """The host pauses a live stream: the campaign price stops at once."""
    now = now or timezone.now()
    return _live_change(
        campaign,
        now=now,
        allowed=(CampaignState.LIVE,),
        refused=_("Only a live stream can be paused."),
        paused_at=now,
    )


def campaign_resume(*, campaign: Page, now: datetime.datetime | None = None) -> CampaignLive:
    return _live_change(
        campaign,
        now=now or timezone.now(),
        allowed=(CampaignState.PAUSED,),
        refused=_("Only a paused stream can be resumed."),
        paused_at=None,
    )


def campaign_end(*, campaign: Page, now: datetime.datetime | None = None) -> CampaignLive:
    """The host ends the stream before its scheduled end."""
    now = now or timezone.now()
    return _live_change(
        campaign,
        now=now,
        allowed=(CampaignState.LIVE, CampaignState.PAUSED),
        refused=_("Only a live or paused stream can be ended."),
        ended_at=now,
        paused_at=None,
    )


def _campaign_product(campaign: Page, product_id: int) -> CampaignProduct:
    item = (
        CampaignProduct.objects.filter(page=campaign, product_id=product_id)
        .select_related("product")
        .first()
    )
    if item is None:
        raise ValidationError(_("This product is not featured in the campaign."))
    return item


def campaign_products_add(*, campaign: Page, products: list[tuple[str, str | None]]) -> None:
    """Featured products of an unsaved or draft campaign, in order: (product code, campaign price or None)."""
    Product = get_model("catalogue", "Product")
    for order, (upc, price) in enumerate(products):
        campaign.products.add(
            CampaignProduct(
                product=Product.objects.get(upc=upc),
                campaign_price=Decimal(price) if price else None,
                sort_order=order,
            )
        )


def campaign_product_on_sale(*, campaign: Page, product_id: int, on_sale: bool) -> None:
    """The host puts a featured product on or off sale for the stream (上架/下架)."""
    item = _campaign_product(campaign, product_id)
    with transaction.atomic():
        live = _locked_live(campaign)
        campaign.live_state = live
        if on_sale:
            live.off_sale_products.remove(item.product)
        else:
            live.off_sale_products.add(item.product)
            if live.pinned_product_id == item.product_id:
                live.pinned_product = None
                live.save(update_fields=["pinned_product", "updated_at"])
        _after_change(campaign)


def campaign_product_pin(*, campaign: Page, product_id: int | None) -> None:
    """The host pins the product being presented (讲解中); None unpins."""
    with transaction.atomic():
        live = _locked_live(campaign)
        campaign.live_state = live
        if product_id is not None:
            item = _campaign_product(campaign, product_id)
            if live.off_sale_products.filter(pk=product_id).exists():
                raise ValidationError(_("Put the product on sale before pinning it."))
            live.pinned_product = item.product
        else:
            live.pinned_product = None
        live.save(update_fields=["pinned_product", "updated_at"])
        _after_change(campaign)


def campaign_offer_sync(*, campaign: Page) -> ConditionalOffer | None:
    """Make the campaign's Oscar offer match the published page and the host's controls.

    Range: the featured products with a campaign price that are on sale for the
    stream. Dates: the schedule (the end brought forward when the host ended
    early). Status: open only while the page is published and the stream not
    paused or ended early, so Oscar applies the price exactly while it is live.
    """
    campaign = campaign_pages().select_related("live_state").get(pk=campaign.pk)
    live = campaign_live_state(campaign=campaign)
    off_sale = set(live.off_sale_products.values_list("pk", flat=True))
    priced = [
        product_id
        for product_id in CampaignProduct.objects.filter(
            page=campaign, campaign_price__isnull=False
        )
        .order_by("sort_order", "pk")
        .values_list("product_id", flat=True)
        if product_id not in off_sale
    ]
    offer = live.offer
    if offer is None:
        if not priced:
            return None
        product_range = Range.objects.create(name=f"直播活动 #{campaign.pk}", is_public=False)
        condition = Condition.objects.create(range=product_range, type=Condition.COUNT, value=1)
        benefit = Benefit.objects.create(range=product_range, proxy_class=BENEFIT_CLASS)
        offer = ConditionalOffer.objects.create(
            name=f"直播价 #{campaign.pk}",
            offer_type=ConditionalOffer.SITE,
            condition=condition,
            benefit=benefit,
            priority=100,
            status=ConditionalOffer.SUSPENDED,
        )
        live.offer = offer
        live.save(update_fields=["offer", "updated_at"])
    product_range = offer.benefit.range
    RangeProduct.objects.filter(range=product_range).exclude(product_id__in=priced).delete()
    present = set(
        RangeProduct.objects.filter(range=product_range).values_list("product_id", flat=True)
    )
    RangeProduct.objects.bulk_create(
        [
            RangeProduct(range=product_range, product_id=product_id, display_order=order)
            for order, product_id in enumerate(priced)
            if product_id not in present
        ]
    )
    product_range.invalidate_cached_queryset()
    offer.name = f"直播价：{campaign.title}（#{campaign.pk}）"[:128]
    offer.start_datetime = campaign.starts_at
    offer.end_datetime = live.ended_at or campaign.ends_at
    stopped = (
        not campaign.live or live.paused_at is not None or live.ended_at is not None or not priced
    )
    offer.status = ConditionalOffer.SUSPENDED if stopped else ConditionalOffer.OPEN
    offer.save()
    return offer


# ---------------------------------------------------------------------- who may do what


def campaign_index_setup(*, index: Page) -> None:
    """Cadres may create campaigns under the index and edit their own; staff approve them.

    The cadres' group gets Wagtail's "add" permission on the index (add pages and
    edit the pages one owns, never publish), admin access and the images
    they need for a cover; the index gets a workflow with one task approved
    by the moderators (platform staff), so a cadre's campaign is published
    only when staff approve it.
    """
    cadres, _created = Group.objects.get_or_create(name=CADRE_GROUP)
    cadres.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    add_page = Permission.objects.get(content_type__app_label="wagtailcore", codename="add_page")
    GroupPagePermission.objects.get_or_create(
        group=cadres, page=Page.objects.get(pk=index.pk), permission=add_page
    )
    root_collection = Collection.get_first_root_node()
    if root_collection is not None:
        for codename in ("add_image", "choose_image"):
            GroupCollectionPermission.objects.get_or_create(
                group=cadres,
                collection=root_collection,
                permission=Permission.objects.get(
                    content_type__app_label="wagtailimages", codename=codename
                ),
            )
    approvers, _created = Group.objects.get_or_create(name=APPROVER_GROUP)
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
    task.groups.add(approvers)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(
        page=Page.objects.get(pk=index.pk), defaults={"workflow": workflow}
    )


def campaign_can_run(*, campaign: Page, user: User | AnonymousUser) -> bool:
    """Whether the user may use the campaign's console and read its report: staff, or its cadre."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.groups.filter(name=APPROVER_GROUP).exists():
        return True
    return campaign.permissions_for_user(user).can_edit()
