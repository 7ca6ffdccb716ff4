"""The campaign page's editor form, the console's form for a new sharer, the plan's target."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

from common.money import FEN, whole_fen

from .models import CampaignSharer


class CampaignPageForm(WagtailAdminPageForm):
    """The editor's form: codes are written upper case."""

    def clean_code(self) -> str:
        return (self.cleaned_data.get("code") or "").strip().upper()


class SharerForm(forms.Form):
    name = forms.CharField(label=_("Sharer name"), max_length=64)
    role = forms.ChoiceField(label=_("Sharer role"), choices=CampaignSharer.Role.choices)
    code = forms.CharField(
        label=_("Sharer code"),
        max_length=32,
        required=False,
        help_text=_("Leave empty to have one made for you."),
    )


def amount_parse(raw: str, *, at_most: Decimal) -> Decimal | None:
    """Yuan as a host types them ("5000", "5,000.50", "¥5000"); None when left empty.

    Refused with a message that says what to type: not a number, negative, more than
    two decimals (a fen is the smallest amount), or above ``at_most``.
    """
    text = raw.strip().lstrip("¥￥").replace(",", "").replace("，", "").strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationError(
            _("Enter an amount in yuan as a number, such as 5000 or 5000.50."), code="invalid"
        )
    if amount < 0:
        raise ValidationError(_("An amount cannot be negative."), code="negative")
    if amount > at_most:
        raise ValidationError(
            _("That is more than ¥%(most)s: check the number of digits.")
            % {"most": f"{at_most:,.0f}"},
            code="too_large",
        )
    if not whole_fen(amount):
        raise ValidationError(
            _("Enter the amount to the fen: at most two decimals."), code="decimals"
        )
    return amount.quantize(FEN)


class PlanForm(forms.Form):
    """A sales target for the campaign, and optionally what each product should sell."""

    target = forms.CharField(
        label=_("Sales target (yuan)"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, product_ids: list[int], at_most: Decimal, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.product_ids = product_ids
        self.at_most = at_most
        for product_id in product_ids:
            self.fields[self.product_field(product_id)] = forms.CharField(
                label=_("Sales of this product (yuan)"),
                required=False,
                max_length=32,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )

    @staticmethod
    def product_field(product_id: int) -> str:
        return f"product_{product_id}"

    def clean_target(self) -> Decimal:
        target = amount_parse(self.cleaned_data.get("target") or "", at_most=self.at_most)
        if target is None:
            raise ValidationError(_("Enter the campaign's sales target in yuan."), code="required")
        if target == 0:
            raise ValidationError(_("A sales target must be above zero."), code="zero")
        return target

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        given: dict[int, Decimal] = {}
        for product_id in self.product_ids:
            name = self.product_field(product_id)
            try:
                amount = amount_parse(self.data.get(name, "") or "", at_most=self.at_most)
            except ValidationError as exc:
                self.add_error(name, exc)
                continue
            if amount is not None:
                given[product_id] = amount
        cleaned["given"] = given
        target = cleaned.get("target")
        if target is None or self.errors:
            return cleaned
        total = sum(given.values(), Decimal(0))
        if total > target:
            raise ValidationError(
                _(
                    "The amounts given per product add up to ¥%(total)s, more than the target "
                    "¥%(target)s."
                )
                % {"total": total, "target": target},
                code="over_target",
            )
        if given and len(given) == len(self.product_ids) and total != target:
            raise ValidationError(
                _(
                    "Every product has an amount, and they add up to ¥%(total)s, not the target "
                    "¥%(target)s: change one, or leave one empty to take the rest."
                )
                % {"total": total, "target": target},
                code="not_target",
            )
        return cleaned
