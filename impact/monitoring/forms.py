import datetime
from decimal import Decimal
from typing import Any, cast

import phonenumbers
from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.widgets import DateInput

from ..models import (
    Clue,
    HelpMeasure,
    Household,
    IncomeRecord,
    MonitoringTarget,
    Region,
    RigidExpenditure,
)
from .idnumbers import IdNumberError, id_number_clean


def year_before(day: datetime.date) -> datetime.date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


class VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return obj.full_name


class DeclarationForm(forms.Form):
    """农户申报: a public form; it never says whether a household is registered."""

    name = forms.CharField(label=_("Your name"), max_length=32)
    id_number = forms.CharField(label=_("ID number"), max_length=18, min_length=18)
    phone = forms.CharField(label=_("Phone"), max_length=20)
    village = VillageChoiceField(
        label=_("Village"),
        queryset=Region.objects.filter(level=Region.Level.VILLAGE).select_related("parent__parent"),
    )
    cause = forms.ChoiceField(label=_("Cause"), choices=RigidExpenditure.Cause.choices)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=Decimal("0"), max_digits=12, decimal_places=2
    )
    date = forms.DateField(
        label=_("Date of the expenditure"),
        widget=DateInput(),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD.")},
    )
    note = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=2000,
    )

    def clean_id_number(self) -> str:
        try:
            return id_number_clean(self.cleaned_data["id_number"])
        except IdNumberError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_date(self) -> datetime.date:
        date: datetime.date = self.cleaned_data["date"]
        today = timezone.localdate()
        if date > today:
            raise forms.ValidationError(_("The date of the expenditure is in the future."))
        if date < year_before(today):
            raise forms.ValidationError(
                _(
                    "The expenditure was more than a year ago: declare only what happened this past year."
                )
            )
        return date

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        try:
            number = phonenumbers.parse(value, "CN")
        except phonenumbers.NumberParseException as exc:
            raise forms.ValidationError(_("Enter a valid phone number.")) from exc
        if not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(_("Enter a valid phone number."))
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Why do you need the full ID number?"), max_length=255)


class ClueAdvanceForm(forms.Form):
    stage = forms.ChoiceField(label=_("Move to"), choices=Clue.Stage.choices)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    notice_from = forms.DateField(
        label=_("Village notice posted on"),
        required=False,
        widget=DateInput(),
    )
    target_type = forms.ChoiceField(
        label=_("Monitoring target type (county approval)"),
        choices=[
            ("", _("Default: from the household's type and level")),
            *MonitoringTarget.Type.choices,
        ],
        required=False,
    )


class NoticeListForm(forms.Form):
    village = VillageChoiceField(label=_("Village"), queryset=Region.objects.none())
    start = forms.DateField(label=_("Notice posted from"), widget=DateInput())
    end = forms.DateField(label=_("to"), widget=DateInput())

    def __init__(self, *args: Any, villages: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(VillageChoiceField, self.fields["village"]).queryset = villages


class NoticeContactForm(forms.Form):
    contact = forms.CharField(label=_("Contact for objections"), max_length=64)
    phone = forms.CharField(label=_("Phone"), max_length=20)


class HelpMeasureForm(forms.ModelForm):
    class Meta:
        model = HelpMeasure
        fields = ["mode", "description", "cadre", "started", "ended", "outcome"]
        widgets = {
            "started": DateInput(),
            "ended": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
        }


class ImportForm(forms.Form):
    KIND_LABELS = {
        "households": _("Households"),
        "incomes": _("Income records"),
        "expenditures": _("Rigid expenditures"),
        "thresholds": _("Thresholds"),
    }
    MAX_BYTES = 10 * 1024 * 1024

    kind = forms.ChoiceField(label=_("What the file holds"))
    file = forms.FileField(label=_("CSV or XLSX file"))
    dry_run = forms.BooleanField(label=_("Check only, write nothing"), required=False)

    def __init__(self, *args: Any, kinds: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field = cast(forms.ChoiceField, self.fields["kind"])
        kind_field.choices = [(kind, self.KIND_LABELS.get(kind, kind)) for kind in kinds]

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


class HouseholdEditForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = ["members", "labour", "kind", "subsistence", "basic_needs_met", "safe_water"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean returns; its stub says it may be None
        members, labour = cleaned.get("members"), cleaned.get("labour")
        if members is not None and members < 1:
            self.add_error("members", _("A household has at least one resident member."))
        if members is not None and labour is not None and labour > members:
            self.add_error("labour", _("Members able to work cannot exceed the resident members."))
        return cleaned


class IncomeForm(forms.ModelForm):
    class Meta:
        model = IncomeRecord
        fields = ["year", "wages", "operating", "property_income", "transfers", "platform_included"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Most households' survey income holds no platform payouts: empty means none.
        self.fields["platform_included"].required = False

    def clean_platform_included(self) -> Decimal:
        return self.cleaned_data.get("platform_included") or Decimal("0")


class ExpenditureForm(forms.ModelForm):
    class Meta:
        model = RigidExpenditure
        fields = ["date", "cause", "amount", "resolved", "unable_to_work", "note"]
        widgets = {"date": DateInput()}

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.household = household

    def clean_date(self) -> datetime.date:
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("The date is in the future."))
        return date

    def clean_unable_to_work(self) -> int:
        value = self.cleaned_data["unable_to_work"]
        if value > self.household.members:
            raise forms.ValidationError(_("More members than the household has."))
        return value
