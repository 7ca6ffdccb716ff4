from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import WorkUnit, WorkUnitMember


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

    def clean_user(self):  # type: ignore[no-untyped-def]
        value = self.cleaned_data["user"].strip()
        users = list(
            get_user_model().objects.filter(Q(username=value) | Q(email__iexact=value))[:2]
        )
        if not users:
            raise ValidationError(_("There is no user with this username or e-mail."))
        if len(users) > 1:
            raise ValidationError(_("Several users have this e-mail: give the username."))
        return users[0]
