from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from oscar.apps.address.forms import AbstractAddressForm
from oscar.core.loading import get_model

from shop.address.forms import ChineseAddressFormMixin

if TYPE_CHECKING:
    from shop.payments.selectors import MethodOffer

ShippingAddress = get_model("order", "ShippingAddress")


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


class ShippingAddressForm(ChineseAddressFormMixin, AbstractAddressForm):
    """The checkout's shipping address: the Chinese address, with a note for the courier."""

    notes = forms.CharField(
        label=_("Delivery notes"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("e.g. leave it at the gate")}),
    )

    class Meta:
        model = ShippingAddress
        fields = ["last_name", "phone_number", "line1", "postcode", "notes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields([*self.ADDRESS_FIELD_ORDER, "postcode", "notes"])
