"""Writes of the impact app: assessments, clues, help measures, declarations, reveals.

Services fetch plain figures, call the pure rule engine (``impact.rules``) and
save in bulk; views, commands and tasks only call them.
"""

import datetime
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from . import bulk, rules
from .models import (
    Assessment,
    AttributionEntry,
    AuditEvent,
    Clue,
    ClueStep,
    Declaration,
    HelpMeasure,
    Household,
    IncomeRecord,
    MonitoringSettings,
    Region,
    RigidExpenditure,
    StaffScope,
    Threshold,
)
from .pii import pii_hash

logger = logging.getLogger("yixiang.impact")

BATCH_SIZE = 5000
INCOME_RULES = {"income_below_standard", "no_labour_or_subsistence_below_line", "labour_below_line"}


# ---------------------------------------------------------------------- figures


def thresholds_for_year(*, year: int) -> rules.Thresholds:
    row = Threshold.objects.filter(year=year).first()
    if row is None:
        raise ValidationError(_("There are no thresholds for %(year)s.") % {"year": year})
    return rules.Thresholds(year=year, standard=row.national_standard, multiplier=row.multiplier)


def _figures_queryset(queryset: QuerySet, *, year: int, as_of: datetime.date) -> QuerySet:
    """Households annotated with everything the rules read, in one query.

    Income comes from the year's record (households without one are left
    out: there is nothing to assess them on); rigid expenditure is the
    unresolved special-cause outlay dated in the 12 months before ``as_of``.
    Platform-attributed income joins the figures with the attribution ledger.
    """
    window_start = as_of - datetime.timedelta(days=MonitoringSettings.load().rigid_window_days)
    rigid = (
        RigidExpenditure.objects.filter(
            household_id=OuterRef("pk"),
            date__gt=window_start,
            date__lte=as_of,
            resolved=False,
            cause__in=RigidExpenditure.SPECIAL_CAUSES,
        )
        .order_by()
        .values("household_id")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    return (
        queryset.annotate(
            year_income=FilteredRelation("incomes", condition=Q(incomes__year=year)),
            income=ExpressionWrapper(
                F("year_income__wages")
                + F("year_income__operating")
                + F("year_income__property_income")
                + F("year_income__transfers"),
                output_field=money,
            ),
            rigid_amount=Subquery(
                rigid.annotate(total=Sum("amount")).values("total")[:1], output_field=money
            ),
            rigid_unable=Subquery(
                rigid.annotate(total=Sum("unable_to_work")).values("total")[:1],
                output_field=IntegerField(),
            ),
            in_review=Exists(
                Clue.objects.filter(household_id=OuterRef("pk")).exclude(stage__in=Clue.CLOSED)
            ),
            attributed=Subquery(
                AttributionEntry.objects.filter(household_id=OuterRef("pk"), year=year)
                .order_by()
                .values("household_id")
                .annotate(total=Sum("amount"))
                .values("total")[:1],
                output_field=money,
            ),
        )
        .filter(income__isnull=False)
        .values(
            "pk",
            "members",
            "labour",
            "subsistence",
            "basic_needs_met",
            "safe_water",
            "county_id",
            "status__level",
            "income",
            "rigid_amount",
            "rigid_unable",
            "in_review",
            "attributed",
        )
    )


def _figures_from_row(row: dict) -> rules.HouseholdFigures:
    return rules.HouseholdFigures(
        members=row["members"],
        labour=row["labour"],
        subsistence=row["subsistence"],
        basic_needs_met=row["basic_needs_met"],
        safe_water=row["safe_water"],
        recorded_income=row["income"],
        rigid=row["rigid_amount"] or Decimal("0"),
        unable_to_work=min(row["rigid_unable"] or 0, row["members"]),
        attributed_income=row["attributed"] or Decimal("0"),
    )


def household_figures(
    *, household: Household, year: int, as_of: datetime.date
) -> rules.HouseholdFigures | None:
    """The rule engine's input for one household (None without an income record for the year)."""
    row = _figures_queryset(
        Household.objects.filter(pk=household.pk), year=year, as_of=as_of
    ).first()
    return _figures_from_row(row) if row else None


# ---------------------------------------------------------------------- assessment


@dataclass
class ReassessReport:
    assessed: int = 0
    skipped: int = 0
    clues_opened: int = 0
    by_level: Counter = field(default_factory=Counter)


def households_reassess(
    *,
    households: QuerySet | None = None,
    year: int,
    channel: str,
    as_of: datetime.date | None = None,
    batch_size: int = BATCH_SIZE,
) -> ReassessReport:
    """Run the warning rules for many households, streaming in batches and writing in bulk.

    Each batch reads its figures in one query and is written in its own
    transaction: the assessments, the households' current level, and a clue
    for every household whose level is new or worse and has none in review.
    Memory is bounded by the batch size, not by the number of households.
    """
    thresholds = thresholds_for_year(year=year)
    review_days = MonitoringSettings.load().review_days
    as_of = as_of or timezone.localdate()
    queryset = households if households is not None else Household.objects.all()
    report = ReassessReport()
    report.skipped = queryset.count()
    figures = _figures_queryset(queryset, year=year, as_of=as_of)
    last = 0
    while True:
        rows = list(figures.filter(pk__gt=last).order_by("pk")[:batch_size])
        if not rows:
            break
        last = rows[-1]["pk"]
        _reassess_batch(
            rows,
            year=year,
            channel=channel,
            thresholds=thresholds,
            review_days=review_days,
            report=report,
        )
    report.skipped -= report.assessed
    return report


def _reassess_batch(
    rows: list[dict],
    *,
    year: int,
    channel: str,
    thresholds: rules.Thresholds,
    review_days: int,
    report: ReassessReport,
) -> None:
    now = timezone.now()
    assessments = []
    opens_clue = []
    for row in rows:
        outcome = rules.assess(_figures_from_row(row), thresholds)
        level = outcome.level.value
        assessment = bulk.NewAssessment(
            household_id=row["pk"],
            year=year,
            level=level,
            per_capita=Decimal(outcome.figures["per_capita"]),
            attributed=Decimal(outcome.figures["attributed_income"]),
            figures=outcome.figures,
            rules_fired=outcome.rules_fired,
            channel=channel,
            assessed_at=now,
        )
        assessments.append(assessment)
        report.by_level[level] += 1
        old = row["status__level"]
        if level < rules.Level.GREEN and (old is None or level < old) and not row["in_review"]:
            opens_clue.append((assessment, row["county_id"]))
    with transaction.atomic():
        bulk.assessments_insert(assessments)
        clues = [
            Clue(
                household_id=assessment.household_id,
                county_id=county_id,
                assessment_id=assessment.pk,
                channel=channel,
                level=assessment.level,
                opened_at=now,
                due_at=now + datetime.timedelta(days=review_days),
            )
            for assessment, county_id in opens_clue
        ]
        Clue.objects.bulk_create(clues, batch_size=1000)
        bulk.statuses_upsert(assessments)
    report.clues_opened += len(clues)
    report.assessed += len(assessments)


def households_data_changed(
    *, household_ids: Iterable[int], channel: str = Assessment.Channel.SCREENING
) -> None:
    """System screening: re-assess these households once the current transaction commits."""
    from .tasks import impact_reassess_households

    ids = sorted(set(household_ids))
    if not ids:
        return

    def queue() -> None:
        for start in range(0, len(ids), BATCH_SIZE):
            impact_reassess_households.delay(ids[start : start + BATCH_SIZE], channel)

    # robust: a broker that is down is logged, and never fails the change itself;
    # the monthly periodic evaluation re-assesses every household anyway.
    transaction.on_commit(queue, robust=True)


@transaction.atomic
def household_update(*, household: Household, **fields) -> Household:  # type: ignore[no-untyped-def]
    """Change a household's facts; system screening re-assesses it after commit."""
    for name, value in fields.items():
        setattr(household, name, value)
    household.full_clean()
    household.save()
    households_data_changed(household_ids=[household.pk])
    return household


@transaction.atomic
def income_record_save(*, household: Household, year: int, **amounts) -> IncomeRecord:  # type: ignore[no-untyped-def]
    """Record (or correct) a household's income for a year."""
    record, _ = IncomeRecord.objects.update_or_create(
        household=household, year=year, defaults=amounts
    )
    households_data_changed(household_ids=[household.pk])
    return record


@transaction.atomic
def expenditure_record(*, household: Household, **fields) -> RigidExpenditure:  # type: ignore[no-untyped-def]
    expenditure = RigidExpenditure(household=household, **fields)
    expenditure.full_clean()
    expenditure.save()
    households_data_changed(household_ids=[household.pk])
    return expenditure


@transaction.atomic
def expenditure_resolve(*, expenditure: RigidExpenditure) -> RigidExpenditure:
    expenditure.resolved = True
    expenditure.save(update_fields=["resolved"])
    households_data_changed(household_ids=[expenditure.household_id])
    return expenditure


# ---------------------------------------------------------------------- scope


def households_visible_to(*, user) -> QuerySet:  # type: ignore[no-untyped-def]
    """The households a staff member may see: their county's, or all for city staff."""
    if not user.is_authenticated or not user.is_staff:
        return Household.objects.none()
    if user.is_superuser:
        return Household.objects.all()
    scope = StaffScope.objects.filter(user=user).select_related("county").first()
    if scope is None:
        return Household.objects.none()
    if scope.county is None:
        return Household.objects.all()
    return Household.objects.filter(county=scope.county)


def counties_visible_to(*, user) -> QuerySet:  # type: ignore[no-untyped-def]
    counties = Region.objects.filter(level=Region.Level.COUNTY)
    if user.is_superuser:
        return counties
    scope = StaffScope.objects.filter(user=user).first()
    if scope is None:
        return counties.none()
    return counties if scope.county_id is None else counties.filter(pk=scope.county_id)


def household_get_for_user(*, user, pk: int, path: str = "") -> Household:  # type: ignore[no-untyped-def]
    """The household, or PermissionDenied (logged) if it lies outside the user's county."""
    household = households_visible_to(user=user).filter(pk=pk).first()
    if household is None:
        exists = Household.objects.filter(pk=pk).exists()
        if exists:
            AuditEvent.objects.create(
                kind=AuditEvent.Kind.DENIED, user=user, household_id=pk, path=path[:255]
            )
            logger.warning("user %s refused household %s outside their county", user.pk, pk)
        raise PermissionDenied
    return household


def household_reveal_id_number(*, user, household: Household, reason: str) -> str:  # type: ignore[no-untyped-def]
    """The unmasked ID number, for staff who may see it, with the reason logged."""
    if not user.has_perm("impact.reveal_personal_data"):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why you need to see the full ID number."))
    AuditEvent.objects.create(
        kind=AuditEvent.Kind.REVEAL, user=user, household=household, reason=reason[:255]
    )
    logger.info("user %s revealed the ID number of household %s", user.pk, household.pk)
    return household.id_number


# ---------------------------------------------------------------------- clues and measures

TRANSITIONS = {
    Clue.Stage.OPEN: [Clue.Stage.VERIFIED, Clue.Stage.DISMISSED],
    Clue.Stage.VERIFIED: [Clue.Stage.NOTICE, Clue.Stage.DISMISSED],
    Clue.Stage.NOTICE: [Clue.Stage.TOWNSHIP, Clue.Stage.DISMISSED],
    Clue.Stage.TOWNSHIP: [Clue.Stage.APPROVED, Clue.Stage.DISMISSED],
    Clue.Stage.APPROVED: [Clue.Stage.ASSISTING],
    Clue.Stage.ASSISTING: [Clue.Stage.ELIMINATED],
    Clue.Stage.ELIMINATED: [],
    Clue.Stage.DISMISSED: [],
}


def household_risk_eliminable(*, household: Household, today: datetime.date) -> list[str]:
    """What still stands in the way of eliminating a household's risk (empty: nothing)."""
    problems = []
    since = timezone.now() - datetime.timedelta(days=MonitoringSettings.load().stable_months * 30)
    assessments = list(
        Assessment.objects.filter(household=household)
        .order_by("assessed_at")
        .values("assessed_at", "rules_fired")
    )
    older = [a for a in assessments if a["assessed_at"] <= since]
    recent = [a for a in assessments if a["assessed_at"] > since]
    if not older:
        problems.append(_("The household has not been assessed for six months yet."))
    elif any(hit["code"] in INCOME_RULES for a in [older[-1], *recent] for hit in a["rules_fired"]):
        problems.append(_("Income has not stayed above the monitoring line for six months."))
    if RigidExpenditure.objects.filter(
        household=household, resolved=False, cause__in=RigidExpenditure.SPECIAL_CAUSES
    ).exists():
        problems.append(_("Some rigid expenditures are not resolved."))
    return problems


@transaction.atomic
def clue_advance(
    *,
    clue: Clue,
    to_stage: str,
    by,  # type: ignore[no-untyped-def]
    note: str = "",
    notice_from: datetime.date | None = None,
    today: datetime.date | None = None,
) -> Clue:
    """Move a clue one stage on, recording who, when and why."""
    today = today or timezone.localdate()
    config = MonitoringSettings.load()
    clue = Clue.objects.select_for_update().get(pk=clue.pk)
    if to_stage not in TRANSITIONS[clue.stage]:
        raise ValidationError(
            _("A clue at “%(from)s” cannot move to “%(to)s”.")
            % {"from": clue.get_stage_display(), "to": Clue.Stage(to_stage).label}
        )
    if to_stage == Clue.Stage.NOTICE:
        if notice_from is None:
            raise ValidationError(_("Give the date the village notice was posted."))
        clue.notice_from = notice_from
        clue.notice_to = notice_from + datetime.timedelta(days=config.notice_days)
    if to_stage == Clue.Stage.TOWNSHIP and (clue.notice_to is None or today < clue.notice_to):
        raise ValidationError(
            _("The village notice must stay up at least %(days)s days (until %(date)s).")
            % {"days": config.notice_days, "date": clue.notice_to}
        )
    if to_stage == Clue.Stage.ELIMINATED and clue.household is not None:
        problems = household_risk_eliminable(household=clue.household, today=today)
        if problems:
            raise ValidationError(problems)
    if to_stage == Clue.Stage.DISMISSED and not note.strip():
        raise ValidationError(_("Say why the clue is not confirmed."))
    clue.stage = to_stage
    if to_stage in Clue.CLOSED and clue.closed_at is None and to_stage != Clue.Stage.ASSISTING:
        clue.closed_at = timezone.now()
    clue.save()
    ClueStep.objects.create(clue=clue, stage=to_stage, by=by, note=note)
    return clue


def help_measure_record(
    *,
    household: Household,
    by,  # type: ignore[no-untyped-def]
    mode: str,
    description: str,
    cadre: str,
    started: datetime.date,
    ended: datetime.date | None = None,
    outcome: str = "",
    clue: Clue | None = None,
) -> HelpMeasure:
    measure = HelpMeasure(
        household=household,
        clue=clue,
        mode=mode,
        description=description,
        cadre=cadre,
        started=started,
        ended=ended,
        outcome=outcome,
        recorded_by=by,
    )
    measure.full_clean()
    measure.save()
    return measure


# ---------------------------------------------------------------------- self-declaration


@transaction.atomic
def declaration_submit(
    *,
    name: str,
    id_number: str,
    phone: str,
    village: Region,
    cause: str,
    amount: Decimal,
    note: str = "",
) -> Declaration:
    """A household declares a hardship: it opens a clue for staff, whether or not it is registered."""
    declaration = Declaration(
        name=name,
        id_number=id_number,
        phone=phone,
        village=village,
        cause=cause,
        amount=amount,
        note=note,
    )
    declaration.household = Household.objects.filter(id_number_hash=pii_hash(id_number)).first()
    declaration.save()
    Clue.objects.create(
        household=declaration.household,
        county=village.county,
        declaration=declaration,
        channel=Assessment.Channel.DECLARATION,
    )
    return declaration


def clues_for(*, user) -> QuerySet:  # type: ignore[no-untyped-def]
    """The review queue a staff member sees: clues in their county."""
    counties = counties_visible_to(user=user)
    return Clue.objects.filter(Q(county__in=counties)).select_related("household", "county")
