"""A campaign's rows besides its page: hosts, producers, products, live controls, sharers, orders.

Editorial content (title, hosts, schedule, products, campaign prices) lives on
the page and goes through revisions and moderation. What the host changes
during the stream (pause, end, products on and off sale, the pinned product)
lives in ``CampaignLive``, outside the page's revisions, so that it applies at
once and a later publication never turns it back. Sharers and the orders a
campaign brought are plain rows too: they must outlive any edit of the page.

These models belong to the ``cms`` app (same label, same tables): ``cms/models.py``
imports them with the pages. They point at the page by name, ``"cms.CampaignPage"``,
because the page is defined in ``cms/models.py``, which builds on this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel
from wagtail.models import Orderable
from wagtail.query import PageQuerySet

from cms.choosers import product_chooser_viewset
from shop.selectors import product_shop_price

if TYPE_CHECKING:
    from oscar.apps.catalogue.models import Product

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{2,31}$"
CODE_VALIDATOR = RegexValidator(
    CODE_PATTERN, _("3 to 32 letters, digits or hyphens, starting with a letter or digit.")
)


class CampaignHost(Orderable):
    """Who hosts the stream (主播): a cadre, a producer, a student volunteer."""

    page = ParentalKey("cms.CampaignPage", on_delete=models.CASCADE, related_name="hosts")
    name = models.CharField(_("name"), max_length=64)
    title = models.CharField(
        _("host's title"), max_length=128, blank=True, help_text=_("e.g. deputy district head")
    )

    panels = [FieldPanel("name"), FieldPanel("title")]

    class Meta(Orderable.Meta):
        verbose_name = _("host")
        verbose_name_plural = _("hosts")

    def __str__(self) -> str:
        return f"{self.title} {self.name}".strip()


class CampaignProducer(Orderable):
    page = ParentalKey("cms.CampaignPage", on_delete=models.CASCADE, related_name="producers")
    producer = models.ForeignKey(
        "producers.Producer",
        verbose_name=_("producer"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )

    panels = [FieldPanel("producer")]

    class Meta(Orderable.Meta):
        verbose_name = _("producer")
        verbose_name_plural = _("producers")


class CampaignProduct(Orderable):
    """A product the stream sells, with its campaign price (直播价) while the stream is live."""

    page = ParentalKey("cms.CampaignPage", on_delete=models.CASCADE, related_name="products")
    product = models.ForeignKey(
        "catalogue.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    campaign_price = models.DecimalField(
        _("campaign price"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The price while the stream is live; empty: the shop's price."),
    )

    panels = [
        FieldPanel("product", widget=product_chooser_viewset.widget_class),
        FieldPanel("campaign_price"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("featured product")
        verbose_name_plural = _("featured products")

    def clean(self) -> None:
        super().clean()
        if not self.product_id:
            return
        price = product_shop_price(product=self.product)
        if price is None:
            raise ValidationError(
                {
                    "product": _(
                        "This product is not on sale in the shop, so a stream cannot sell it."
                    )
                }
            )
        if self.campaign_price is not None:
            if self.campaign_price <= 0:
                raise ValidationError({"campaign_price": _("A campaign price must be above zero.")})
            if self.campaign_price > price:
                raise ValidationError(
                    {
                        "campaign_price": _(
                            "The campaign price cannot be above the shop's price, ¥%(price)s."
                        )
                        % {"price": price}
                    }
                )


class CampaignLive(models.Model):
    """What the host does during the stream: pause, end, products on and off sale, the pin.

    Outside the page's revisions on purpose: it applies at once, without review,
    and publishing a new revision of the page never undoes it.
    """

    campaign = models.OneToOneField(
        "cms.CampaignPage", on_delete=models.CASCADE, related_name="live_state", primary_key=True
    )
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended early at"), null=True, blank=True)
    pinned_product = models.ForeignKey(
        "catalogue.Product",
        verbose_name=_("pinned product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    off_sale_products: models.ManyToManyField[Product, Any] = models.ManyToManyField(
        "catalogue.Product", verbose_name=_("products taken off sale"), blank=True, related_name="+"
    )
    offer = models.OneToOneField(
        "offer.ConditionalOffer",
        verbose_name=_("campaign price offer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaign_live",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("live controls")
        verbose_name_plural = _("live controls")

    def __str__(self) -> str:
        return str(self.campaign_id)


class CampaignSharer(models.Model):
    """A sharer (分享员) with their own code and link: a cadre, a volunteer, a shop assistant."""

    class Role(models.TextChoices):
        CADRE = "cadre", _("Government cadre")
        VOLUNTEER = "volunteer", _("Volunteer")
        SHOP_ASSISTANT = "shop_assistant", _("Shop assistant")
        OTHER = "other", _("Other")

    campaign = models.ForeignKey(
        "cms.CampaignPage",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="sharers",
    )
    name = models.CharField(_("name"), max_length=64)
    role = models.CharField(
        _("sharer role"), max_length=16, choices=Role.choices, default=Role.VOLUNTEER
    )
    code = models.CharField(
        _("sharer code"), max_length=32, unique=True, validators=[CODE_VALIDATOR]
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("sharer")
        verbose_name_plural = _("sharers")
        ordering = ["campaign", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CampaignOrder(models.Model):
    """An order placed in a session that came through a campaign's or a sharer's code."""

    order = models.OneToOneField(
        "order.Order",
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        related_name="campaign_order",
    )
    campaign = models.ForeignKey(
        "cms.CampaignPage",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    sharer = models.ForeignKey(
        CampaignSharer,
        verbose_name=_("sharer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("campaign order")
        verbose_name_plural = _("campaign orders")
        indexes = [models.Index(fields=["campaign", "sharer"], name="cms_campaign_order_sharer")]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.order_id}"


class CampaignOrderLine(models.Model):
    """An order line credited to a campaign: one of the campaign's own featured products.

    Written with the ``CampaignOrder`` as the order is placed, and only then:
    the other lines of the same order are not the campaign's sales, and a
    product featured later does not reach back into orders already placed.
    """

    campaign_order = models.ForeignKey(
        CampaignOrder,
        verbose_name=_("campaign order"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    # The campaign again, so that reports reach it from the line in one join.
    campaign = models.ForeignKey(
        "cms.CampaignPage",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="credited_lines",
    )
    line = models.OneToOneField(
        "order.Line",
        verbose_name=_("order line"),
        on_delete=models.PROTECT,
        related_name="campaign_line",
    )

    class Meta:
        verbose_name = _("campaign order line")
        verbose_name_plural = _("campaign order lines")

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.line_id}"


def campaign_pages() -> PageQuerySet:
    """Every campaign page (``cms.CampaignPage``), to find one by its code or id.

    The page class is reached through the key that points at it from this
    package, as the key names it: this package never imports ``cms/models.py``,
    which builds on it.
    """
    page_model = CampaignLive._meta.get_field("campaign").related_model
    return page_model._default_manager.all()
