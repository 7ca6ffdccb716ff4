"""Oscar's order views, tightened for producers, plus fulfilment and sales figures.

A partner user (a producer's user) gets 403, not 404, for an order or a line
that exists but is not theirs; on an order shared with other producers it sees
and acts on its own lines only, and ships them with carrier and tracking number.
"""

from collections.abc import Iterable
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
from oscar.apps.order.exceptions import InvalidShippingEvent
from oscar.apps.order.processing import EventHandler
from oscar.apps.payment.exceptions import PaymentError
from oscar.core.loading import get_model

from common.forms import messages_add_errors
from common.money import ZERO
from common.spreadsheets import Sheet, spreadsheet_bytes, spreadsheet_response
from config.http import AuthenticatedHttpRequest
from producers.services import order_ship
from shop.checkout.forms import ShippingAddressForm
from shop.order_status import order_status_name
from shop.payments.services import (
    PAYMENT_STATUSES,
    order_lines_status_change,
    order_payment_event_refuse,
    order_shipping_check,
    order_shipping_refusal,
    order_status_change,
    order_statuses_settable,
)

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
OrderNote = get_model("order", "OrderNote")


class OrderEventHandler(EventHandler):
    """Oscar's order events, with payment state left to the payments services.

    Every dashboard path that changes an order's status (the order page, the order
    list's bulk action) goes through ``order_status_change``, which refuses payment
    statuses; a shipping event waits for payment as the producer's ship form does;
    Oscar's payment events are refused (money is recorded by ``shop.payments`` only).
    """

    def handle_order_status_change(
        self, order: "OrderType", new_status: str, note_msg: str | None = None
    ) -> None:
        try:
            order_status_change(order=order, new_status=new_status, by=self.user)
        except ValidationError as exc:
            raise PaymentError(" ".join(exc.messages)) from exc
        if note_msg:
            self.create_note(order, note_msg)

    def handle_shipping_event(self, order: "OrderType", *args: Any, **kwargs: Any) -> Any:
        try:
            order_shipping_check(order=order)
        except ValidationError as exc:
            raise InvalidShippingEvent(" ".join(exc.messages)) from exc
        return super().handle_shipping_event(order, *args, **kwargs)

    def handle_payment_event(self, order: "OrderType", *args: Any, **kwargs: Any) -> Any:
        try:
            order_payment_event_refuse()
        except ValidationError as exc:
            raise PaymentError(" ".join(exc.messages)) from exc


def _order_status_change_said(
    view: Any, request: AuthenticatedHttpRequest, order: "OrderType", new_status: str
) -> None:
    """Change the status through the view's handler; tell the user and note it, in Chinese."""
    old_status = order.status
    handler = view.get_handler(user=request.user)
    message = _("Order status changed from '%(old_status)s' to '%(new_status)s'") % {
        "old_status": order_status_name(old_status),
        "new_status": order_status_name(new_status),
    }
    try:
        handler.handle_order_status_change(order, new_status, note_msg=message)
    except PaymentError as exc:
        messages.error(request, _("Unable to change order status due to payment error: %s") % exc)
        return
    messages.info(request, message)


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
    handler_class = OrderEventHandler

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
        # The bulk "change status" offers no payment status: those follow the payment.
        ctx["order_statuses"] = [s for s in ctx["order_statuses"] if s not in PAYMENT_STATUSES]
        return ctx

    def get_search_filter_descriptions(self) -> list[str]:
        """Oscar's descriptions, with the status filter's status named in Chinese."""
        descriptions = super().get_search_filter_descriptions()
        status = (getattr(self.form, "cleaned_data", None) or {}).get("status")
        if not status:
            return descriptions
        english = _("Order status is {order_status}").format(order_status=status)
        named = _("Order status is {order_status}").format(order_status=order_status_name(status))
        return [named if d == english else d for d in descriptions]

    def change_order_status(self, request: AuthenticatedHttpRequest, order: "OrderType") -> None:
        """Oscar's bulk status change, through ``order_status_change``, said in Chinese."""
        new_status = request.POST.get("new_status", "").strip()
        if new_status not in order_statuses_settable(order=order):
            messages.error(
                request,
                _("Order %(number)s: “%(status)s” cannot be set here.")
                % {"number": order.number, "status": order_status_name(new_status)},
            )
            return
        _order_status_change_said(self, request, order, new_status)

    def download_selected_orders(
        self, request: AuthenticatedHttpRequest, orders: Iterable["OrderType"]
    ) -> HttpResponse:
        """Oscar's CSV of the orders, written by the project's spreadsheet writer (formula guard)."""
        columns = list(self.CSV_COLUMNS)
        sheet = Sheet(
            "orders",
            [str(label) for label in self.CSV_COLUMNS.values()],
            ([self.get_row_values(order).get(c, "") for c in columns] for order in orders),
        )
        return spreadsheet_response(
            spreadsheet_bytes([sheet], fmt="csv"),
            fmt="csv",
            filename=self.get_download_filename(request),
        )

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
    handler_class = OrderEventHandler

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
        # Shipping (the ship form, Oscar's shipping events) waits for payment.
        ctx["shipping_refusal"] = order_shipping_refusal(order=self.object)
        ctx["line_statuses"] = [s for s in ctx["line_statuses"] if s not in PAYMENT_STATUSES]
        return ctx

    def change_order_status(
        self, request: AuthenticatedHttpRequest, order: "OrderType"
    ) -> HttpResponse:
        """Oscar's status form, through ``order_status_change``, said in Chinese."""
        form = self.get_order_status_form()
        if not form.is_valid():
            return self.reload_page(error=_("Invalid form submission"))
        _order_status_change_said(self, request, order, form.cleaned_data["new_status"])
        return self.reload_page()

    def get_order_status_form(self) -> Any:
        form = super().get_order_status_form()
        # Only the statuses staff may set by hand: payment statuses follow the payment.
        settable = order_statuses_settable(order=self.object)
        form.fields["new_status"].choices = [
            (value, label)
            for value, label in form.fields["new_status"].choices
            if value in settable
        ]
        return form

    def get_order_note_form(self) -> "OrderNoteForm":
        note_id = self.kwargs.get("note_id")
        if self.producer_view and note_id:
            notes = order_notes_for_user(user=self.request.user, order=self.object)
            if not notes.filter(id=note_id, user__partners__users=self.request.user).exists():
                raise PermissionDenied
        return super().get_order_note_form()

    # Order-level actions

    def create_order_payment_event(
        self, request: AuthenticatedHttpRequest, order: "OrderType"
    ) -> HttpResponse:
        return self._payment_event_refused(request)

    def create_payment_event(
        self, request: AuthenticatedHttpRequest, order: "OrderType", lines: Any, quantities: Any
    ) -> HttpResponse:
        return self._payment_event_refused(request)

    def _payment_event_refused(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        try:
            order_payment_event_refuse()
        except ValidationError as exc:
            messages_add_errors(request, exc)
        return self.reload_page()

    def change_line_statuses(
        self, request: AuthenticatedHttpRequest, order: "OrderType", lines: Any, quantities: Any
    ) -> HttpResponse:
        """Oscar's line status action, through the payments services: no payment status by hand."""
        new_status = request.POST.get("new_status", "").strip()
        try:
            changed = order_lines_status_change(
                order=order, lines=lines, new_status=new_status, by=request.user
            )
        except ValidationError as exc:
            messages_add_errors(request, exc)
            return self.reload_page()
        if changed:
            message = "\n".join(
                _("Status of line #%(line_id)d changed from '%(old_status)s' to '%(new_status)s'")
                % {
                    "line_id": line.pk,
                    "old_status": order_status_name(old),
                    "new_status": order_status_name(new_status),
                }
                for line, old in changed
            )
            messages.info(request, message)
            order.notes.create(user=request.user, message=message, note_type=OrderNote.SYSTEM)
        return self.reload_page()

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
    form_class = ShippingAddressForm  # the Chinese address, as at checkout

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
