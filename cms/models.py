from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from .choosers import product_chooser_viewset
from .offers import CampaignPriceBenefit  # noqa: F401  (registers the proxy model)
from .selectors import home_featured_products


class HomePage(Page):
    """The site's front page: banner, featured products, campaigns, stories and news."""

    banner_title = models.CharField(_("banner title"), max_length=120)
    banner_text = models.CharField(_("banner text"), max_length=255, blank=True)
    banner_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("banner image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("banner_title"), FieldPanel("banner_text"), FieldPanel("banner_image")],
            heading=_("Banner"),
        ),
        FieldPanel("intro"),
        InlinePanel("featured_products", label=_("Featured products")),
    ]

    subpage_types = ["cms.StoryIndexPage", "cms.NewsIndexPage", "cms.CampaignIndexPage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context["featured_products"] = home_featured_products(page=self)
        context["stories"] = (
            StoryPage.objects.live()
            .public()
            .select_related("producer", "image")
            .order_by("-first_published_at")[:3]
        )
        context["news"] = NewsPage.objects.live().public().order_by("-date")[:4]
        from .selectors import campaigns_now_and_next

        context["campaigns"] = campaigns_now_and_next()
        return context


class HomePageFeaturedProduct(Orderable):
    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_products")
    product = models.ForeignKey(
        "catalogue.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="+",
    )

    panels = [FieldPanel("product", widget=product_chooser_viewset.widget_class)]

    class Meta(Orderable.Meta):
        verbose_name = _("featured product")


class StoryIndexPage(Page):
    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["cms.StoryPage"]
    parent_page_types = ["cms.HomePage"]
    max_count = 1

    class Meta:
        verbose_name = _("producer stories index")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context["stories"] = (
            StoryPage.objects.child_of(self)
            .live()
            .public()
            .select_related("producer__region__parent", "image")
            .order_by("-first_published_at")
        )
        return context


class StoryPage(Page):
    """A producer's story: who they are, where they farm, whom they employ."""

    producer = models.ForeignKey(
        "producers.Producer",
        verbose_name=_("producer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stories",
    )
    intro = models.CharField(_("summary"), max_length=255)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = RichTextField(_("story"))

    content_panels = Page.content_panels + [
        FieldPanel("producer"),
        FieldPanel("intro"),
        FieldPanel("image"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["cms.StoryIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("producer story")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict:
        context = super().get_context(request, *args, **kwargs)
        from .selectors import producer_products

        context["products"] = producer_products(producer=self.producer) if self.producer else []
        return context


class NewsIndexPage(Page):
    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["cms.NewsPage"]
    parent_page_types = ["cms.HomePage"]
    max_count = 1

    class Meta:
        verbose_name = _("news index")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context["articles"] = NewsPage.objects.child_of(self).live().public().order_by("-date")
        return context


class NewsPage(Page):
    date = models.DateField(_("date"))
    intro = models.CharField(_("summary"), max_length=255)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = RichTextField(_("body"))

    content_panels = Page.content_panels + [
        FieldPanel("date"),
        FieldPanel("intro"),
        FieldPanel("image"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("news article")


# ---------------------------------------------------------------------- livestream campaigns
#
# Editorial content (title, hosts, schedule, products, campaign prices) lives on
# the page and goes through revisions and moderation. What the host changes
# during the stream (pause, end, products on and off sale, the pinned product)
# lives in ``CampaignLive``, outside the page's revisions, so that it applies at
# once and a later publication never turns it back. Sharers and the orders a
# campaign brought are plain rows too: they must outlive any edit of the page.

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{2,31}$"


class CampaignIndexPage(Page):
    """Where campaigns live: lists the live, upcoming and past ones."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["cms.CampaignPage"]
    parent_page_types = ["cms.HomePage"]
    max_count = 1

    class Meta:
        verbose_name = _("livestream campaigns index")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict:
        from .selectors import campaigns_by_state

        context = super().get_context(request, *args, **kwargs)
        context.update(campaigns_by_state(index=self))
        return context


class CampaignPageForm(WagtailAdminPageForm):
    """The editor's form: codes are written upper case."""

    def clean_code(self) -> str:
        return (self.cleaned_data.get("code") or "").strip().upper()


class CampaignPage(Page):
    """A livestream sale (直播带货): who hosts it, where, when, and what it sells."""

    class Platform(models.TextChoices):
        DOUYIN = "douyin", _("Douyin")
        CHANNELS = "channels", _("WeChat Channels")
        KUAISHOU = "kuaishou", _("Kuaishou")
        OWN = "own", _("Our own page")

    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    stream_url = models.URLField(
        _("stream link"),
        blank=True,
        help_text=_("Where viewers watch the stream (the live room's link)."),
    )
    replay_url = models.URLField(
        _("replay link"), blank=True, help_text=_("Shown once the stream has ended.")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    summary = models.CharField(_("summary"), max_length=255, blank=True)
    intro = RichTextField(_("introduction"), blank=True)
    code = models.CharField(
        _("campaign code"),
        max_length=32,
        unique=True,
        blank=True,
        validators=[
            RegexValidator(
                CODE_PATTERN,
                _("3 to 32 letters, digits or hyphens, starting with a letter or digit."),
            )
        ],
        help_text=_(
            "Orders placed after a visit through this code count for the campaign. "
            "Leave empty to have one made for you."
        ),
    )

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("platform"), FieldPanel("stream_url"), FieldPanel("replay_url")],
            heading=_("Where"),
        ),
        MultiFieldPanel([FieldPanel("starts_at"), FieldPanel("ends_at")], heading=_("When")),
        InlinePanel("hosts", label=_("Hosts"), min_num=1),
        FieldPanel("cover_image"),
        FieldPanel("summary"),
        FieldPanel("intro"),
        InlinePanel("producers", label=_("Producers")),
        InlinePanel("products", label=_("Featured products")),
        FieldPanel("code"),
    ]
    base_form_class = CampaignPageForm
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("intro")]
    parent_page_types = ["cms.CampaignIndexPage"]
    subpage_types: list[str] = []
    exclude_fields_in_copy = ["code"]

    class Meta:
        verbose_name = _("livestream campaign")
        verbose_name_plural = _("livestream campaigns")

    def clean_fields(self, exclude: Any = None) -> None:
        self.code = (self.code or "").strip().upper()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        super().clean()
        from .services import campaign_code_taken

        errors: dict[str, str] = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The stream must end after it starts.")
        self.code = (self.code or "").strip().upper()
        if self.code and campaign_code_taken(code=self.code, campaign_id=self.pk):
            errors["code"] = _("This code is already used by another campaign or sharer.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.code:
            from .services import campaign_code_new

            self.code = campaign_code_new()
        super().save(*args, **kwargs)

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict:
        from .pagecache import CSRF_PLACEHOLDER
        from .selectors import campaign_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(campaign_page_context(campaign=self))
        if getattr(request, "yx_csrf_placeholder", False):
            # Rendered for the anonymous page cache: each answer puts its visitor's token here.
            context["csrf_token"] = CSRF_PLACEHOLDER
        return context

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        from .pagecache import campaign_page_serve

        return campaign_page_serve(
            page=self, request=request, serve=lambda: super(CampaignPage, self).serve(request)
        )


class CampaignHost(Orderable):
    """Who hosts the stream (主播): a cadre, a producer, a student volunteer."""

    page = ParentalKey(CampaignPage, on_delete=models.CASCADE, related_name="hosts")
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
    page = ParentalKey(CampaignPage, on_delete=models.CASCADE, related_name="producers")
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

    page = ParentalKey(CampaignPage, on_delete=models.CASCADE, related_name="products")
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
        from .services import product_shop_price

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
        CampaignPage, on_delete=models.CASCADE, related_name="live_state", primary_key=True
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
    off_sale_products = models.ManyToManyField(
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
        CampaignPage, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="sharers"
    )
    name = models.CharField(_("name"), max_length=64)
    role = models.CharField(
        _("sharer role"), max_length=16, choices=Role.choices, default=Role.VOLUNTEER
    )
    code = models.CharField(
        _("sharer code"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(
                CODE_PATTERN,
                _("3 to 32 letters, digits or hyphens, starting with a letter or digit."),
            )
        ],
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
        CampaignPage, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="orders"
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
