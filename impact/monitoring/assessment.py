"""The warning rules run over households: their figures, read in one query, and re-assessment in bulk.

Services fetch plain figures, call the pure rule engine (``impact.monitoring.rules``)
and save in bulk (``impact.monitoring.bulk``); views, commands and tasks only call them.
"""

import datetime
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
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

from common.money import yuan

from ..models import (
    Assessment,
    Clue,
    Household,
    MonitoringSettings,
    Payout,
    ReassessmentRun,
    RigidExpenditure,
    Threshold,
)
from . import bulk, rules
from .runs import EvaluationLease, evaluation_lock
from .signals import households_assessed

BATCH_SIZE = 5000


# ---------------------------------------------------------------------- figures


def thresholds_for_year(*, year: int) -> rules.Thresholds:
    row = Threshold.objects.filter(year=year).first()
    if row is None:
        raise ValidationError(_("There are no thresholds for %(year)s.") % {"year": year})
    return rules.Thresholds(year=year, standard=row.national_standard, multiplier=row.multiplier)


def payouts_counting(*, year: int) -> QuerySet[Payout]:
    """Payouts that count as income received in ``year``: paid that year, not reversed, not disputed."""
    return Payout.objects.filter(
        paid_on__gte=datetime.date(year, 1, 1),
        paid_on__lte=datetime.date(year, 12, 31),
        reversed_at__isnull=True,
    ).exclude(verification=Payout.Verification.DISPUTED)


def platform_counted(*, payouts: Decimal, included: Decimal) -> Decimal:
    """The payouts that join the recorded income: those not already part of it, never below zero."""
    return max(payouts - included, Decimal("0.00"))


def _figures_queryset(
    queryset: QuerySet[Household],
    *,
    year: int,
    as_of: datetime.date,
    extra: Sequence[str] = (),
) -> QuerySet[Household, Mapping[str, Any]]:
    """Households annotated with everything the rules read, in one query; with the further
    fields ``extra`` of each household (such as its area: ``region_id``).

    Income comes from the year's record (households without one are left
    out: there is nothing to assess them on); rigid expenditure is the
    unresolved special-cause outlay dated in the 12 months before ``as_of``.
    Platform income is what producers paid out in the year (``Payout`` rows
    paid that year, not reversed, not disputed), less what the record says it
    already includes (``platform_counted``). The due ledger never counts.
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
            platform_included=F("year_income__platform_included"),
            platform_paid=Subquery(
                payouts_counting(year=year)
                .filter(household_id=OuterRef("pk"))
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
            "platform_included",
            "platform_paid",
            *extra,
        )
    )


def _figures_from_row(row: Mapping[str, Any]) -> rules.HouseholdFigures:
    return rules.HouseholdFigures(
        members=row["members"],
        labour=row["labour"],
        subsistence=row["subsistence"],
        basic_needs_met=row["basic_needs_met"],
        safe_water=row["safe_water"],
        recorded_income=row["income"],
        rigid=row["rigid_amount"] or Decimal("0"),
        unable_to_work=min(row["rigid_unable"] or 0, row["members"]),
        platform_income=platform_counted(
            payouts=row["platform_paid"] or Decimal("0.00"),
            included=row["platform_included"] or Decimal("0.00"),
        ),
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
    by_level: Counter[int] = field(default_factory=Counter)


def households_reassess(
    *,
    households: QuerySet[Household] | None = None,
    year: int,
    channel: str,
    as_of: datetime.date | None = None,
    batch_size: int = BATCH_SIZE,
    run: ReassessmentRun | None = None,
    wait: float = 0,
) -> ReassessReport:
    """Run the warning rules for many households, streaming in batches and writing in bulk.

    Each batch reads its figures in one query and is written in its own
    transaction: the assessments, the households' current level, and a clue
    for every household whose level is new or worse and has none in review
    (the database keeps it to one per household and channel, whoever else is
    evaluating). Memory is bounded by the batch size, not by the number of households.

    A whole-population evaluation (no ``households``) or one with a ``run`` to
    report on holds the evaluation lock (``runs.evaluation_lock``), waiting up
    to ``wait`` seconds for another to finish, then raising ``EvaluationBusy``.
    """
    thresholds = thresholds_for_year(year=year)
    if households is None or run is not None:
        what = run.get_why_display() if run is not None else Assessment.Channel(channel).label
        with evaluation_lock(what=f"{what} {year}", wait=wait) as lease:
            return _reassess(
                households,
                year=year,
                channel=channel,
                thresholds=thresholds,
                as_of=as_of,
                batch_size=batch_size,
                run=run,
                lease=lease,
            )
    return _reassess(
        households,
        year=year,
        channel=channel,
        thresholds=thresholds,
        as_of=as_of,
        batch_size=batch_size,
        run=None,
        lease=None,
    )


def _reassess(
    households: QuerySet[Household] | None,
    *,
    year: int,
    channel: str,
    thresholds: rules.Thresholds,
    as_of: datetime.date | None,
    batch_size: int,
    run: ReassessmentRun | None,
    lease: EvaluationLease | None,
) -> ReassessReport:
    review_days = MonitoringSettings.load().review_days
    as_of = as_of or timezone.localdate()
    queryset = households if households is not None else Household.objects.all()
    report = ReassessReport()
    report.skipped = queryset.count()
    if run is not None:
        run.year = year
        run.started_at = timezone.now()
        run.total = queryset.filter(incomes__year=year).count()
        run.save(update_fields=["year", "started_at", "total"])
    figures = _figures_queryset(queryset, year=year, as_of=as_of)
    last = 0
    assessed: list[int] = []
    while True:
        rows = list(figures.filter(pk__gt=last).order_by("pk")[:batch_size])
        if not rows:
            break
        last = rows[-1]["pk"]
        if households is not None:
            assessed.extend(row["pk"] for row in rows)
        _reassess_batch(
            rows,
            year=year,
            channel=channel,
            thresholds=thresholds,
            review_days=review_days,
            report=report,
        )
        if lease is not None:
            lease.renew()
        if run is not None:
            run.done = report.assessed
            run.clues_opened = report.clues_opened
            run.save(update_fields=["done", "clues_opened"])
    report.skipped -= report.assessed
    if report.assessed:
        households_assessed.send(
            sender=Assessment, household_ids=assessed if households is not None else None
        )
    if run is not None:
        run.done = report.assessed
        run.skipped = report.skipped
        run.clues_opened = report.clues_opened
        run.finished_at = timezone.now()
        run.save(update_fields=["done", "skipped", "clues_opened", "finished_at"])
    return report


def _reassess_batch(
    rows: list[Mapping[str, Any]],
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
        figures_in = _figures_from_row(row)
        outcome = rules.assess(figures_in, thresholds)
        level = outcome.level.value
        # The same rules, the same moment, the same thresholds, without the platform's payouts.
        level_without = rules.level_without_platform(figures_in, thresholds).value
        assessment = bulk.NewAssessment(
            household_id=row["pk"],
            year=year,
            level=level,
            per_capita=Decimal(outcome.figures["per_capita"]),
            platform_income=figures_in.platform_income,
            level_without=level_without,
            figures={
                **outcome.figures,
                "platform_payouts": yuan(row["platform_paid"] or Decimal("0")),
                "platform_included": yuan(row["platform_included"] or Decimal("0")),
                "level_without_platform": str(level_without),
            },
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
        # Another evaluation may have opened the same clue since this batch read "none in
        # review": the partial unique constraint refuses it, and it is skipped, not doubled.
        Clue.objects.bulk_create(clues, batch_size=1000, ignore_conflicts=True)
        opened = (
            Clue.objects.filter(assessment_id__in=[clue.assessment_id for clue in clues]).count()
            if clues
            else 0
        )
        bulk.statuses_upsert(assessments)
    report.clues_opened += opened
    report.assessed += len(assessments)
