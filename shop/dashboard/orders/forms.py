from django import forms

from producers.models import Shipment


class ShipmentForm(forms.ModelForm):
    """A producer's carrier and tracking number for its lines of an order."""

    class Meta:
        model = Shipment
        fields = ["carrier", "tracking_number"]
        widgets = {
            "carrier": forms.TextInput(attrs={"list": "carrier_choices", "autocomplete": "off"}),
        }
