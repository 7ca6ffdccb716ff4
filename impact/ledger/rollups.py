"""The summary tables the reports read, kept current by the ledger.

``rollups_apply`` runs inside ``attribution_run_many``, in the transaction
that writes a batch's ledger entries, so the summaries move exactly when the
ledger does: once per payment event, never twice, never lost. It adds each
batch's figures with one upsert per table (``amount = amount + excluded``),
keys sorted, so concurrent batches lock rows in one order.

``rollups_rebuild`` recomputes every summary from the ledger and the payments
with SQL aggregates: the way to build them for data that predates them, and
the independent check the tests compare the running figures against.

Which month a figure falls in is the month (Asia/Shanghai) of the payment
event: a sale in the month it was paid, a refund in the month it was made.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    F,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import (
    Cast,
    Coalesce,
    Concat,
    ExtractMonth,
    ExtractQuarter,
    ExtractYear,
    LPad,
    TruncMonth,
)
from django.utils import timezone
from oscar.core.loading import get_model

from common.money import ZERO, sum_fen
from producers.models import Producer
from shop.payments.models import PaymentEvent, RefundLine

from ..models import (
    Assessment,
    AttributionEntry,
    AttributionMonth,
    BuyerMonth,
    BuyerType,
    Household,
    HouseholdPeriodIncome,
    LevelSnapshot,
    Payout,
    PayoutAllocation,
    ReachPeriod,
    Region,
    SalesMonth,
)
from ..models.reporting import ATTRIBUTION_MONTH_KEY, SALES_MONTH_KEY

ALL_TIME = "all"


class LedgerLine(Protocol):
    """What the summaries read of one of the ledger's order line records."""

    @property
    def pk(self) -> int: ...
    @property
    def partner_id(self) -> int | None: ...
    @property
    def product_id(self) -> int | None: ...
    @property
    def quantity(self) -> int: ...
    @property
    def net(self) -> Decimal: ...


# Periods --------------------------------------------------------------------------------------


def period_keys(day: datetime.date) -> list[str]:
    """The periods a day belongs to, as ``HouseholdPeriodIncome`` keys them."""
    return [
        ALL_TIME,
        f"{day.year}",
        f"{day.year}Q{(day.month - 1) // 3 + 1}",
        f"{day.year}-{day.month:02d}",
    ]


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


# Dimensions of a sale: the campaign credited with the line and who bought ----------------------


def _campaign_expression(prefix: str) -> Coalesce:
    """The campaign credited with an order line (0 for none), from ``prefix`` (the line).

    A campaign is credited line by line (``cms.CampaignOrderLine``): only its own
    products, in orders placed while its code was valid.
    """
    return Coalesce(F(f"{prefix}campaign_line__campaign_id"), 0, output_field=IntegerField())


def _buyer_expression(prefix: str) -> Case:
    """'unit' when the order was placed for a work unit (it has a UnitOrder), else 'consumer'."""
    return Case(
        When(Q(**{f"{prefix}unit_order__isnull": False}), then=Value(BuyerType.UNIT)),
        default=Value(BuyerType.CONSUMER),
        output_field=CharField(),
    )


def order_dimensions(order_ids: Iterable[int]) -> dict[int, tuple[str, int | None]]:
    """order id → (buyer type, buyer's user id or None), in one query."""
    Order = get_model("order", "Order")
    return {
        row["pk"]: (row["buyer"], row["user_id"])
        for row in Order.objects.filter(pk__in=list(order_ids))
        .annotate(buyer=_buyer_expression(""))
        .values("pk", "buyer", "user_id")
    }


def line_campaigns(order_ids: Iterable[int]) -> dict[int, int]:
    """line id → the campaign credited with it, for the credited lines of the orders; one query."""
    Line = get_model("order", "Line")
    return dict(
        Line.objects.filter(order_id__in=list(order_ids), campaign_line__isnull=False).values_list(
            "pk", "campaign_line__campaign_id"
        )
    )


def _county_case(prefix: str) -> Case:
    """The county id of a region reached by ``prefix`` (a county, township or village)."""
    county = Region.Level.COUNTY
    return Case(
        When(**{f"{prefix}level": county}, then=F(f"{prefix}id")),
        When(**{f"{prefix}parent__level": county}, then=F(f"{prefix}parent_id")),
        default=Coalesce(F(f"{prefix}parent__parent_id"), 0),
        output_field=IntegerField(),
    )


def partner_counties(partner_ids: Iterable[int]) -> dict[int, int]:
    """partner id → its producer's county id (0 when the partner is no producer)."""
    return dict(
        Producer.objects.filter(partner_id__in=list(partner_ids))
        .annotate(county_id=_county_case("region__"))
        .values_list("partner_id", "county_id")
    )


# Keeping them current --------------------------------------------------------------------------


def _upsert_add(
    model: type[Model],
    keys: list[str],
    adds: list[str],
    rows: Mapping[tuple[Any, ...], tuple[Any, ...]],
    *,
    sets: Sequence[str] = (),
) -> None:
    """Add ``rows`` to ``model``'s table, creating missing rows: key tuple → (adds…, sets…).

    ``adds`` columns are added to what the row holds; ``sets`` columns take the new value.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [quote(column) for column in [*keys, *adds, *sets]]
    assignments = ", ".join(
        [f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in adds]
        + [f"{quote(c)} = excluded.{quote(c)}" for c in sets]
    )
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    items = sorted(rows.items())
    conflict = f" ON CONFLICT ({', '.join(columns[: len(keys)])}) DO UPDATE SET {assignments}"
    if connection.vendor == "postgresql":
        # One array a column (unnest keeps their order): a short statement whatever the rows,
        # rather than thousands of placeholders for the driver to parse and the server to plan.
        fields = {field.column: field for field in model._meta.concrete_fields}
        arrays = ", ".join(
            f"%s::{fields[name].db_type(connection)}[]" for name in [*keys, *adds, *sets]
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (names from meta)
                f"SELECT * FROM unnest({arrays}){conflict}",
                [
                    list(column)
                    for column in zip(*[(*key, *values) for key, values in items], strict=True)
                ],
            )
        return
    with connection.cursor() as cursor:
        for start in range(0, len(items), 500):
            chunk = items[start : start + 500]
            # Table and column names come from the model's meta; every value is a parameter.
            sql = (
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608
                + ", ".join([placeholders] * len(chunk))
                + conflict
            )
            params: list[Any] = []
            for key, values in chunk:
                params += [*key, *values]
            cursor.execute(sql, params)


def rollups_apply(
    *,
    events: list[PaymentEvent],
    entries: list[AttributionEntry],
    lines: Mapping[int, Sequence[LedgerLine]],
) -> None:
    """Add a batch of payment events and their ledger entries to the summary tables.

    ``events`` are the batch's payment events, ``entries`` the entries written
    for them, ``lines`` order id → the ledger's line records (pk, partner_id,
    product_id, quantity, net).
    """
    if not events:
        return
    order_of = {event.pk: event.order_payment.order_id for event in events}
    month_of = {event.pk: month_start(timezone.localdate(event.created_at)) for event in events}
    day_of = {event.pk: timezone.localdate(event.created_at) for event in events}
    dims = order_dimensions(set(order_of.values()))
    campaign_of = line_campaigns(set(order_of.values()))
    line_index = {line.pk: line for order_lines in lines.values() for line in order_lines}
    counties = partner_counties(
        {line.partner_id for line in line_index.values() if line.partner_id}
    )

    sales: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [ZERO, 0])
    refund_events = [event for event in events if event.kind == "refunded"]
    refunded = (
        RefundLine.objects.filter(refund__event__in=refund_events).values_list(
            "refund__event__id", "line_id", "quantity", "amount"
        )
        if refund_events
        else []
    )

    def sales_key(event_id: int, line: LedgerLine) -> tuple[datetime.date, int, int, int, int, str]:
        buyer, _user = dims[order_of[event_id]]
        partner = line.partner_id or 0
        return (
            month_of[event_id],
            counties.get(partner, 0),
            partner,
            line.product_id or 0,
            campaign_of.get(line.pk, 0),
            buyer,
        )

    for event in events:
        if event.kind == "confirmed":
            for line in lines.get(order_of[event.pk], []):
                row = sales[sales_key(event.pk, line)]
                row[0] += line.net
                row[1] += line.quantity
    for event_id, line_id, quantity, amount in refunded:
        # a refund's lines are its order's, which the batch has read
        row = sales[sales_key(event_id, line_index[line_id])]
        row[0] -= amount
        row[1] -= quantity

    household_county = dict(
        Household.objects.filter(pk__in={entry.household_id for entry in entries}).values_list(
            "pk", "county_id"
        )
    )
    attributed: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [ZERO])
    per_household: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [ZERO, 0])
    reach: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [ZERO, 0])
    buyer_months: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [ZERO])
    for entry in entries:
        event_id = entry.payment_event_id or entry.payment_event.pk
        line = line_index[entry.line_id]
        buyer, user_id = dims[order_of[event_id]]
        county = household_county.get(entry.household_id) or 0
        attributed[
            (
                month_of[event_id],
                county,
                line.partner_id or 0,
                line.product_id or 0,
                campaign_of.get(line.pk, 0),
                buyer,
                entry.income_source,
            )
        ][0] += entry.amount
        for period in period_keys(day_of[event_id]):
            row = per_household[(period, entry.household_id)]
            row[0] += entry.amount
            row[1] = county
            if line.partner_id:
                row = reach[("partner", line.partner_id, period, entry.household_id)]
                row[0] += entry.amount
                row[1] = county
        if user_id:
            row = reach[("user", user_id, ALL_TIME, entry.household_id)]
            row[0] += entry.amount
            row[1] = county
            buyer_months[(user_id, month_of[event_id])][0] += entry.amount

    _upsert_add(
        SalesMonth,
        list(SALES_MONTH_KEY),
        ["amount", "quantity"],
        {key: tuple(value) for key, value in sales.items()},
    )
    _upsert_add(
        AttributionMonth,
        list(ATTRIBUTION_MONTH_KEY),
        ["amount"],
        {key: tuple(value) for key, value in attributed.items()},
    )
    _upsert_add(
        HouseholdPeriodIncome,
        ["period", "household_id"],
        ["amount"],
        {key: tuple(value) for key, value in per_household.items()},
        sets=["county_id"],
    )
    _upsert_add(
        ReachPeriod,
        ["owner", "owner_id", "period", "household_id"],
        ["amount"],
        {key: tuple(value) for key, value in reach.items()},
        sets=["county_id"],
    )
    _upsert_add(
        BuyerMonth,
        ["user_id", "month"],
        ["amount"],
        {key: tuple(value) for key, value in buyer_months.items()},
    )


# Rebuilding them from the ledger ---------------------------------------------------------------


def _month(field: str) -> TruncMonth:
    return TruncMonth(field, tzinfo=timezone.get_current_timezone())


def _sales_by_key(
    rows: QuerySet, *, at: str, to_line: str, amount: str
) -> Iterator[tuple[tuple, Decimal, int]]:
    """Order lines (or refunded parts of them) summed by the sales summary's key.

    The key is (month of ``at``, the producer's county, partner, product,
    campaign, buyer type); ``to_line`` is the path from ``rows`` to the order
    line ("" for order lines themselves), ``amount`` the money field summed.
    """
    for row in (
        rows.annotate(
            month=_month(at),
            county_id=Coalesce(_county_case(f"{to_line}partner__producer__region__"), 0),
            campaign_id=_campaign_expression(to_line),
            buyer=_buyer_expression(f"{to_line}order__"),
            p_id=Coalesce(f"{to_line}partner_id", 0),
            pr_id=Coalesce(f"{to_line}product_id", 0),
        )
        .values("month", "county_id", "p_id", "pr_id", "campaign_id", "buyer")
        .annotate(amount=Sum(amount), quantity=Sum("quantity"))
    ):
        key = (
            _as_date(row["month"]),
            row["county_id"],
            row["p_id"],
            row["pr_id"],
            row["campaign_id"],
            row["buyer"],
        )
        yield key, row["amount"], row["quantity"]


def _sales_computed() -> list[dict[str, Any]]:
    """The monthly sales rows: order lines paid (their event reckoned) less refunds, summed
    by SQL and netted by key (a key's sales and refunds are two aggregate rows)."""
    Line = get_model("order", "Line")
    # Only the events the ledger has reckoned (their job done): the summaries move with the ledger.
    paid = Line.objects.filter(
        order__payment__events__kind=PaymentEvent.Kind.CONFIRMED,
        order__payment__events__attribution_job__done_at__isnull=False,
    ).annotate(
        event_at=F("order__payment__events__created_at"),
    )
    sales: dict[tuple, list] = defaultdict(lambda: [ZERO, 0])
    for key, amount, quantity in _sales_by_key(
        paid, at="event_at", to_line="", amount="line_price_incl_tax"
    ):
        sales[key][0] += amount
        sales[key][1] += quantity
    refunded = RefundLine.objects.filter(refund__event__attribution_job__done_at__isnull=False)
    for key, amount, quantity in _sales_by_key(
        refunded, at="refund__event__created_at", to_line="line__", amount="amount"
    ):
        sales[key][0] -= amount
        sales[key][1] -= quantity
    return [
        dict(zip(SALES_MONTH_KEY, key, strict=True), amount=value[0], quantity=value[1])
        for key, value in sales.items()
    ]


def rollups_computed() -> dict[str, list[dict]]:
    """Every summary row, computed afresh by SQL aggregates over the ledger and the payments,
    and put together in Python: the independent recomputation ``rollups_differences`` checks
    the stored summaries (running, or rebuilt set-based) against."""
    entries = AttributionEntry.objects.annotate(
        month=_month("payment_event__created_at"),
        county_id=Coalesce("household__county_id", 0),
        campaign_id=_campaign_expression("line__"),
        buyer=_buyer_expression("line__order__"),
        p_id=Coalesce("line__partner_id", 0),
        pr_id=Coalesce("line__product_id", 0),
    )
    attributed = [
        {
            "month": _as_date(row["month"]),
            "county_id": row["county_id"],
            "partner_id": row["p_id"],
            "product_id": row["pr_id"],
            "campaign_id": row["campaign_id"],
            "buyer": row["buyer"],
            "income_source": row["income_source"],
            "amount": row["amount"],
        }
        for row in entries.values(
            "month", "county_id", "p_id", "pr_id", "campaign_id", "buyer", "income_source"
        ).annotate(amount=Sum("amount"))
    ]

    local = AttributionEntry.objects.annotate(
        y=ExtractYear("payment_event__created_at"),
        m=ExtractMonth("payment_event__created_at"),
        county_id=Coalesce("household__county_id", 0),
    )
    households: list[dict[str, Any]] = []
    for row in local.values("household_id", "county_id", "y", "m").annotate(amount=Sum("amount")):
        day = datetime.date(row["y"], row["m"], 1)
        for period in period_keys(day):
            households.append(
                {
                    "period": period,
                    "household_id": row["household_id"],
                    "county_id": row["county_id"],
                    "amount": row["amount"],
                }
            )
    merged: dict[tuple, dict] = {}
    for part in households:
        key = (part["period"], part["household_id"])
        if key in merged:
            merged[key]["amount"] += part["amount"]
        else:
            merged[key] = dict(part)
    reach: dict[tuple, dict] = {}

    def reach_add(owner: str, owner_id: int, period: str, row: Mapping[str, Any]) -> None:
        key = (owner, owner_id, period, row["household_id"])
        if key in reach:
            reach[key]["amount"] += row["amount"]
        else:
            reach[key] = {
                "owner": owner,
                "owner_id": owner_id,
                "period": period,
                "household_id": row["household_id"],
                "county_id": row["county_id"],
                "amount": row["amount"],
            }

    for row in (
        local.filter(line__partner_id__isnull=False)
        .values("line__partner_id", "household_id", "county_id", "y", "m")
        .annotate(amount=Sum("amount"))
    ):
        for period in period_keys(datetime.date(row["y"], row["m"], 1)):
            reach_add("partner", row["line__partner_id"], period, row)
    for user_row in (
        local.filter(line__order__user_id__isnull=False)
        .values("line__order__user_id", "household_id", "county_id")
        .annotate(amount=Sum("amount"))
    ):
        reach_add("user", user_row["line__order__user_id"], ALL_TIME, user_row)
    buyer_months = [
        {
            "user_id": row["line__order__user_id"],
            "month": _as_date(row["month"]),
            "amount": row["amount"],
        }
        for row in entries.filter(line__order__user_id__isnull=False)
        .values("line__order__user_id", "month")
        .annotate(amount=Sum("amount"))
    ]
    return {
        "sales": _sales_computed(),
        "attribution": attributed,
        "households": list(merged.values()),
        "reach": list(reach.values()),
        "buyer_months": buyer_months,
    }


def _as_date(value: datetime.date) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


_TABLES = {
    "sales": (SalesMonth, list(SALES_MONTH_KEY), ["amount", "quantity"]),
    "attribution": (AttributionMonth, list(ATTRIBUTION_MONTH_KEY), ["amount"]),
    "households": (HouseholdPeriodIncome, ["period", "household_id", "county_id"], ["amount"]),
    "reach": (
        ReachPeriod,
        ["owner", "owner_id", "period", "household_id", "county_id"],
        ["amount"],
    ),
    "buyer_months": (BuyerMonth, ["user_id", "month"], ["amount"]),
}


def _keyed(
    rows: Iterable[Mapping[str, Any]], keys: list[str], values: list[str]
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Rows as key → values, money to the fen (SQLite sums carry float noise), zero rows left out."""
    keyed = {}
    for row in rows:
        figures = tuple(
            sum_fen(row[value]) if isinstance(row[value], Decimal) else row[value]
            for value in values
        )
        if any(figures):
            keyed[tuple(row[key] for key in keys)] = figures
    return keyed


def rollups_differences() -> list[str]:
    """Where the summary tables differ from the ledger (rows that sum to nothing are ignored)."""
    computed = rollups_computed()
    differences = []
    for name, (model, keys, values) in _TABLES.items():
        stored = _keyed(model._default_manager.values(*keys, *values), keys, values)
        fresh = _keyed(computed[name], keys, values)
        for key in sorted(set(stored) | set(fresh), key=str):
            if stored.get(key) != fresh.get(key):
                differences.append(
                    f"{name} {key}: stored {stored.get(key)}, ledger {fresh.get(key)}"
                )
    return differences


def payouts_differences() -> list[str]:
    """Where the payouts disagree with the ledger they are set against. Four queries.

    An allocation must set a payout against its own household's and producer's
    due amounts; the allocations of a payout never add up to more than it; and
    what payouts not reversed set against an order line through a link never
    exceeds what the ledger made due there before refunds. (A refund after a
    payout leaves the allocation standing: the household was paid, and the
    excess shows as paid ahead, not as a difference.)
    """
    differences = []
    mismatched = PayoutAllocation.objects.filter(
        ~Q(link__household_id=F("payout__household_id"))
        | ~Q(link__producer_id=F("payout__producer_id"))
    ).values_list("pk", flat=True)
    for pk in sorted(mismatched):
        differences.append(f"payouts allocation {pk}: another household's or producer's due")
    for pk, amount, allocated in (
        Payout.objects.annotate(allocated=Sum("allocations__amount"))
        .filter(allocated__gt=F("amount"))
        .values_list("pk", "amount", "allocated")
        .order_by("pk")
    ):
        differences.append(f"payouts payout {pk}: amount {amount}, allocated {sum_fen(allocated)}")
    paid = {
        (row["line_id"], row["link_id"]): sum_fen(row["total"])
        for row in PayoutAllocation.objects.filter(payout__reversed_at__isnull=True)
        .values("line_id", "link_id")
        .annotate(total=Sum("amount"))
    }
    if paid:
        due = {
            (row["line_id"], row["link_id"]): sum_fen(row["total"])
            for row in AttributionEntry.objects.filter(
                line_id__in={line for line, _link in paid}, kind=AttributionEntry.Kind.ATTRIBUTION
            )
            .values("line_id", "link_id")
            .annotate(total=Sum("amount"))
        }
        for key in sorted(paid):
            if paid[key] > due.get(key, ZERO):
                differences.append(
                    f"payouts (line, link) {key}: paid out {paid[key]}, due {due.get(key, ZERO)}"
                )
    return differences


def rollups_check() -> tuple[int, list[str]]:
    """(how many summaries were compared, every difference): the summary tables against a
    recomputation from the ledger and the payments, and the payouts against the ledger."""
    return len(_TABLES) + 1, rollups_differences() + payouts_differences()


def _insert_select(model: type[Model], rows: QuerySet, columns: Mapping[str, str]) -> int:
    """``INSERT INTO`` the model's table ``SELECT`` the rows of ``rows``: the database writes
    them without one passing through Python. ``columns`` maps each column written to the
    name ``rows`` gives it in its ``values()`` (annotations, so every one has its own alias)."""
    quote = connection.ops.quote_name
    select, params = rows.order_by().query.sql_with_params()
    targets = ", ".join(quote(column) for column in columns)
    picked = ", ".join(f"q.{quote(alias)}" for alias in columns.values())
    with connection.cursor() as cursor:
        # Table and column names come from the model's meta and our own aliases; every
        # value is a parameter of the SELECT Django compiled.
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({targets}) "  # noqa: S608
            f"SELECT {picked} FROM ({select}) q",
            params,
        )
        return max(cursor.rowcount, 0)


def _period_expressions(at: str) -> dict[str, Any]:
    """Each kind of period of ``period_keys`` as an SQL expression over the datetime ``at``
    (in the current time zone): "all", "2026", "2026Q2", "2026-05"."""
    year = Cast(ExtractYear(at), CharField())
    return {
        "all": Value(ALL_TIME, output_field=CharField()),
        "year": year,
        "quarter": Concat(year, Value("Q"), Cast(ExtractQuarter(at), CharField())),
        "month": Concat(year, Value("-"), LPad(Cast(ExtractMonth(at), CharField()), 2, Value("0"))),
    }


def rollups_rebuild() -> dict[str, int]:
    """Replace every summary row by one recomputed from the ledger and the payments.

    Set-based: each summary is one ``INSERT … SELECT … GROUP BY`` per kind of period
    (the per-household and reach summaries) or one in all, so a county's million ledger
    entries are summed by the database and never loaded into Python. The sales summary
    sums order lines and their refunds (thousands, not millions) as ``rollups_computed``
    does. ``rollups_differences`` (``impact_rollup --check``) recomputes every figure the
    other way, in Python, and must agree to the fen.
    """
    counts: dict[str, int] = {}
    at = "payment_event__created_at"
    county = Coalesce("household__county_id", 0)
    with transaction.atomic():
        for model in (SalesMonth, AttributionMonth, HouseholdPeriodIncome, ReachPeriod, BuyerMonth):
            model._default_manager.all().delete()
        sales = _sales_computed()
        SalesMonth.objects.bulk_create([SalesMonth(**row) for row in sales], batch_size=2000)
        counts["sales"] = len(sales)
        counts["attribution"] = _insert_select(
            AttributionMonth,
            AttributionEntry.objects.annotate(
                r_month=TruncMonth(
                    at, output_field=DateField(), tzinfo=timezone.get_current_timezone()
                ),
                r_county=county,
                r_partner=Coalesce("line__partner_id", 0),
                r_product=Coalesce("line__product_id", 0),
                r_campaign=_campaign_expression("line__"),
                r_buyer=_buyer_expression("line__order__"),
                r_source=F("income_source"),
            )
            .values(
                "r_month", "r_county", "r_partner", "r_product", "r_campaign", "r_buyer", "r_source"
            )
            .annotate(r_amount=Sum("amount")),
            {
                "month": "r_month",
                "county_id": "r_county",
                "partner_id": "r_partner",
                "product_id": "r_product",
                "campaign_id": "r_campaign",
                "buyer": "r_buyer",
                "income_source": "r_source",
                "amount": "r_amount",
            },
        )
        counts["households"] = counts["reach"] = 0
        for period in _period_expressions(at).values():
            counts["households"] += _insert_select(
                HouseholdPeriodIncome,
                AttributionEntry.objects.annotate(
                    r_period=period, r_household=F("household_id"), r_county=county
                )
                .values("r_period", "r_household", "r_county")
                .annotate(r_amount=Sum("amount")),
                {
                    "period": "r_period",
                    "household_id": "r_household",
                    "county_id": "r_county",
                    "amount": "r_amount",
                },
            )
            counts["reach"] += _insert_select(
                ReachPeriod,
                AttributionEntry.objects.filter(line__partner_id__isnull=False)
                .annotate(
                    r_owner=Value(ReachPeriod.Owner.PARTNER, output_field=CharField()),
                    r_owner_id=F("line__partner_id"),
                    r_period=period,
                    r_household=F("household_id"),
                    r_county=county,
                )
                .values("r_owner", "r_owner_id", "r_period", "r_household", "r_county")
                .annotate(r_amount=Sum("amount")),
                REACH_COLUMNS,
            )
        counts["reach"] += _insert_select(
            ReachPeriod,
            AttributionEntry.objects.filter(line__order__user_id__isnull=False)
            .annotate(
                r_owner=Value(ReachPeriod.Owner.USER, output_field=CharField()),
                r_owner_id=F("line__order__user_id"),
                r_period=Value(ALL_TIME, output_field=CharField()),
                r_household=F("household_id"),
                r_county=county,
            )
            .values("r_owner", "r_owner_id", "r_period", "r_household", "r_county")
            .annotate(r_amount=Sum("amount")),
            REACH_COLUMNS,
        )
        counts["buyer_months"] = _insert_select(
            BuyerMonth,
            AttributionEntry.objects.filter(line__order__user_id__isnull=False)
            .annotate(
                r_user=F("line__order__user_id"),
                r_month=TruncMonth(
                    at, output_field=DateField(), tzinfo=timezone.get_current_timezone()
                ),
            )
            .values("r_user", "r_month")
            .annotate(r_amount=Sum("amount")),
            {"user_id": "r_user", "month": "r_month", "amount": "r_amount"},
        )
    return counts


REACH_COLUMNS = {
    "owner": "r_owner",
    "owner_id": "r_owner_id",
    "period": "r_period",
    "household_id": "r_household",
    "county_id": "r_county",
    "amount": "r_amount",
}


# Warning levels month by month -----------------------------------------------------------------


def level_snapshot_take(*, month: datetime.date) -> int:
    """Record how many households of each village stood at each level at the end of ``month``.

    Read from the assessments made before the month ended (the latest one of
    each household), so a month can be taken late, or again, with the same
    result. Run on the 1st for the month before (beat ``impact-level-snapshot``).
    """
    first = month_start(month)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    end = timezone.make_aware(datetime.datetime.combine(following, datetime.time.min))
    with transaction.atomic():
        LevelSnapshot.objects.filter(month=first).delete()
        if connection.vendor == "postgresql":
            # Each household's latest assessment in one sorted pass (DISTINCT ON), counted by
            # village and level in the same statement: seconds for 96,000 households.
            table = connection.ops.quote_name(LevelSnapshot._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (month, county_id, township_id, village_id, level, households) "  # noqa: S608
                    "SELECT %s, h.county_id, r.parent_id, h.region_id, a.level, count(*) "
                    "FROM (SELECT DISTINCT ON (household_id) household_id, level "
                    "      FROM impact_assessment WHERE assessed_at < %s "
                    "      ORDER BY household_id, assessed_at DESC, id DESC) a "
                    "JOIN impact_household h ON h.id = a.household_id "
                    "JOIN impact_region r ON r.id = h.region_id "
                    "GROUP BY h.county_id, r.parent_id, h.region_id, a.level",
                    [first, end],
                )
                return cursor.rowcount
        latest = (
            Assessment.objects.filter(household=OuterRef("pk"), assessed_at__lt=end)
            .order_by("-assessed_at", "-pk")
            .values("level")[:1]
        )
        rows = (
            Household.objects.annotate(level=Subquery(latest))
            .filter(level__isnull=False)
            .values("county_id", "region__parent_id", "region_id", "level")
            .annotate(households=Count("pk"))
        )
        made = LevelSnapshot.objects.bulk_create(
            [
                LevelSnapshot(
                    month=first,
                    county_id=row["county_id"],
                    township_id=row["region__parent_id"],
                    village_id=row["region_id"],
                    level=row["level"],
                    households=row["households"],
                )
                for row in rows
            ]
        )
    return len(made)
