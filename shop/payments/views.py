"""The buyer's Stripe payment page and Stripe's webhook."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

import stripe
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oscar.core.loading import get_model

from .models import OrderPayment
from .services import order_stripe_intent, stripe_event_record
from .stripe_api import stripe_enabled, webhook_signed_in_future

if TYPE_CHECKING:
    from oscar.apps.order.models import Order as OrderType

logger = logging.getLogger("yixiang.payments")

Order = get_model("order", "Order")


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Verify the signature on the raw body, then store and act on the event exactly once."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        return HttpResponseBadRequest("Stripe is not configured.")
    payload = request.body
    header = request.headers.get("Stripe-Signature", "")
    try:
        stripe.Webhook.construct_event(
            payload.decode("utf-8"),
            header,
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=settings.STRIPE_WEBHOOK_TOLERANCE,
        )
        # The SDK refuses only the past; a timestamp as far in the future is refused too.
        if webhook_signed_in_future(header, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE):
            raise stripe.SignatureVerificationError("Timestamp in the future", header)
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as exc:
        logger.warning("Stripe webhook refused: %s", exc)
        return HttpResponseBadRequest("Invalid signature or payload.")
    try:
        outcome = stripe_event_record(event=event)
    except Exception:
        # Nothing was stored: Stripe sends the event again later.
        logger.exception("Stripe event %s failed", event.get("id"))
        return HttpResponse("Processing failed; please retry.", status=500)
    return HttpResponse(outcome)


def _buyer_order(request: HttpRequest, number: str) -> OrderType:
    order = get_object_or_404(Order.objects.select_related("payment"), number=number)
    own = request.user.is_authenticated and order.user_id == request.user.pk
    just_placed = request.session.get("checkout_order_id") == order.pk
    if not (own or just_placed):
        raise Http404
    return order


def stripe_pay(request: HttpRequest, number: str) -> HttpResponse:
    """Stripe's Payment Element for an order placed as awaiting payment."""
    order = _buyer_order(request, number)
    payment = getattr(order, "payment", None)
    if payment is None or payment.method != OrderPayment.Method.STRIPE or not stripe_enabled():
        raise Http404
    if payment.state != OrderPayment.State.PENDING:
        return redirect("payments:stripe-return", number=order.number)
    intent = order_stripe_intent(order=order)
    return render(
        request,
        "payments/stripe_pay.html",
        {
            "order": order,
            "payment": payment,
            "client_secret": intent["client_secret"],
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "stripe_js_url": settings.STRIPE_JS_URL,
            "return_url": request.build_absolute_uri(
                reverse("payments:stripe-return", kwargs={"number": order.number})
            ),
        },
    )


def stripe_return(request: HttpRequest, number: str) -> HttpResponse:
    """Where Stripe sends the buyer back. Not proof of payment: the page shows what the webhook said."""
    order = _buyer_order(request, number)
    request.session["checkout_order_id"] = order.pk
    return redirect("checkout:thank-you")
