from typing import Any

from django import forms
from oscar.apps.dashboard.orders import forms as oscar_forms
from oscar.core.loading import get_model

from producers.models import Shipment
from shop.order_status import order_status_choices

Order = get_model("order", "Order")


class ShipmentForm(forms.ModelForm):
    """A producer's carrier and tracking number for its lines of an order."""

    class Meta:
        model = Shipment
        fields = ["carrier", "tracking_number"]
        widgets = {
            "carrier": forms.TextInput(attrs={"list": "carrier_choices", "autocomplete": "off"}),
        }


class OrderSearchForm(oscar_forms.OrderSearchForm):
    """Oscar's order search with the status filter's choices named in Chinese."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [("", "---------"), *order_status_choices(Order.all_statuses())]


class OrderStatusForm(oscar_forms.OrderStatusForm):
    """Oscar's "new order status" select with the statuses named in Chinese."""

    def __init__(self, order: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(order, *args, **kwargs)
        new_status = self.fields["new_status"]
        assert isinstance(new_status, forms.ChoiceField)
        new_status.choices = order_status_choices(order.available_statuses())
