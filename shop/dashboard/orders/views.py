"""Oscar's order views, tightened for producers, plus fulfilment and sales figures.

A partner user (a producer's user) gets 403, not 404, for an order or a line
that exists but is not theirs; on an order shared with other producers it sees
and acts on its own lines only, and ships them with carrier and tracking number.
"""

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from oscar.apps.dashboard.orders import views as oscar_views
from oscar.core.loading import get_model

from common.forms import messages_add_errors
from common.money import ZERO
from config.http import AuthenticatedHttpRequest
from producers.services import order_ship

from .forms import ShipmentForm
from .selectors import (
    order_lines_for_user,
    order_notes_for_user,
    order_producer_for_user,
    order_shipments_for_user,
    orders_with_partner_totals,
    partner_sales,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from oscar.apps.dashboard.orders.forms import OrderNoteForm
    from oscar.apps.order.models import Line as LineType
    from oscar.apps.order.models import Order as OrderType
    from oscar.apps.order.models import ShippingAddress

Order = get_model("order", "Order")
Line = get_model("order", "Line")


def get_order_for_user_or_403(user: "User", number: str) -> "OrderType":
    """The order if the user may see it; 403 if it exists but is not theirs, else 404."""
    try:
        return oscar_views.queryset_orders_for_user(user).get(number=number)
    except Order.DoesNotExist:
        if Order.objects.filter(number=number).exists():
            raise PermissionDenied from None
        raise Http404 from None


def _ids(values: list[str]) -> list[int]:
    return [int(value) for value in values if str(value).strip().isdigit()]


class OrderListView(oscar_views.OrderListView):
    """A partner user sees, for each order, the total and items of its own lines.

    It may download its orders but not change their status: an order may hold
    other producers' lines.
    """

    producer_actions = ("download_selected_orders",)

    def get_actions(self) -> dict[str, Any]:
        actions = super().get_actions()
        if self.request.user.is_staff:
            return actions
        return {name: action for name, action in actions.items() if name in self.producer_actions}

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if self.request.user.is_staff:
            return queryset
        return orders_with_partner_totals(user=self.request.user, orders=queryset)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["producer_view"] = not self.request.user.is_staff
        return ctx

    def get_row_values(self, order: "OrderType") -> dict[str, Any]:
        row = super().get_row_values(order)
        if not self.request.user.is_staff:
            row["value"] = order.partner_total
            row["num_items"] = order.partner_items
        return row


class OrderDetailView(oscar_views.OrderDetailView):
    # What a producer may do on an order: notes, its lines' statuses, shipping them.
    producer_order_actions = ("save_note", "delete_note", "ship")
    producer_line_actions = ("change_line_statuses",)

    @property
    def producer_view(self) -> bool:
        return not self.request.user.is_staff

    def get_object(self, queryset: QuerySet[Any] | None = None) -> "OrderType":
        return get_order_for_user_or_403(self.request.user, self.kwargs["number"])

    def get_order_lines(self) -> QuerySet[Any]:
        return order_lines_for_user(user=self.request.user, order=self.object)

    def handle_order_action(
        self, request: AuthenticatedHttpRequest, order: "OrderType", action: str
    ) -> HttpResponse:
        if not self.producer_view:
            return super().handle_order_action(request, order, action)
        if action not in self.producer_order_actions:
            raise PermissionDenied
        return getattr(self, action)(request, order)

    def handle_line_action(
        self, request: AuthenticatedHttpRequest, order: "OrderType", action: str
    ) -> HttpResponse:
        if self.producer_view:
            if action not in self.producer_line_actions:
                raise PermissionDenied
            selected = _ids(request.POST.getlist("selected_line"))
            others = order.lines.filter(pk__in=selected).exclude(partner__users=request.user)
            if others.exists():
                raise PermissionDenied
        return super().handle_line_action(request, order, action)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["producer_view"] = self.producer_view
        ctx["shipments"] = order_shipments_for_user(user=user, order=self.object)
        if self.producer_view:
            ctx["notes"] = order_notes_for_user(user=user, order=self.object)
            ctx["lines_total"] = sum((line.line_price_incl_tax for line in ctx["lines"]), ZERO)
            ctx["shipping_producer"] = order_producer_for_user(user=user, order=self.object)
            ctx["shipment_form"] = ShipmentForm()
        return ctx

    def get_order_note_form(self) -> "OrderNoteForm":
        note_id = self.kwargs.get("note_id")
        if self.producer_view and note_id:
            notes = order_notes_for_user(user=self.request.user, order=self.object)
            if not notes.filter(id=note_id, user__partners__users=self.request.user).exists():
                raise PermissionDenied
        return super().get_order_note_form()

    # Order-level actions

    def delete_note(self, request: AuthenticatedHttpRequest, order: "OrderType") -> HttpResponse:
        if self.producer_view:
            # Only a note written by one of its own partners' users.
            note_ids = _ids([request.POST.get("note_id", "")])
            own = order_notes_for_user(user=request.user, order=order).filter(
                id__in=note_ids, user__partners__users=request.user
            )
            if not own.exists():
                raise PermissionDenied
        return super().delete_note(request, order)

    def ship(self, request: AuthenticatedHttpRequest, order: "OrderType") -> HttpResponse:
        """The producer ships its lines of the order: carrier and tracking number."""
        producer = order_producer_for_user(user=request.user, order=order)
        if producer is None:
            raise PermissionDenied
        form = ShipmentForm(request.POST)
        if not form.is_valid():
            for name, errors in form.errors.items():
                for error in errors:
                    messages.error(request, f"{capfirst(form.fields[name].label)}: {error}")
            return self.reload_page(fragment="shipments")
        try:
            shipment = order_ship(
                order=order,
                producer=producer,
                carrier=form.cleaned_data["carrier"],
                tracking_number=form.cleaned_data["tracking_number"],
                by=request.user,
            )
        except ValidationError as exc:
            messages_add_errors(request, exc)
            return self.reload_page(fragment="shipments")
        messages.success(
            request,
            _("Shipped with %(carrier)s, tracking number %(tracking_number)s.")
            % {"carrier": shipment.carrier, "tracking_number": shipment.tracking_number},
        )
        return self.reload_page(fragment="shipments")


class LineDetailView(oscar_views.LineDetailView):
    def get_object(self, queryset: QuerySet[Any] | None = None) -> "LineType":
        order = get_order_for_user_or_403(self.request.user, self.kwargs["number"])
        try:
            line = order.lines.get(pk=self.kwargs["line_id"])
        except Line.DoesNotExist:
            raise Http404 from None
        if (
            not order_lines_for_user(user=self.request.user, order=order)
            .filter(pk=line.pk)
            .exists()
        ):
            raise PermissionDenied
        return line


class ShippingAddressUpdateView(oscar_views.ShippingAddressUpdateView):
    def get_object(self, queryset: QuerySet[Any] | None = None) -> "ShippingAddress":
        order = get_order_for_user_or_403(self.request.user, self.kwargs["number"])
        return get_object_or_404(self.model, order=order)


class OrderStatsView(oscar_views.OrderStatsView):
    """A partner user's statistics count its own lines and their amounts only."""

    def get_stats(self, filters: dict[str, Any]) -> dict[str, Any]:
        stats = super().get_stats(filters)
        user = self.request.user
        if user.is_staff:
            return stats
        orders = oscar_views.queryset_orders_for_user(user).filter(**filters)
        lines = Line.objects.filter(order__in=orders, partner__users=user)
        figures = lines.aggregate(count=Count("id"), revenue=Sum("line_price_incl_tax"))
        stats["total_lines"] = figures["count"]
        stats["total_revenue"] = figures["revenue"] or ZERO
        return stats


class ProducerSalesView(TemplateView):
    """Sales figures: order count, units and total of the user's own lines, by product."""

    template_name = "oscar/dashboard/orders/producer_sales.html"
    request: AuthenticatedHttpRequest  # Oscar's dashboard lets only logged-in users in

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["sales"] = partner_sales(user=self.request.user)
        ctx["producer_view"] = not self.request.user.is_staff
        return ctx
