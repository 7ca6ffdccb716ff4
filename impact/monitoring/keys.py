"""PII key rotation: every encrypted value in the database moved under the newest key.

``encrypted_columns`` finds every column of the project's ``EncryptedTextField``
(households, self-declarations, and the django-simple-history tables that copy
them), from the app registry, so a field added later is rotated too.
``pii_rotate`` walks each table in primary-key batches, each batch its own
transaction; a value already under the newest key is left alone, so a run that
stops part-way is resumed by running it again. Each value is replaced only if it
is still the one read (compare and swap): a value the site rewrote meanwhile was
written under the newest key already, and the site keeps running throughout.
``Fernet``'s rotation keeps each value's original timestamp.

A value that no key decrypts is never skipped quietly: it is counted, named by
table and primary key, and the command fails.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import models, transaction
from django.db.models import TextField, Value
from django.db.models.functions import Cast

from ..fields import EncryptedTextField
from .pii import pii_fernets, pii_hash

RAW = "pii_raw_token"


@dataclass(frozen=True)
class EncryptedColumn:
    model: type[models.Model]
    field: str

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field}"

    @property
    def hash_field(self) -> str | None:
        """The keyed-hash column kept beside this one for lookups (``id_number_hash``), if any."""
        name = f"{self.field}_hash"
        names = {f.name for f in self.model._meta.concrete_fields}
        return name if name in names else None


@dataclass
class ColumnCount:
    column: str
    values: int = 0
    current: int = 0
    rotated: int = 0
    undecryptable: list[object] = field(default_factory=list)
    hash_mismatches: list[object] = field(default_factory=list)

    @property
    def stale(self) -> int:
        """Values not yet under the newest key (the undecryptable ones aside)."""
        return self.values - self.current - len(self.undecryptable)


def encrypted_columns() -> list[EncryptedColumn]:
    """Every (model, field) stored by ``EncryptedTextField``, history tables included."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, EncryptedTextField):
                found.append(EncryptedColumn(model=model, field=model_field.name))
    return sorted(found, key=lambda column: column.label)


def _batches(column: EncryptedColumn, size: int) -> Iterator[list[tuple[object, str]]]:
    """(pk, stored token) of the column's non-empty values, by primary key, ``size`` at a time."""
    rows = (
        column.model._base_manager.exclude(**{f"{column.field}__isnull": True})
        .exclude(**{column.field: ""})
        .annotate(**{RAW: Cast(column.field, output_field=TextField())})
        .order_by("pk")
    )
    last = None
    while True:
        page = rows if last is None else rows.filter(pk__gt=last)
        batch = list(page.values_list("pk", RAW)[:size])
        if not batch:
            return
        yield batch
        last = batch[-1][0]


def _hash_mismatches(
    column: EncryptedColumn, batch: list[tuple[object, str]], multi: MultiFernet
) -> list[object]:
    """Primary keys of the batch whose stored lookup hash is not the keyed hash of the value."""
    hash_field = column.hash_field
    if hash_field is None:
        return []
    stored = dict(
        column.model._base_manager.filter(pk__in=[pk for pk, _token in batch]).values_list(
            "pk", hash_field
        )
    )
    wrong = []
    for pk, token in batch:
        try:
            plain = multi.decrypt(token.encode()).decode()
        except InvalidToken:
            continue  # counted as undecryptable already
        if stored.get(pk) != pii_hash(plain):
            wrong.append(pk)
    return wrong


def pii_rotate(
    *,
    check: bool = False,
    batch_size: int = 500,
    progress: Callable[[ColumnCount], None] | None = None,
) -> list[ColumnCount]:
    """Re-encrypt every encrypted value under the newest key (``check``: only count).

    Returns one count per column: values, already under the newest key, re-encrypted now,
    and those no key decrypts; with ``check``, also lookup hashes that do not match.
    """
    fernets = pii_fernets()
    newest, multi = fernets[0], MultiFernet(fernets)
    counts = []
    for column in encrypted_columns():
        count = ColumnCount(column=column.label)
        for batch in _batches(column, batch_size):
            stale = []
            for pk, token in batch:
                count.values += 1
                try:
                    newest.decrypt(token.encode())
                except InvalidToken:
                    pass
                else:
                    count.current += 1
                    continue
                try:
                    stale.append((pk, token, multi.rotate(token.encode()).decode()))
                except InvalidToken:
                    count.undecryptable.append(pk)
            if check:
                count.hash_mismatches += _hash_mismatches(column, batch, multi)
                continue
            with transaction.atomic():
                for pk, old, new in stale:
                    count.rotated += (
                        column.model._base_manager.filter(pk=pk, **{column.field: Value(old)})
                        # Value(): the token is written as is, not encrypted once more
                        .update(**{column.field: Value(new, output_field=TextField())})
                    )
            if progress is not None:
                progress(count)
        counts.append(count)
    return counts


def pii_rehash(*, batch_size: int = 500) -> int:
    """Recompute every stored lookup hash under the current ``PII_HASH_KEY``; returns how many changed.

    For a deployment that gives the lookup hash a new secret (see the README): until it has
    run, lookups by ID number find nothing.
    """
    multi = MultiFernet(pii_fernets())
    changed = 0
    for column in encrypted_columns():
        hash_field = column.hash_field
        if hash_field is None:
            continue
        for batch in _batches(column, batch_size):
            stored = dict(
                column.model._base_manager.filter(pk__in=[pk for pk, _t in batch]).values_list(
                    "pk", hash_field
                )
            )
            with transaction.atomic():
                for pk, token in batch:
                    try:
                        wanted = pii_hash(multi.decrypt(token.encode()).decode())
                    except InvalidToken as exc:
                        raise ValueError(f"{column.label} pk={pk}: no PII key decrypts it") from exc
                    if stored.get(pk) != wanted:
                        changed += column.model._base_manager.filter(pk=pk).update(
                            **{hash_field: wanted}
                        )
    return changed


@checks.register(checks.Tags.security)
def pii_keys_check(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """PII_KEYS without PII_HASH_KEY would make every lookup by ID number miss: refuse to start."""
    if getattr(settings, "PII_KEYS", None) and not getattr(settings, "PII_HASH_KEY", ""):
        return [
            checks.Error(
                "PII_KEYS is set but PII_HASH_KEY is not.",
                hint="Set PII_HASH_KEY to the PII_KEY used so far: the stored lookup hashes "
                "were made with it (README, Personal data).",
                id="impact.E001",
            )
        ]
    return []
