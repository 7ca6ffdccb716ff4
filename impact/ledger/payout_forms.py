"""The forms of the payouts pages: one payout, a sheet upload, a reversal."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.widgets import DateInput
from producers.models import Producer

from ..models import Household, Payout
from .payouts import linked_households


class HouseholdChoiceField(forms.ModelChoiceField[Household]):
    """A linked household by its code and masked name: never the full name."""

    def label_from_instance(self, obj: Household) -> str:
        return f"{obj.code} {obj.head_name_masked}"


class PayoutForm(forms.Form):
    household = HouseholdChoiceField(label=_("Household"), queryset=Household.objects.none())
    amount = forms.DecimalField(
        label=_("Amount paid (yuan)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    paid_on = forms.DateField(
        label=_("Paid on"),
        widget=DateInput(),
        initial=timezone.localdate,
    )
    method = forms.ChoiceField(label=_("Method"), choices=Payout.Method.choices)
    reference = forms.CharField(
        label=_("Reference (transfer or receipt number)"), max_length=64, required=False
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args: Any, producer: Producer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["household"]
        assert isinstance(field, HouseholdChoiceField)
        field.queryset = linked_households(producer=producer).order_by("code")


class PayoutUploadForm(forms.Form):
    MAX_BYTES = 10 * 1024 * 1024

    file = forms.FileField(label=_("Payout sheet (CSV or XLSX)"))
    dry_run = forms.BooleanField(label=_("Check only, write nothing"), required=False)

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size is not None and upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


class PayoutReverseForm(forms.Form):
    reason = forms.CharField(label=_("Why reverse it"), max_length=255)
