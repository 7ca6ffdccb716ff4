"""Reads for livestream campaigns: the lists of campaigns, a campaign's page, its figures, its report.

``campaign`` is a campaign page (``cms.CampaignPage``), annotated as Wagtail's
``Page`` (see ``cms/campaigns/__init__.py``).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import CharField, Count, DecimalField, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Cast, Coalesce, Lower, TruncHour
from django.utils import timezone
from oscar.core.loading import get_model
from wagtail.models import Page
from wagtail.query import PageQuerySet

from common.caching import cache_read_refreshed
from common.money import ZERO, sum_fen, yuan
from impact.models import AttributionEntry
from shop.payments.models import Refund, RefundLine
from shop.selectors import product_card_queryset

from . import pagecache
from .models import CampaignOrder, CampaignSharer, campaign_pages
from .services import campaign_live_state, campaign_state_now
from .state import CampaignState


def _campaigns() -> PageQuerySet:
    return (
        campaign_pages()
        .live()
        .public()
        .select_related("live_state", "cover_image")
        .prefetch_related("hosts")
    )


def _ended(now: datetime.datetime) -> Q:
    return Q(ends_at__lt=now) | Q(live_state__ended_at__lte=now)


def campaigns_by_state(
    *, index: Page | None = None, now: datetime.datetime | None = None
) -> dict[str, list[Any]]:
    """Live (or paused) campaigns, the upcoming ones soonest first, the past ones latest first."""
    now = now or timezone.now()
    campaigns = _campaigns()
    if index is not None:
        campaigns = campaigns.child_of(index)
    return {
        "live_campaigns": list(
            campaigns.filter(starts_at__lte=now).exclude(_ended(now)).order_by("starts_at")
        ),
        "upcoming_campaigns": list(campaigns.filter(starts_at__gt=now).order_by("starts_at")),
        "past_campaigns": list(campaigns.filter(_ended(now)).order_by("-starts_at")),
    }


def campaigns_now_and_next(*, now: datetime.datetime | None = None, upcoming: int = 2) -> list[Any]:
    """For the home page: every campaign live now, then the next upcoming ones."""
    grouped = campaigns_by_state(now=now)
    return grouped["live_campaigns"] + grouped["upcoming_campaigns"][:upcoming]


def campaign_page_context(*, campaign: Page) -> dict[str, Any]:
    """What the campaign page shows: state, hosts, producers, products on sale, the pinned one."""
    live = campaign_live_state(campaign=campaign)
    state = campaign_state_now(campaign=campaign)
    off_sale = set(live.off_sale_products.values_list("pk", flat=True))
    items = list(campaign.products.order_by("sort_order", "pk"))
    cards = {
        product.pk: product
        for product in product_card_queryset().filter(pk__in=[item.product_id for item in items])
    }
    products = [
        {
            "product": cards[item.product_id],
            "campaign_price": item.campaign_price,
            "pinned": item.product_id == live.pinned_product_id,
        }
        for item in items
        if item.product_id in cards and item.product_id not in off_sale
    ]
    products.sort(key=lambda row: not row["pinned"])
    return {
        "campaign_state": state,
        "campaign_live": live,
        "campaign_price_on": state == CampaignState.LIVE,
        "campaign_products": products,
        "campaign_hosts": list(campaign.hosts.all()),
        "campaign_producers": [
            row.producer for row in campaign.producers.select_related("producer__region__parent")
        ],
    }


def campaign_counters(*, campaign_id: int) -> dict[str, Any]:
    """The live figures, from a constant number of aggregate queries whatever the number of orders.

    orders and buyers: the campaign's paid orders and their distinct buyers
    (account, or guest e-mail); sales: its credited lines (its own products,
    see ``campaign_credit_rule``) in paid orders, net of refunds, shipping
    left out; households: distinct registered households whose attributed
    income from those lines is positive net of reversals.
    """
    campaign = campaign_pages().live().select_related("live_state").get(pk=campaign_id)
    state = campaign_state_now(campaign=campaign)
    paid = CampaignOrder.objects.filter(
        campaign_id=campaign_id, order__payment__confirmed_at__isnull=False
    ).aggregate(orders=Count("pk"), buyers=_buyers_count("order__"))
    households = (
        AttributionEntry.objects.filter(line__campaign_line__campaign_id=campaign_id)
        .values("household_id")
        .annotate(net=Sum("amount"))
        .filter(net__gt=0)
        .count()
    )
    sales = credited_sales(campaign_id=campaign_id).get(None, ZERO)
    return {
        "campaign": campaign_id,
        "state": str(state),
        "orders": paid["orders"],
        "sales": yuan(sales),
        "buyers": paid["buyers"],
        "households": households,
        "starts_at": campaign.starts_at.isoformat(),
        "ends_at": (campaign.live_state.ended_at or campaign.ends_at).isoformat(),
        "as_of": timezone.now().isoformat(),
    }


def credited_sales(
    *, campaign_id: int, by: str | None = None, hour: bool = False
) -> dict[Any, Decimal]:
    """The campaign's credited lines in paid orders, net of refunds, summed by ``by``. Two queries.

    ``by`` is a path from the order line (e.g. ``"product_id"``), or None for the
    total (the key None); ``hour`` groups by the hour the order was placed (local time).
    Refunds count against the line they refund, whenever they were made. The total
    alone (the counters) is one query.
    """
    Line = get_model("order", "Line")
    lines = Line.objects.filter(
        campaign_line__campaign_id=campaign_id, order__payment__confirmed_at__isnull=False
    )
    refunds = RefundLine.objects.filter(
        line__campaign_line__campaign_id=campaign_id,
        line__order__payment__confirmed_at__isnull=False,
        refund__state=Refund.State.SUCCEEDED,
    )
    if by is None and not hour:
        # The total in one query: each line less what was refunded on it.
        refunded = (
            RefundLine.objects.filter(line_id=OuterRef("pk"), refund__state=Refund.State.SUCCEEDED)
            .order_by()
            .values("line_id")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        money = DecimalField(max_digits=14, decimal_places=2)
        total = lines.annotate(
            refunded=Coalesce(Subquery(refunded, output_field=money), ZERO, output_field=money)
        ).aggregate(total=Sum(F("line_price_incl_tax") - F("refunded"), output_field=money))
        return {None: sum_fen(total["total"])}
    tz = timezone.get_current_timezone()
    totals: dict[Any, Decimal] = {}
    for rows, prefix, amount, sign in (
        (lines, "", "line_price_incl_tax", 1),
        (refunds, "line__", "amount", -1),
    ):
        if hour:
            rows = rows.annotate(key=TruncHour(f"{prefix}order__date_placed", tzinfo=tz))
        else:
            rows = rows.annotate(key=F(f"{prefix}{by}"))
        for key, total in (
            rows.values("key").annotate(total=Sum(amount)).values_list("key", "total")
        ):
            totals[key] = totals.get(key, ZERO) + sign * sum_fen(total)
    return {key: sum_fen(total) for key, total in totals.items()}


def campaign_counters_cached(*, campaign_id: int) -> dict[str, Any]:
    """The counters from the cache; recomputed every few seconds by one process at a time.

    While one process recomputes them, the others answer with the copy they have
    (``common.caching``), so a rush of viewers puts one counting query on the
    database every ``COUNTERS_SECONDS``, not one per web worker.
    """
    return cache_read_refreshed(
        key=pagecache.counters_key(campaign_id=campaign_id),
        compute=lambda: campaign_counters(campaign_id=campaign_id),
        fresh_seconds=pagecache.COUNTERS_SECONDS,
        stale_seconds=pagecache.COUNTERS_STALE_SECONDS,
    )


def _buyers_count(prefix: str) -> Count:
    """Distinct buyers: the account when there is one, else the guest's e-mail (case-insensitive)."""
    return Count(
        Coalesce(Cast(f"{prefix}user_id", output_field=CharField()), Lower(f"{prefix}guest_email")),
        distinct=True,
    )


# ---------------------------------------------------------------------- the report after the stream


@dataclass
class CampaignReport:
    campaign: Page
    totals: dict[str, Any] = field(default_factory=dict)
    by_product: list[dict[str, Any]] = field(default_factory=list)
    by_sharer: list[dict[str, Any]] = field(default_factory=list)
    by_hour: list[dict[str, Any]] = field(default_factory=list)


def campaign_report(*, campaign: Page) -> CampaignReport:
    """Sales by product, by sharer and by hour (of the order, local time): paid, net of refunds.

    Every sales figure is the campaign's credited lines (its own featured products
    in orders placed while its code was valid, see ``campaign_credit_rule``) in paid
    orders, after the campaign price, less what was refunded on them; shipping and
    the order's other products are left out. Orders and buyers count the paid
    orders with at least one credited line.
    """
    Line = get_model("order", "Line")
    paid_orders = CampaignOrder.objects.filter(
        campaign=campaign, order__payment__confirmed_at__isnull=False
    )
    report = CampaignReport(campaign=campaign)

    # By product.
    lines = (
        Line.objects.filter(
            campaign_line__campaign=campaign,
            order__payment__confirmed_at__isnull=False,
        )
        .values("product_id", "upc", "title")
        .annotate(quantity=Sum("quantity"), amount=Sum("line_price_incl_tax"))
        .order_by("upc")
    )
    refunded_lines = {
        row["line__product_id"]: row
        for row in RefundLine.objects.filter(
            line__campaign_line__campaign=campaign,
            line__order__payment__confirmed_at__isnull=False,
            refund__state=Refund.State.SUCCEEDED,
        )
        .values("line__product_id")
        .annotate(quantity=Sum("quantity"), amount=Sum("amount"))
    }
    for row in lines:
        refund: Mapping[str, Any] = refunded_lines.get(row["product_id"], {})
        report.by_product.append(
            {
                "product_id": row["product_id"],
                "upc": row["upc"],
                "title": row["title"],
                "quantity": row["quantity"] - (refund.get("quantity") or 0),
                "sales": sum_fen(row["amount"] - (refund.get("amount") or ZERO)),
            }
        )
    report.by_product.sort(key=lambda row: (-row["sales"], row["upc"]))

    # By sharer (None: the campaign's own code).
    counts: dict[int | None, Mapping[str, Any]] = {
        row["sharer_id"]: row
        for row in paid_orders.values("sharer_id").annotate(
            orders=Count("pk"), buyers=_buyers_count("order__")
        )
    }
    money = credited_sales(campaign_id=campaign.pk, by="campaign_line__campaign_order__sharer_id")
    sharers: dict[int | None, CampaignSharer] = {
        sharer.pk: sharer for sharer in CampaignSharer.objects.filter(campaign=campaign)
    }
    for sharer_id in [None, *sharers]:
        row = counts.get(sharer_id, {})
        if sharer_id is None and not row:
            continue
        sharer = sharers.get(sharer_id)
        report.by_sharer.append(
            {
                "sharer": sharer,
                "name": sharer.name if sharer else None,
                "code": sharer.code if sharer else campaign.code,
                "orders": row.get("orders", 0),
                "buyers": row.get("buyers", 0),
                "sales": money.get(sharer_id, ZERO),
            }
        )

    # By hour of the order (local time).
    tz = timezone.get_current_timezone()
    hourly_orders = {
        row["hour"]: row["orders"]
        for row in paid_orders.annotate(hour=TruncHour("order__date_placed", tzinfo=tz))
        .values("hour")
        .annotate(orders=Count("pk"))
    }
    hourly_money = credited_sales(campaign_id=campaign.pk, hour=True)
    for hour in sorted(set(hourly_orders) | set(hourly_money)):
        report.by_hour.append(
            {
                "hour": timezone.localtime(hour, tz),
                "orders": hourly_orders.get(hour, 0),
                "sales": hourly_money.get(hour, ZERO),
            }
        )

    totals = paid_orders.aggregate(orders=Count("pk"), buyers=_buyers_count("order__"))
    report.totals = {
        "orders": totals["orders"],
        "buyers": totals["buyers"],
        "sales": sum((row["sales"] for row in report.by_product), ZERO),
        "quantity": sum(row["quantity"] for row in report.by_product),
    }
    return report
