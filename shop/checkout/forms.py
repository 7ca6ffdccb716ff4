from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from shop.payments.selectors import MethodOffer


class PaymentMethodForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How will you pay?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how you will pay."),
            "invalid_choice": _("That way of paying is not available for this order."),
        },
    )

    def __init__(self, *args: Any, offers: Iterable["MethodOffer"] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        method_field = cast(forms.ChoiceField, self.fields["method"])
        method_field.choices = [(offer.method, offer.label) for offer in offers]
