"""A household's change history (修改记录): who changed what, when, from what to what.

django-simple-history keeps a historical copy of every household, income record,
rigid expenditure and benefit link at each change (``history = HistoricalRecords()``
on those models). Here the copies are read back, each compared with the one before it
of the same record, and told as one line per changed field, personal data masked.
"""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from producers.models import BenefitLink

from ..models import Household, IncomeRecord, RigidExpenditure
from .pii import mask_id_number, mask_name

# Not told: bookkeeping, and the lookup hash of the ID number.
UNTOLD = {"id", "created", "updated", "id_number_hash", "county"}
MASKED = {"head_name": mask_name, "id_number": mask_id_number}
HISTORY_LIMIT = 200


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime.datetime
    who: str
    what: str  # the record: "农户", "2025 年收入", ...
    action: str  # created, changed, deleted
    changes: tuple[FieldChange, ...]


def _told_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    tracked = {field.attname for field in model.history.model._meta.concrete_fields}  # type: ignore[attr-defined]
    return [
        field
        for field in model._meta.concrete_fields
        if field.attname in tracked and field.name not in UNTOLD
    ]


class _Shown:
    """Values as staff read them: choices by label, yes/no, related records by name, masked PII."""

    def __init__(self) -> None:
        self._related: dict[tuple[type[models.Model], Any], str] = {}

    def __call__(self, field: models.Field[Any, Any], value: Any) -> str:
        if value is None or value == "":
            return "—"
        if field.name in MASKED:
            return MASKED[field.name](str(value))
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(field, models.BooleanField):
            return "是" if value else "否"
        if isinstance(field, models.ForeignKey):
            return self._related_name(field.related_model, value)
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value)

    def _related_name(self, model: type[models.Model], pk: Any) -> str:
        key = (model, pk)
        if key not in self._related:
            instance = model._default_manager.filter(pk=pk).first()
            if instance is None:
                name = f"#{pk}"
            elif hasattr(instance, "get_username"):
                name = instance.get_full_name() or instance.get_username()  # type: ignore[attr-defined]
            elif hasattr(instance, "full_name"):
                name = instance.full_name
            else:
                name = str(instance)
            self._related[key] = name
        return self._related[key]


def _user_name(user: Any) -> str:
    if user is None:
        return _("system")
    return user.get_full_name() or user.get_username()


def _entries(
    model: type[models.Model],
    history: Iterable[Any],
    describe: Any,
    shown: _Shown,
) -> Iterator[HistoryEntry]:
    """Each historical copy against the previous copy of the same record."""
    fields = _told_fields(model)
    previous: dict[Any, Any] = {}
    actions = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
    for record in history:  # oldest first
        before = previous.get(record.id)
        changes = []
        for field in fields:
            after_value = getattr(record, field.attname)
            before_value = getattr(before, field.attname) if before is not None else None
            if record.history_type == "-":
                continue
            if before is None and record.history_type == "~":
                # A change to a record kept from before history began: no earlier copy.
                changes.append(FieldChange(str(field.verbose_name), "?", shown(field, after_value)))
            elif before_value != after_value:
                changes.append(
                    FieldChange(
                        str(field.verbose_name),
                        shown(field, before_value),
                        shown(field, after_value),
                    )
                )
        previous[record.id] = record
        if record.history_type == "~" and not changes:
            continue  # saved without a change
        yield HistoryEntry(
            at=record.history_date,
            who=_user_name(record.history_user),
            what=describe(record),
            action=actions.get(record.history_type, record.history_type),
            changes=tuple(changes),
        )


def household_history(*, household: Household, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """Every recorded change to the household and its income records, rigid expenditures and
    benefit links, newest first (at most ``limit``)."""
    shown = _Shown()
    order = ("id", "history_date", "history_id")
    sources: list[tuple[type[models.Model], Any, Any]] = [
        (
            Household,
            Household.history.filter(id=household.pk),
            lambda record: _("household"),
        ),
        (
            IncomeRecord,
            IncomeRecord.history.filter(household_id=household.pk),
            lambda record: _("income %(year)s") % {"year": record.year},
        ),
        (
            RigidExpenditure,
            RigidExpenditure.history.filter(household_id=household.pk),
            lambda record: _("rigid expenditure of %(date)s") % {"date": record.date.isoformat()},
        ),
        (
            BenefitLink,
            BenefitLink.history.filter(household_id=household.pk).select_related("producer"),
            lambda record: _("benefit link with %(producer)s") % {"producer": record.producer},
        ),
    ]
    entries: list[HistoryEntry] = []
    for model, history, describe in sources:
        entries.extend(
            _entries(
                model, history.select_related("history_user").order_by(*order), describe, shown
            )
        )
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]
