"""A buyer's way through Oscar's checkout views, up to the order preview.

Tests call ``checkout_to_preview`` (or ``checkout_to_payment`` and ``preview_post``,
to look at the payment details or choose how to pay) and then decide what happens at
the end: POST ``reverse("checkout:preview")`` with ``{"action": "place_order"}``.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")

# The Chinese address form (shop/address/forms.py): 省/市/区 by division code.
ADDRESS = {
    "last_name": "李四",
    "phone_number": "13800138000",
    "province": "530000",  # 云南省
    "city": "530100",  # 昆明市
    "district": "530113",  # 东川区
    "line1": "红土地镇花沟村 12 号",
    "postcode": "654100",
}


def basket_add(client: Client, *, upc: str, quantity: int) -> None:
    product = Product.objects.get(upc=upc)
    response = client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": quantity})
    assert response.status_code == 302, response.content.decode()[:2000]


def checkout_to_payment(client: Client, *, email: str | None = "guest@example.com") -> HttpResponse:
    """Check out the client's basket as the guest ``email`` (None: the client is logged in)
    with a Kunming address, and return the payment details page."""
    if email is not None:
        response = client.post(
            reverse("checkout:index"), {"username": email, "options": "anonymous"}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(reverse("checkout:shipping-address"), ADDRESS)
    assert response.status_code == 302, response.context["form"].errors
    # One shipping method: Oscar walks through to the payment details.
    payment = client.get(reverse("checkout:shipping-method"), follow=True)
    assert payment.status_code == 200
    assert payment.redirect_chain[-1][0] == reverse("checkout:payment-details")
    return payment


def preview_post(client: Client, *, method: str | None) -> HttpResponse:
    """Post the way to pay (None: where there is no choice) and return the order preview."""
    preview = client.post(reverse("checkout:preview"), {} if method is None else {"method": method})
    assert preview.status_code == 200, preview.content.decode()[:2000]
    assert 'id="place_order_form"' in preview.content.decode()
    return preview


def checkout_to_preview(
    client: Client, *, upc: str | None, quantity: int = 1, email: str = "guest@example.com"
) -> HttpResponse:
    """Put `quantity` of `upc` in the client's basket (None: keep the basket as it is),
    check out as the guest `email` with a Kunming address, and return the preview page."""
    if upc is not None:
        basket_add(client, upc=upc, quantity=quantity)
    payment = checkout_to_payment(client, email=email)
    # Where the buyer chooses how to pay, the preview is reached by posting the choice.
    form = payment.context.get("payment_method_form")
    method = None
    if form is not None:
        method = form.initial.get("method") or form.fields["method"].choices[0][0]
    return preview_post(client, method=method)


def order_place(client: Client) -> HttpResponse:
    """Press "place order" on the preview; the redirect to the thank-you page."""
    response = client.post(reverse("checkout:preview"), {"action": "place_order"})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response
