from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from impact.models import Region

from .bulk import WantedLine
from .models import WorkUnit, WorkUnitMember
from .services import INVOICE_FIELDS

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import QuerySet

    from producers.models import Producer


class WorkUnitForm(forms.Form):
    """A unit's details as staff enter them; the services check the credit code and duplicates."""

    name = forms.CharField(label=_("Name"), max_length=128)
    kind = forms.ChoiceField(label=_("Kind"), choices=WorkUnit.Kind.choices)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=32)
    has_canteen = forms.BooleanField(label=_("Has a canteen"), required=False, initial=True)


class WorkUnitEditForm(WorkUnitForm):
    payment_terms_days = forms.IntegerField(
        label=_("Payment terms (days after shipping)"), min_value=1, max_value=365
    )

    @classmethod
    def for_unit(cls, unit: WorkUnit) -> "WorkUnitEditForm":
        return cls(
            initial={
                "name": unit.name,
                "kind": unit.kind,
                "credit_code": unit.credit_code,
                "has_canteen": unit.has_canteen,
                "payment_terms_days": unit.payment_terms_days,
            }
        )


class WorkUnitReviewForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.CharField(
        label=_("Reason (for a rejection)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WorkUnitMemberForm(forms.Form):
    user = forms.CharField(label=_("Username or e-mail"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=WorkUnitMember.Role.choices)

    def clean_user(self) -> "User":
        value = self.cleaned_data["user"].strip()
        users = list(
            get_user_model().objects.filter(Q(username=value) | Q(email__iexact=value))[:2]
        )
        if not users:
            raise ValidationError(_("There is no user with this username or e-mail."))
        if len(users) > 1:
            raise ValidationError(_("Several users have this e-mail: give the username."))
        return users[0]


# ---------------------------------------------------------------------- the storefront


class InvoiceDetailsForm(forms.Form):
    """A unit's invoice details (开票信息); the services check the taxpayer number."""

    invoice_title = forms.CharField(label=_("Invoice title"), max_length=128, required=False)
    tax_number = forms.CharField(
        label=_("Taxpayer identification number"), max_length=32, required=False
    )
    invoice_address = forms.CharField(label=_("Registered address"), max_length=255, required=False)
    invoice_phone = forms.CharField(label=_("Telephone"), max_length=32, required=False)
    invoice_bank = forms.CharField(label=_("Bank of the account"), max_length=128, required=False)
    invoice_account = forms.CharField(label=_("Bank account number"), max_length=64, required=False)

    @classmethod
    def for_unit(
        cls, unit: WorkUnit, data: Mapping[str, Any] | None = None
    ) -> "InvoiceDetailsForm":
        return cls(data, initial={field: getattr(unit, field) for field in INVOICE_FIELDS})


class WorkUnitApplyForm(WorkUnitForm, InvoiceDetailsForm):
    """A unit applies online: its details and invoice details; staff approve it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invoice_title"].required = True
        self.fields["tax_number"].required = True
        self.fields["has_canteen"].help_text = _(
            "A unit without a canteen says so here: it has no reserved share to plan for."
        )


class UnitPlanForm(forms.Form):
    """The yearly plan; the services check the year, the budget and the share (0–100%)."""

    year = forms.IntegerField(label=_("Year"))
    food_budget = forms.CharField(
        label=_("Canteen food budget for the year (yuan)"),
        max_length=20,
        error_messages={"required": _("Enter the canteen food budget in yuan.")},
    )
    reserved_share = forms.CharField(
        label=_("Reserved share (%)"),
        max_length=10,
        required=False,
        initial="10",
        help_text=_("At least 10% of the canteen food budget; 15% is encouraged. Default 10%."),
    )
    paired_county = forms.ModelChoiceField(
        label=_("Paired county (结对帮扶)"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("No paired county"),
        help_text=_(
            "The county your unit has paired with: its products come first in the quick order's "
            "help-first list."
        ),
    )
    paired_amount = forms.CharField(
        label=_("Planned purchases from the paired county this year (yuan)"),
        max_length=20,
        required=False,
    )

    def __init__(self, *args: Any, counties: "QuerySet[Region] | None" = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if counties is not None:
            self.fields["paired_county"].queryset = counties  # type: ignore[attr-defined]


class QuickOrderForm(forms.Form):
    """Rows of product code and quantity; blank rows are skipped. The rows are checked in bulk.py."""

    ROWS = 10

    list_name = forms.CharField(
        label=_("Also save these lines as a list named"), max_length=64, required=False
    )

    def __init__(self, *args: Any, rows: int = ROWS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for number in range(1, rows + 1):
            self.fields[f"code_{number}"] = forms.CharField(
                label=_("Product code"), max_length=64, required=False
            )
            self.fields[f"quantity_{number}"] = forms.CharField(
                label=_("Quantity"), max_length=10, required=False
            )

    def row_fields(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [
            (number, self[f"code_{number}"], self[f"quantity_{number}"])
            for number in range(1, self.rows + 1)
        ]

    def wanted(self) -> list[WantedLine]:
        lines = []
        for number in range(1, self.rows + 1):
            code = (self.cleaned_data.get(f"code_{number}") or "").strip()
            quantity = (self.cleaned_data.get(f"quantity_{number}") or "").strip()
            if code or quantity:
                lines.append(WantedLine(row=number, code=code, quantity=quantity))
        return lines


class OrderListUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Order list (CSV or XLSX, at most 2 MB)"),
        error_messages={
            "required": _("Choose a CSV or XLSX file to upload."),
            "empty": _("The file is empty: row 1 should be the header."),
        },
    )
    list_name = forms.CharField(
        label=_("Also save these lines as a list named"), max_length=64, required=False
    )


class InspectionForm(forms.Form):
    """Confirm delivery: a rating of 1–5 for each producer of the order, and a comment."""

    comment = forms.CharField(
        label=_("Comment on the delivery"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, producers: Iterable["Producer"] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(n), "★" * n) for n in range(5, 0, -1)]
        self.producers = list(producers)
        for producer in self.producers:
            self.fields[f"rating_{producer.pk}"] = forms.TypedChoiceField(
                label=producer.name,
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Rate the producer from 1 to 5 stars.")},
            )

    def ratings(self) -> dict[int, int]:
        return {
            producer.pk: self.cleaned_data[f"rating_{producer.pk}"] for producer in self.producers
        }
