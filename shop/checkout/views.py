"""Checkout fork: choosing how to pay, and placing the order with its payment record.

Everything not defined here is Oscar's own view (``get_class`` falls back to it).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from oscar.apps.checkout import views
from oscar.apps.payment.exceptions import UnableToTakePayment
from oscar.core.loading import get_model

from config.email import email_later
from shop.partner.exceptions import InsufficientStock
from shop.payments.models import OrderPayment
from shop.payments.selectors import MethodOffer, payment_methods_for
from shop.payments.services import PAY_LATER_STATUS, order_payment_open

from .emails import ORDER_PLACED, order_placed_recipient
from .forms import PaymentMethodForm
from .ordering import OrderCreator
from .signals import order_placing

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from oscar.apps.basket.models import Basket
    from oscar.apps.order.models import Order
    from oscar.core.prices import Price

UserAddress = get_model("address", "UserAddress")

logger = logging.getLogger("yixiang.checkout")

SESSION_NAMESPACE = "payment"


class PaymentDetailsView(views.PaymentDetailsView):
    def offers(self) -> list[MethodOffer]:
        if not hasattr(self, "_offers"):
            self._offers = payment_methods_for(user=self.request.user)
        return self._offers

    def chosen_offer(self) -> MethodOffer | None:
        """The method chosen on the payment details page; the only one when there is no choice."""
        offers = {offer.method: offer for offer in self.offers()}
        chosen = self.checkout_session._get(SESSION_NAMESPACE, "method")
        if chosen in offers:
            return offers[chosen]
        if len(offers) == 1:
            return next(iter(offers.values()))
        return None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        offer = self.chosen_offer()
        context["payment_offers"] = self.offers()
        context["payment_offer"] = offer
        context.setdefault(
            "payment_method_form",
            PaymentMethodForm(offers=self.offers(), initial={"method": offer and offer.method}),
        )
        return context

    def handle_payment_details_submission(self, request: HttpRequest) -> HttpResponse:
        form = PaymentMethodForm(request.POST, offers=self.offers())
        if not form.is_valid():
            return self.render_payment_details(request, payment_method_form=form)
        self.checkout_session._set(SESSION_NAMESPACE, "method", form.cleaned_data["method"])
        return self.render_preview(request)

    def get_initial_order_status(self, basket: Basket) -> str | None:
        offer = self.chosen_offer()
        if offer and offer.method == OrderPayment.Method.PAY_LATER:
            return PAY_LATER_STATUS
        return None

    def handle_payment(self, order_number: str, total: Price, **kwargs: Any) -> None:
        # No money moves as the order is placed: Stripe's page, a transfer or the
        # delivery comes after. Only check the method is still open to this buyer.
        offer = self.chosen_offer()
        if offer is None:
            raise UnableToTakePayment(_("Choose how you will pay."))
        self._offer = offer

    def place_order(
        self,
        order_number: str,
        user: User | AnonymousUser,
        basket: Basket,
        shipping_address: Any,
        shipping_method: Any,
        shipping_charge: Price,
        order_total: Price,
        billing_address: Any = None,
        surcharges: Any = None,
        **kwargs: Any,
    ) -> Order:
        # The order, its payment record, what other apps keep about it (the campaign it
        # came from, the work unit it is for: a receiver of ``order_placing`` may refuse
        # the order) and its stock allocation are written together or not at all. The
        # stock comes last: its UPDATEs lock the rows of what is bought until the commit
        # right after them, so buyers of a product everyone wants queue for one statement,
        # not for the whole order. Oscar's mixin, with our OrderCreator and those steps.
        creator = OrderCreator()
        with transaction.atomic():
            shipping_address = self.create_shipping_address(user, shipping_address)
            billing_address = self.create_billing_address(
                user, billing_address, shipping_address, **kwargs
            )
            if "status" in kwargs:
                status = kwargs.pop("status")
            else:
                status = self.get_initial_order_status(basket)
            request = kwargs.pop("request") if "request" in kwargs else self.request
            order = creator.place_order(
                user=user,
                order_number=order_number,
                basket=basket,
                shipping_address=shipping_address,
                shipping_method=shipping_method,
                shipping_charge=shipping_charge,
                total=order_total,
                billing_address=billing_address,
                status=status,
                request=request,
                surcharges=surcharges,
                **kwargs,
            )
            self.save_payment_details(order)
            order_payment_open(
                order=order, method=self._offer.method, terms_days=self._offer.terms_days
            )
            order_placing.send(sender=type(self), order=order, request=self.request)
            creator.allocate_stock()
        return order

    def handle_order_placement(
        self,
        order_number: str,
        user: User | AnonymousUser,
        basket: Basket,
        *args: Any,
        **kwargs: Any,
    ) -> HttpResponse:
        try:
            return super().handle_order_placement(order_number, user, basket, *args, **kwargs)
        except InsufficientStock as exc:
            # Lost the race for the last units: a clear message, no order, the basket back.
            logger.info("Order %s: sold out (%s)", order_number, exc)
            self.restore_frozen_basket()
            return self.render_preview(self.request, error=str(exc))

    def send_order_placed_email(self, order: Order) -> None:
        """The confirmation goes to the outbox as a row the e-mail worker writes and sends
        (shop/checkout/emails.py): this request renders no e-mail templates."""
        recipient = order_placed_recipient(order)
        if not recipient:
            logger.warning("Order %s: no e-mail address to confirm it to", order.number)
            return
        email_later(
            renderer=ORDER_PLACED,
            params={"order_id": order.pk, "language": get_language()},
            recipients=recipient,
        )

    def handle_successful_order(self, order: Order) -> HttpResponse:
        self._placed_order = order
        return super().handle_successful_order(order)

    def get_success_url(self) -> str:
        order = getattr(self, "_placed_order", None)
        if order is not None and self._offer.method == OrderPayment.Method.STRIPE:
            return reverse("payments:stripe-pay", kwargs={"number": order.number})
        return super().get_success_url()


class ShippingAddressView(views.ShippingAddressView):
    """Oscar's, with the buyer's saved addresses offered as one choice, the default chosen."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        addresses = list(ctx.get("addresses") or ())
        chosen = self.checkout_session.shipping_user_address_id()
        ctx["addresses"] = addresses
        ctx["chosen_address_id"] = chosen or next(
            (a.pk for a in addresses if a.is_default_for_shipping),
            addresses[0].pk if addresses else None,
        )
        return ctx

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and "address_id" in request.POST:
            # Oscar answers an unknown or another buyer's address with a server error.
            address_id = request.POST["address_id"]
            if (
                not address_id.isdigit()
                or not UserAddress.objects.filter(pk=address_id, user=request.user).exists()
            ):
                raise Http404
        return super().post(request, *args, **kwargs)
