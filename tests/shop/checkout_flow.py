"""A guest's way through Oscar's checkout views, up to the order preview.

Tests call ``checkout_to_preview`` and then decide what happens at the end:
POST ``reverse("checkout:preview")`` with ``{"action": "place_order"}``.
"""

from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")

ADDRESS = {
    "last_name": "李四",
    "line1": "红土地镇花沟村 12 号",
    "line4": "昆明市",
    "state": "云南省",
    "postcode": "654100",
    "phone_number": "13800138000",
    "country": "CN",
}


def basket_add(client: Client, *, upc: str, quantity: int) -> None:
    product = Product.objects.get(upc=upc)
    response = client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": quantity})
    assert response.status_code == 302, response.content.decode()[:2000]


def checkout_to_preview(
    client: Client, *, upc: str | None, quantity: int = 1, email: str = "guest@example.com"
):
    """Put `quantity` of `upc` in the client's basket (None: keep the basket as it is),
    check out as the guest `email` with a Kunming address, and return the preview page."""
    if upc is not None:
        basket_add(client, upc=upc, quantity=quantity)
    response = client.post(reverse("checkout:index"), {"username": email, "options": "anonymous"})
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(reverse("checkout:shipping-address"), ADDRESS)
    assert response.status_code == 302, response.context["form"].errors
    # One shipping method and one way to pay: Oscar walks through to the payment details.
    payment = client.get(reverse("checkout:shipping-method"), follow=True)
    assert payment.status_code == 200
    assert payment.redirect_chain[-1][0] == reverse("checkout:payment-details")
    # Where the buyer chooses how to pay, the preview is reached by posting the choice.
    data = {}
    form = payment.context.get("payment_method_form")
    if form is not None:
        data["method"] = form.initial.get("method") or form.fields["method"].choices[0][0]
    preview = client.post(reverse("checkout:preview"), data)
    assert preview.status_code == 200, preview.content.decode()[:2000]
    assert 'id="place_order_form"' in preview.content.decode()
    return preview
