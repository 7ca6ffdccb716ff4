from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.money import FEN
from common.widgets import DateInput

from .services import RefundLineRequest

if TYPE_CHECKING:
    from django.forms import BoundField
    from oscar.apps.order.models import Line


class TransferForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=12, decimal_places=2, min_value=FEN
    )
    received_on = forms.DateField(
        label=_("Received on"),
        initial=timezone.localdate,
        widget=DateInput(),
    )
    bank_reference = forms.CharField(label=_("Bank reference"), max_length=64)


class RefundForm(forms.Form):
    """One quantity and optional amount per order line, plus a reason."""

    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)

    def __init__(self, *args: Any, lines: Iterable["Line"] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"quantity_{line.pk}"] = forms.IntegerField(
                label=_("Quantity"), min_value=0, max_value=line.quantity, initial=0, required=False
            )
            self.fields[f"amount_{line.pk}"] = forms.DecimalField(
                label=_("Amount (yuan)"),
                max_digits=12,
                decimal_places=2,
                min_value=FEN,
                required=False,
                help_text=_("Leave empty to refund the price of the quantity."),
            )

    def line_rows(self) -> list[tuple["Line", "BoundField", "BoundField"]]:
        return [
            (line, self[f"quantity_{line.pk}"], self[f"amount_{line.pk}"]) for line in self.lines
        ]

    def requests(self) -> list[RefundLineRequest]:
        return [
            RefundLineRequest(
                line_id=line.pk,
                quantity=self.cleaned_data.get(f"quantity_{line.pk}") or 0,
                amount=self.cleaned_data.get(f"amount_{line.pk}"),
            )
            for line in self.lines
        ]
