"""Payouts (已兑付): what producers actually paid households, set against what sales made due.

The attribution ledger says what a household is *due* (应兑付) from a producer:
per (order line, benefit link), the sum of its entries, net of refunds. A
``Payout`` is money the producer says it paid; it is allocated against that
household's outstanding due amounts from that producer, oldest first (oldest:
the line's earliest attribution entry), to the fen. Whatever is left of it is
*paid ahead* (预付) and shown as such. Outstanding per (line, link) is its due
less the allocations of payouts not reversed, never below zero: a refund after
a payout leaves the over-payment as paid ahead, never a negative balance.

Writes: ``payout_record`` (one payout), ``payout_reverse`` (a payout recorded in
error; its allocations then count nowhere) and ``payouts_import`` (a monthly
payroll or dividend sheet, all rows or none, one batch id). Each calls
``credit.platform_income_changed`` once, after its rows are written.

Who: a producer's users record for their own producer; staff holding
``impact.add_payout`` record on its behalf for producers in their county
(``producers_payable_by``). The services check it themselves, so no page can
record for a producer its user may not.
"""

from __future__ import annotations

import datetime
import itertools
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Min, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from common.money import ZERO, fen, sum_fen, whole_fen, yuan
from common.spreadsheets import ImportFileError, Sheet, cell_text, read_spreadsheet
from producers.models import BenefitLink, Producer

from ..models import AttributionEntry, Household, Payout, PayoutAllocation, Region, Threshold
from ..monitoring.access import staff_level, staff_scope
from ..monitoring.imports.base import (
    MONEY_MAX,
    Row,
    RowError,
    cell_shown,
    chunks,
    duplicate_errors,
    rows_by_header,
)
from .credit import platform_income_changed

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# The sheet's columns: required, then optional; 生产主体 when staff upload for several producers.
REQUIRED_COLUMNS = ("户编号", "金额", "日期", "方式")
OPTIONAL_COLUMNS = ("凭证号", "备注")
PRODUCER_COLUMN = "生产主体"
TEMPLATE_COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
METHOD_WORDS = {
    "银行转账": Payout.Method.BANK,
    "银行": Payout.Method.BANK,
    "现金": Payout.Method.CASH,
    "微信": Payout.Method.WECHAT,
    "支付宝": Payout.Method.ALIPAY,
    "抵扣": Payout.Method.OFFSET,
}
METHOD_SHEET_WORD = {
    Payout.Method.BANK: "银行转账",
    Payout.Method.CASH: "现金",
    Payout.Method.WECHAT: "微信",
    Payout.Method.ALIPAY: "支付宝",
    Payout.Method.OFFSET: "抵扣",
}
REFERENCE_MAX = 64
NOTE_MAX = 255
CREATE_BATCH = 1000
CHUNK = 2000  # households per lookup query (IN list)


# ---------------------------------------------------------------------- who may record


def staff_record_payouts(user: User | AnonymousUser) -> bool:
    """Whether ``user`` records payouts on producers' behalf: county staff, or city staff
    (platform operations), holding ``impact.add_payout``. Township and village staff follow
    payouts up with households (``impact.ledger.followups``); they do not record them."""
    return (
        user.is_authenticated
        and user.is_staff
        and user.has_perm("impact.add_payout")
        and staff_level(user) in (None, Region.Level.COUNTY)
    )


def producers_payable_by(*, user: User | AnonymousUser) -> QuerySet[Producer]:
    """The producers whose payouts ``user`` may record, see and reverse.

    Those who record on producers' behalf (``staff_record_payouts``): the producers of
    their county (every producer for city staff); anyone else: the producers whose shop
    partner they belong to (a producer's users). Nobody else: none.
    """
    if not user.is_authenticated:
        return Producer.objects.none()
    if staff_record_payouts(user):
        scope = staff_scope(user)
        if scope is not None:
            if scope.county_ids is None:
                return Producer.objects.all()
            ids = scope.county_ids
            return Producer.objects.filter(
                Q(region_id__in=ids)
                | Q(region__parent_id__in=ids)
                | Q(region__parent__parent_id__in=ids)
            )
    return Producer.objects.filter(partner__users=user)


def _require_payable(*, user: User | AnonymousUser, producer: Producer) -> None:
    if not producers_payable_by(user=user).filter(pk=producer.pk).exists():
        raise PermissionDenied


def linked_households(*, producer: Producer) -> QuerySet[Household]:
    """The households that have, or had, a benefit link with the producer."""
    return Household.objects.filter(
        pk__in=BenefitLink.objects.filter(producer=producer).values("household_id")
    )


# ---------------------------------------------------------------------- allocation


@dataclass
class _Due:
    line_id: int
    link_id: int
    income_source: str
    outstanding: Decimal


def _dues(
    household_ids: Iterable[int], producer_ids: Iterable[int]
) -> dict[tuple[int, int], list[_Due]]:
    """Each (producer, household)'s outstanding due per (line, link), oldest first.

    Due is the sum of the (line, link)'s ledger entries, net of reversals; outstanding is
    due less the allocations of payouts not reversed, never below zero. Three queries
    per chunk of households, whatever the number of lines.
    """
    producers = sorted(set(producer_ids))
    found: dict[tuple[int, int], list[tuple[Any, int, _Due]]] = defaultdict(list)
    for chunk in chunks(sorted(set(household_ids)), CHUNK):
        allocated = {
            (row["line_id"], row["link_id"]): sum_fen(row["total"])
            for row in PayoutAllocation.objects.filter(
                payout__household_id__in=chunk,
                payout__producer_id__in=producers,
                payout__reversed_at__isnull=True,
            )
            .values("line_id", "link_id")
            .annotate(total=Sum("amount"))
            .order_by()
        }
        rows = (
            AttributionEntry.objects.filter(household_id__in=chunk, link__producer_id__in=producers)
            .values("household_id", "link__producer_id", "line_id", "link_id", "income_source")
            .annotate(due=Sum("amount"), first_at=Min("created_at"), first_pk=Min("pk"))
            .order_by()
        )
        for row in rows:
            key = (row["line_id"], row["link_id"])
            outstanding = sum_fen(row["due"]) - allocated.get(key, ZERO)
            if outstanding > 0:
                found[(row["link__producer_id"], row["household_id"])].append(
                    (
                        row["first_at"],
                        row["first_pk"],
                        _Due(row["line_id"], row["link_id"], row["income_source"], outstanding),
                    )
                )
    return {
        pair: [due for _at, _pk, due in sorted(items, key=lambda item: (item[0], item[1]))]
        for pair, items in found.items()
    }


def _households_lock(household_ids: Iterable[int]) -> None:
    """Lock the households' rows (PostgreSQL) so two payouts to one household allocate in turn."""
    for chunk in chunks(sorted(set(household_ids)), CHUNK):
        list(
            Household.objects.select_for_update()
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def _allocate(payouts: Sequence[Payout]) -> int:
    """Allocate new payouts (saved, none allocated yet) against what is outstanding, oldest first.

    Payouts to one household from one producer take the oldest due first in
    the order they were paid (then recorded); what no due is left for stays
    unallocated: paid ahead. Returns the number of allocations written.
    """
    pairs = {(payout.producer_id, payout.household_id) for payout in payouts}
    dues = _dues((h for _p, h in pairs), (p for p, _h in pairs))
    rows: list[tuple[int, int, int, str, Decimal]] = []
    for payout in sorted(payouts, key=lambda each: (each.paid_on, each.pk)):
        queue = dues.get((payout.producer_id, payout.household_id), [])
        left = payout.amount
        while left > 0 and queue:
            due = queue[0]
            part = min(left, due.outstanding)
            rows.append((payout.pk, due.line_id, due.link_id, due.income_source, part))
            left -= part
            due.outstanding -= part
            if due.outstanding == 0:
                queue.pop(0)
    _allocations_insert(rows)
    return len(rows)


def _allocations_insert(rows: Sequence[tuple[int, int, int, str, Decimal]]) -> None:
    """Insert (payout, line, link, income source, amount) rows as they are: a sheet's thousands
    of allocations without building a model instance for each."""
    table = connection.ops.quote_name(PayoutAllocation._meta.db_table)
    sql = (
        f"INSERT INTO {table} (payout_id, line_id, link_id, income_source, amount) "  # noqa: S608  (table name from the model, values bound)
        "VALUES (%s, %s, %s, %s, %s)"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CREATE_BATCH):
            cursor.executemany(sql, rows[start : start + CREATE_BATCH])


def _income_changed(household_ids: Iterable[int], years: Iterable[int]) -> None:
    """Re-assess the households for the years that have thresholds (no thresholds: no rules)."""
    wanted = set(years)
    known = set(Threshold.objects.filter(year__in=wanted).values_list("year", flat=True))
    if known:
        platform_income_changed(household_ids=household_ids, years=sorted(known))


# ---------------------------------------------------------------------- checks


def _amount_problem(amount: Decimal | None) -> str | None:
    if amount is None:
        return _("Enter the amount paid.")
    if not amount.is_finite() or amount <= 0:
        return _("The amount paid must be more than 0.")
    if not whole_fen(amount):
        return _("The amount may have at most two decimals.")
    if amount > MONEY_MAX:
        return _("The amount is too large.")
    return None


def _linked(producer_ids: Iterable[int], household_ids: Iterable[int]) -> set[tuple[int, int]]:
    """The (producer, household) pairs that have, or had, a benefit link."""
    producers = sorted(set(producer_ids))
    pairs: set[tuple[int, int]] = set()
    for chunk in chunks(sorted(set(household_ids)), CHUNK):
        pairs.update(
            BenefitLink.objects.filter(producer_id__in=producers, household_id__in=chunk)
            .values_list("producer_id", "household_id")
            .distinct()
        )
    return pairs


def _references_recorded(
    wanted: Iterable[tuple[int, int, str]],
) -> set[tuple[int, int, str]]:
    """Which of the (producer, household, reference) triples are already recorded."""
    wanted = [triple for triple in wanted if triple[2]]
    producers = sorted({p for p, _h, _r in wanted})
    found: set[tuple[int, int, str]] = set()
    references: dict[int, set[str]] = defaultdict(set)
    for _p, household_id, reference in wanted:
        references[household_id].add(reference)
    for chunk in chunks(sorted(references), CHUNK):
        found.update(
            Payout.objects.filter(
                producer_id__in=producers,
                household_id__in=chunk,
                reference__in=set().union(*(references[h] for h in chunk)),
            ).values_list("producer_id", "household_id", "reference")
        )
    return found & set(wanted)


# ---------------------------------------------------------------------- one payout


@transaction.atomic
def payout_record(
    *,
    producer: Producer,
    household: Household,
    amount: Decimal,
    paid_on: datetime.date,
    method: str,
    reference: str = "",
    note: str = "",
    by: User,
) -> Payout:
    """Record one payment a producer made to a household, allocate it, and re-assess.

    Refused (``ValidationError``, nothing written) unless the household has or had a
    benefit link with the producer, the amount is more than 0 with at most two
    decimals, the date is not in the future and the reference is not already
    recorded for this producer and household. ``PermissionDenied`` if ``by`` may
    not record for the producer.
    """
    _require_payable(user=by, producer=producer)
    reference, note = (reference or "").strip(), (note or "").strip()
    errors: dict[str, list[str]] = defaultdict(list)
    problem = _amount_problem(amount)
    if problem:
        errors["amount"].append(problem)
    if paid_on > timezone.localdate():
        errors["paid_on"].append(_("The payment date cannot be in the future."))
    if method not in Payout.Method.values:
        errors["method"].append(_("Choose how the household was paid."))
    if len(reference) > REFERENCE_MAX:
        errors["reference"].append(_("The reference is too long (at most 64 characters)."))
    if len(note) > NOTE_MAX:
        errors["note"].append(_("The note is too long (at most 255 characters)."))
    if (producer.pk, household.pk) not in _linked([producer.pk], [household.pk]):
        errors["household"].append(
            _("Household %(code)s has no benefit link with %(producer)s.")
            % {"code": household.code, "producer": producer.name}
        )
    elif reference and _references_recorded([(producer.pk, household.pk, reference)]):
        errors["reference"].append(
            _("Reference %(reference)s is already recorded for this household.")
            % {"reference": reference}
        )
    if errors:
        raise ValidationError(dict(errors))
    _households_lock([household.pk])
    payout = Payout.objects.create(
        producer=producer,
        household=household,
        amount=fen(amount),
        paid_on=paid_on,
        method=method,
        reference=reference,
        note=note,
        recorded_by=by,
    )
    _allocate([payout])
    _income_changed([household.pk], [paid_on.year])
    return payout


@transaction.atomic
def payout_reverse(*, payout: Payout, by: User, reason: str) -> Payout:
    """Reverse a payout recorded in error: kept, never deleted, it and its allocations count nowhere."""
    _require_payable(user=by, producer=payout.producer)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the payout is reversed.")]})
    if len(reason) > NOTE_MAX:
        raise ValidationError({"reason": [_("The reason is too long (at most 255 characters).")]})
    locked = Payout.objects.select_for_update().get(pk=payout.pk)
    if locked.reversed_at is not None:
        raise ValidationError(_("This payout is already reversed."))
    locked.reversed_at = timezone.now()
    locked.reversed_by = by
    locked.reversal_reason = reason
    locked.save(update_fields=["reversed_at", "reversed_by", "reversal_reason"])
    _income_changed([locked.household_id], [locked.paid_on.year])
    return locked


# ---------------------------------------------------------------------- a sheet


@dataclass
class PayoutRow:
    number: int
    producer_id: int
    household_id: int
    code: str
    amount: Decimal
    paid_on: datetime.date
    method: str
    reference: str
    note: str


@dataclass
class PayoutImportResult:
    created: int = 0
    total: Decimal = ZERO
    households: int = 0
    batch: str = ""
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def _sheet_rows(path: Path, *, with_producer: bool, errors: list[RowError]) -> list[Row]:
    """The sheet's data rows by column: the required ones, and the optional ones it has."""
    required = (*REQUIRED_COLUMNS, *((PRODUCER_COLUMN,) if with_producer else ()))
    optional = (*OPTIONAL_COLUMNS, *(() if with_producer else (PRODUCER_COLUMN,)))
    with closing(read_spreadsheet(path)) as lines:
        first = next(lines, None)
        if first is None:
            raise ImportFileError("文件是空的：第 1 行应为表头")
        header = {cell_text(cell).lstrip("\ufeff") for cell in first[1]}
        columns = (*required, *(column for column in optional if column in header))
        return rows_by_header(itertools.chain([first], lines), columns, errors)


def _producers_by_word(producers: QuerySet[Producer]) -> dict[str, Producer]:
    """The producers by credit code and by name; a name two producers share names neither."""
    by_word: dict[str, Producer] = {}
    names: dict[str, int] = defaultdict(int)
    for producer in producers:
        names[producer.name] += 1
    for producer in producers:
        if producer.credit_code:
            by_word[producer.credit_code] = producer
        if names[producer.name] == 1:
            by_word.setdefault(producer.name, producer)
    return by_word


def _rows_check(
    rows: list[Row], *, producer: Producer | None, allowed: QuerySet[Producer]
) -> list[PayoutRow]:
    """Every row checked, problems recorded on the rows; the cleaned rows (all, if none failed)."""
    today = timezone.localdate()
    codes = {cell_text(row.raw("户编号")) for row in rows}
    households: dict[str, int] = {}
    for chunk in chunks(codes, CHUNK):
        households.update(Household.objects.filter(code__in=chunk).values_list("code", "pk"))
    by_word = _producers_by_word(allowed) if producer is None else {}
    checked: list[tuple[Row, PayoutRow]] = []
    for row in rows:
        code = row.text("户编号", max_length=32)
        if code is not None and code not in households:
            row.error("户编号", f"户编号「{cell_shown(code)}」不存在")
        maker = producer
        if producer is None:
            word = row.text(PRODUCER_COLUMN, max_length=128)
            maker = by_word.get(word or "")
            if word is not None and maker is None:
                row.error(
                    PRODUCER_COLUMN,
                    f"「{cell_shown(word)}」不是您可以登记兑付的生产主体（请填统一社会信用代码或名称）",
                )
        elif cell_text(row.raw(PRODUCER_COLUMN)) not in ("", producer.name, producer.credit_code):
            row.error(
                PRODUCER_COLUMN,
                f"「{cell_shown(row.raw(PRODUCER_COLUMN))}」与所选生产主体「{producer.name}」不符",
            )
        amount = row.money("金额")
        if amount is not None and amount <= 0:
            row.error("金额", "兑付金额应大于 0")
        paid_on = row.date("日期", today=today)
        method = row.choice("方式", METHOD_WORDS)
        reference = cell_text(row.raw("凭证号"))
        if len(reference) > REFERENCE_MAX:
            row.error("凭证号", f"过长（最多 {REFERENCE_MAX} 个字）")
        note = cell_text(row.raw("备注"))
        if len(note) > NOTE_MAX:
            row.error("备注", f"过长（最多 {NOTE_MAX} 个字）")
        if (
            row.ok
            and code is not None
            and maker is not None
            and amount is not None
            and paid_on is not None
        ):
            checked.append(
                (
                    row,
                    PayoutRow(
                        row.number,
                        maker.pk,
                        households[code],
                        code,
                        amount,
                        paid_on,
                        method,
                        reference,
                        note,
                    ),
                )
            )
    names = {maker.pk: maker.name for maker in allowed} if producer is None else {}
    if producer is not None:
        names[producer.pk] = producer.name
    linked = _linked({c.producer_id for _r, c in checked}, {c.household_id for _r, c in checked})
    recorded = _references_recorded(
        (c.producer_id, c.household_id, c.reference) for _r, c in checked
    )
    for row, clean in checked:
        if (clean.producer_id, clean.household_id) not in linked:
            row.error(
                "户编号",
                f"户编号「{cell_shown(clean.code)}」与生产主体「{names.get(clean.producer_id, '')}」没有利益联结",
            )
        elif (clean.producer_id, clean.household_id, clean.reference) in recorded:
            row.error("凭证号", f"凭证号「{cell_shown(clean.reference)}」已为该户登记过")
    return [clean for row, clean in checked if row.ok]


def _duplicates(cleaned: list[PayoutRow]) -> list[RowError]:
    """Rows that repeat another: the same reference to one household, or, without a reference,
    the same household, date, amount and way."""
    with_reference = [row for row in cleaned if row.reference]
    without = [row for row in cleaned if not row.reference]
    return duplicate_errors(
        with_reference,
        key=lambda row: (row.producer_id, row.household_id, row.reference),
        column="凭证号",
        describe=lambda key: f"凭证号「{cell_shown(key[2])}」",
    ) + duplicate_errors(
        without,
        key=lambda row: (row.producer_id, row.household_id, row.paid_on, row.amount, row.method),
        column="金额",
        describe=lambda key: (
            f"同一户 {key[2].isoformat()} 的同一笔 {yuan(key[3])} 元兑付（如确为两笔，请填写凭证号区分）"
        ),
    )


def _upload_path(file: Path | str | Any, stack: list[Any]) -> Path:
    """A path to read: the file's own, or a temporary copy of an uploaded file (kept in ``stack``)."""
    if isinstance(file, str | Path):
        path = Path(file)
        if not path.is_file():
            raise ImportFileError(f"找不到文件 {path}")
        return path
    suffix = Path(getattr(file, "name", "") or "").suffix.lower()
    handle: IO[bytes] = tempfile.NamedTemporaryFile(suffix=suffix)  # noqa: SIM115 - closed by the caller
    stack.append(handle)
    chunks_of = getattr(file, "chunks", None)
    for piece in chunks_of() if chunks_of else [file.read()]:
        handle.write(piece)
    handle.flush()
    return Path(handle.name)


def payouts_import(
    *,
    file: Path | str | Any,
    by: User,
    producer: Producer | None = None,
    dry_run: bool = False,
) -> PayoutImportResult:
    """Record a payroll or dividend sheet's payouts, all rows or none, as one batch.

    Columns 户编号, 金额, 日期 (YYYY-MM-DD), 方式 (银行转账 or 银行, 现金, 微信, 支付宝,
    抵扣), and optionally 凭证号 and 备注; with no ``producer``, also 生产主体 (its
    credit code or name, one ``by`` may record for). Every bad row is reported
    (``第 N 行「列」：…``) and nothing is written; duplicates inside the file are
    refused. Allocation and re-assessment run in bulk, a few queries per batch.
    ``file`` is a path or an uploaded file. ``ImportFileError`` if it cannot be read.
    """
    if producer is not None:
        _require_payable(user=by, producer=producer)
    allowed = producers_payable_by(user=by)
    if producer is None and not allowed.exists():
        raise PermissionDenied
    errors: list[RowError] = []
    opened: list[Any] = []
    try:
        rows = _sheet_rows(
            _upload_path(file, opened), with_producer=producer is None, errors=errors
        )
    finally:
        for handle in opened:
            handle.close()
    if errors:
        return PayoutImportResult(errors=errors, dry_run=dry_run)
    if not rows:
        return PayoutImportResult(
            errors=[RowError(2, "户编号", "文件中没有兑付记录")], dry_run=dry_run
        )
    cleaned = _rows_check(rows, producer=producer, allowed=allowed)
    errors += _duplicates(cleaned)
    if errors:
        order = {column: index for index, column in enumerate((*TEMPLATE_COLUMNS, PRODUCER_COLUMN))}
        errors.sort(key=lambda error: (error.row, order.get(error.column, 0), error.message))
        return PayoutImportResult(errors=errors, dry_run=dry_run)
    total = sum((row.amount for row in cleaned), ZERO)
    households = len({row.household_id for row in cleaned})
    if dry_run:
        return PayoutImportResult(
            created=len(cleaned), total=total, households=households, dry_run=True
        )
    batch = uuid.uuid4().hex
    now = timezone.now()
    with transaction.atomic():
        _households_lock(row.household_id for row in cleaned)
        payouts = Payout.objects.bulk_create(
            [
                Payout(
                    producer_id=row.producer_id,
                    household_id=row.household_id,
                    amount=row.amount,
                    paid_on=row.paid_on,
                    method=row.method,
                    reference=row.reference,
                    note=row.note,
                    recorded_by=by,
                    recorded_at=now,
                    batch=batch,
                )
                for row in cleaned
            ],
            batch_size=CREATE_BATCH,
        )
        _allocate(payouts)
        _income_changed(
            {row.household_id for row in cleaned}, {row.paid_on.year for row in cleaned}
        )
    return PayoutImportResult(created=len(payouts), total=total, households=households, batch=batch)


def payouts_template(*, with_producer: bool) -> Sheet:
    """The sheet's header and one example row, for producers (and staff) to fill in."""
    columns = (*TEMPLATE_COLUMNS, *((PRODUCER_COLUMN,) if with_producer else ()))
    example = ["530113-0001", "100.00", timezone.localdate().isoformat(), "银行转账", "", ""]
    if with_producer:
        example.append("")
    return Sheet(title="兑付登记", columns=columns, rows=[example])


# ---------------------------------------------------------------------- reads


@dataclass(frozen=True)
class PayoutBalance:
    """What one producer owes one household, or a household in all (``producer_id`` None)."""

    household_id: int
    producer_id: int | None
    due: Decimal = ZERO
    paid_out: Decimal = ZERO
    outstanding: Decimal = ZERO
    paid_ahead: Decimal = ZERO


def payout_balances(
    *,
    producer_ids: Iterable[int] | None = None,
    household_ids: Iterable[int] | None = None,
) -> dict[tuple[int, int], PayoutBalance]:
    """Due, paid out, outstanding and paid ahead per (producer, household), in three queries.

    Due: the ledger's entries, net of reversals. Paid out: payouts not reversed.
    Outstanding: per (line, link), due less what payouts not reversed set against it,
    never below zero. Paid ahead: what is paid out and covers no due (unallocated, or
    left over on a line a refund reduced), so that due − outstanding = paid out − paid ahead.
    """
    entries = AttributionEntry.objects.all()
    allocations = PayoutAllocation.objects.filter(payout__reversed_at__isnull=True)
    payouts = Payout.objects.filter(reversed_at__isnull=True)
    if producer_ids is not None:
        producers = sorted(set(producer_ids))
        entries = entries.filter(link__producer_id__in=producers)
        allocations = allocations.filter(payout__producer_id__in=producers)
        payouts = payouts.filter(producer_id__in=producers)
    if household_ids is not None:
        households = sorted(set(household_ids))
        entries = entries.filter(household_id__in=households)
        allocations = allocations.filter(payout__household_id__in=households)
        payouts = payouts.filter(household_id__in=households)
    allocated = {
        (row["line_id"], row["link_id"]): sum_fen(row["total"])
        for row in allocations.values("line_id", "link_id").annotate(total=Sum("amount")).order_by()
    }
    due: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    covered: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for row in (
        entries.values("link__producer_id", "household_id", "line_id", "link_id")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        pair = (row["link__producer_id"], row["household_id"])
        line_due = sum_fen(row["total"])
        due[pair] += line_due
        covered[pair] += min(line_due, allocated.get((row["line_id"], row["link_id"]), ZERO))
    paid: dict[tuple[int, int], Decimal] = {
        (row["producer_id"], row["household_id"]): sum_fen(row["total"])
        for row in payouts.values("producer_id", "household_id")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    return {
        pair: PayoutBalance(
            household_id=pair[1],
            producer_id=pair[0],
            due=due.get(pair, ZERO),
            paid_out=paid.get(pair, ZERO),
            outstanding=due.get(pair, ZERO) - covered.get(pair, ZERO),
            paid_ahead=paid.get(pair, ZERO) - covered.get(pair, ZERO),
        )
        for pair in set(due) | set(paid)
    }


def household_payout_balance(*, household: Household) -> PayoutBalance:
    """The household's due, paid out, outstanding and paid ahead, over every producer."""
    balances = payout_balances(household_ids=[household.pk]).values()
    return PayoutBalance(
        household_id=household.pk,
        producer_id=None,
        due=sum((b.due for b in balances), ZERO),
        paid_out=sum((b.paid_out for b in balances), ZERO),
        outstanding=sum((b.outstanding for b in balances), ZERO),
        paid_ahead=sum((b.paid_ahead for b in balances), ZERO),
    )


def household_payouts_by_producer(*, household: Household) -> list[tuple[Producer, PayoutBalance]]:
    """The household's due, paid out, outstanding and paid ahead from each producer, by name."""
    balances = payout_balances(household_ids=[household.pk])
    producers = Producer.objects.in_bulk([producer_id for producer_id, _h in balances])
    return sorted(
        ((producers[producer_id], balance) for (producer_id, _h), balance in balances.items()),
        key=lambda pair: pair[0].name,
    )


@dataclass(frozen=True)
class LinkedHousehold:
    """One of a producer's linked households as its pages show it: code and masked name only."""

    pk: int
    code: str
    name_masked: str
    balance: PayoutBalance


def producer_payout_households(*, producer: Producer) -> list[LinkedHousehold]:
    """The producer's linked households (code, masked name) with what it owes each."""
    households = list(linked_households(producer=producer).order_by("code"))
    balances = payout_balances(producer_ids=[producer.pk])
    return [
        LinkedHousehold(
            pk=household.pk,
            code=household.code,
            name_masked=household.head_name_masked,
            balance=balances.get(
                (producer.pk, household.pk),
                PayoutBalance(household_id=household.pk, producer_id=producer.pk),
            ),
        )
        for household in households
    ]


def producer_payout_totals(*, rows: Sequence[LinkedHousehold]) -> PayoutBalance:
    """The sums of a producer's households' balances (``household_id`` 0)."""
    return PayoutBalance(
        household_id=0,
        producer_id=rows[0].balance.producer_id if rows else None,
        due=sum((row.balance.due for row in rows), ZERO),
        paid_out=sum((row.balance.paid_out for row in rows), ZERO),
        outstanding=sum((row.balance.outstanding for row in rows), ZERO),
        paid_ahead=sum((row.balance.paid_ahead for row in rows), ZERO),
    )


def producer_payouts(*, producer: Producer) -> QuerySet[Payout]:
    """The producer's payouts, newest first, with their households and who recorded them."""
    return (
        Payout.objects.filter(producer=producer)
        .select_related("household", "recorded_by", "reversed_by")
        .annotate(allocated=Sum("allocations__amount"))
        .order_by("-paid_on", "-pk")
    )
