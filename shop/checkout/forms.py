from django import forms
from django.utils.translation import gettext_lazy as _


class PaymentMethodForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How will you pay?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how you will pay."),
            "invalid_choice": _("That way of paying is not available for this order."),
        },
    )

    def __init__(self, *args, offers=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [(offer.method, offer.label) for offer in offers]
