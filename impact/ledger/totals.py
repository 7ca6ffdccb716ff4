"""The figures a backup must give back: ledger, payouts, orders, households, encrypted values.

``ledger_totals`` sums the attribution ledger by kind, the payouts (recorded, reversed,
disputed), the orders and their payments, and counts the households and the encrypted
personal values per column, exact to the fen, as plain data with stable keys: a restore is
right when the figures taken from the restored database equal those taken at backup time
(``deploy/backup.sh`` writes them into the manifest, ``deploy/restore.sh`` compares).

``pii_sample_check`` decrypts a spread sample of each encrypted column with the keys the
process runs with (and checks the ID numbers' lookup hashes against ``PII_HASH_KEY``): it
proves the keys, kept apart from the backup, still open the restored data.

``backup_secrets`` lists the secret values a backup must never contain.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cryptography.fernet import InvalidToken, MultiFernet
from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.fields import TextField
from django.db.models.functions import Cast
from oscar.core.loading import get_model

from common.money import sum_fen

from ..models import AttributionEntry, Household, Payout
from ..monitoring.keys import encrypted_columns
from ..monitoring.pii import _hash_secret, pii_fernets, pii_hash, pii_key_secrets


def _money(value: Decimal | float | None) -> str:
    return str(sum_fen(value))


def ledger_totals() -> dict[str, Any]:
    """The ledger's, payouts', orders' and personal data's totals; money as strings to the fen."""
    Order = get_model("order", "Order")
    OrderPayment = get_model("payments", "OrderPayment")
    entries = AttributionEntry.objects.aggregate(
        entries=Count("pk"),
        attribution=Sum("amount", filter=Q(kind=AttributionEntry.Kind.ATTRIBUTION)),
        reversal=Sum("amount", filter=Q(kind=AttributionEntry.Kind.REVERSAL)),
        net=Sum("amount"),
    )
    payouts = Payout.objects.aggregate(
        count=Count("pk"),
        recorded=Sum("amount"),
        reversed_count=Count("pk", filter=Q(reversed_at__isnull=False)),
        reversed=Sum("amount", filter=Q(reversed_at__isnull=False)),
        disputed=Sum(
            "amount",
            filter=Q(reversed_at__isnull=True, verification=Payout.Verification.DISPUTED),
        ),
        counting=Sum(
            "amount",
            filter=Q(reversed_at__isnull=True) & ~Q(verification=Payout.Verification.DISPUTED),
        ),
    )
    orders = Order.objects.aggregate(count=Count("pk"), total=Sum("total_incl_tax"))
    payments = OrderPayment.objects.aggregate(
        paid_count=Count("pk", filter=Q(state=OrderPayment.State.PAID)),
        received=Sum("amount_received"),
        refunded=Sum("amount_refunded"),
    )
    encrypted = {}
    for column in encrypted_columns():
        encrypted[column.label] = (
            column.model._base_manager.exclude(**{f"{column.field}__isnull": True})
            .exclude(**{column.field: ""})
            .count()
        )
    return {
        "ledger": {
            "entries": entries["entries"],
            "attribution": _money(entries["attribution"]),
            "reversal": _money(entries["reversal"]),
            "net": _money(entries["net"]),
        },
        "payouts": {
            "count": payouts["count"],
            "recorded": _money(payouts["recorded"]),
            "reversed_count": payouts["reversed_count"],
            "reversed": _money(payouts["reversed"]),
            "disputed": _money(payouts["disputed"]),
            "counting": _money(payouts["counting"]),
        },
        "orders": {
            "count": orders["count"],
            "total": _money(orders["total"]),
            "paid_count": payments["paid_count"],
            "received": _money(payments["received"]),
            "refunded": _money(payments["refunded"]),
        },
        "households": Household.objects.count(),
        "encrypted_values": encrypted,
    }


@dataclass
class SampleCheck:
    column: str
    checked: int = 0
    undecryptable: list[object] = field(default_factory=list)
    hash_mismatches: list[object] = field(default_factory=list)


def pii_sample_check(*, per_column: int = 20) -> list[SampleCheck]:
    """Decrypt up to ``per_column`` values of each encrypted column, spread over its rows.

    The sample is the same for the same data (rows at evenly spaced positions by primary
    key), so two runs over a backup and its restore check the same values.
    """
    multi = MultiFernet(pii_fernets())
    results = []
    for column in encrypted_columns():
        result = SampleCheck(column=column.label)
        rows = (
            column.model._base_manager.exclude(**{f"{column.field}__isnull": True})
            .exclude(**{column.field: ""})
            .annotate(pii_raw_token=Cast(column.field, output_field=TextField()))
            .order_by("pk")
        )
        hash_field = column.hash_field
        fields = ["pk", "pii_raw_token"] + ([hash_field] if hash_field else [])
        total = rows.count()
        positions = sorted({i * total // per_column for i in range(min(per_column, total))})
        for position in positions:
            row = rows.values_list(*fields)[position]
            result.checked += 1
            try:
                plain = multi.decrypt(row[1].encode()).decode()
            except InvalidToken:
                result.undecryptable.append(row[0])
                continue
            if hash_field and row[2] != pii_hash(plain):
                result.hash_mismatches.append(row[0])
        results.append(result)
    return results


def backup_secrets() -> dict[str, str]:
    """The secrets no backup may hold, by name: the PII keys, the lookup hash's key, ``SECRET_KEY``."""
    found: dict[str, str] = {}
    for number, secret in enumerate(pii_key_secrets()):
        found[f"PII key {number + 1}"] = secret
    found["PII_HASH_KEY"] = _hash_secret()
    found["SECRET_KEY"] = str(settings.SECRET_KEY)
    return found
