"""The site's pages: home, producer stories, news, and the livestream campaigns' pages.

A campaign's other rows (hosts, producers, products, live controls, sharers,
orders) and everything campaigns do live in ``cms/campaigns/``, which these
pages build on and which never imports this module; its models are imported
here, so they are the ``cms`` app's models like the pages.
"""

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from .campaigns.forms import CampaignPageForm
from .campaigns.models import (
    CODE_ALPHABET,
    CODE_PATTERN,
    CODE_VALIDATOR,
    CampaignHost,
    CampaignLive,
    CampaignOrder,
    CampaignOrderLine,
    CampaignProducer,
    CampaignProduct,
    CampaignSharer,
)
from .campaigns.offers import CampaignPriceBenefit
from .campaigns.pagecache import CSRF_PLACEHOLDER, PERSONAL_LOAD_PLACEHOLDER, campaign_page_serve
from .campaigns.selectors import campaign_page_context, campaigns_by_state, campaigns_now_and_next
from .campaigns.services import campaign_code_new, campaign_code_taken
from .choosers import product_chooser_viewset
from .selectors import home_featured_products, producer_products

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "CODE_ALPHABET",
    "CODE_PATTERN",
    "CampaignHost",
    "CampaignIndexPage",
    "CampaignLive",
    "CampaignOrder",
    "CampaignOrderLine",
    "CampaignPage",
    "CampaignPriceBenefit",
    "CampaignProducer",
    "CampaignProduct",
    "CampaignSharer",
    "HomePage",
    "HomePageFeaturedProduct",
    "NewsIndexPage",
    "NewsPage",
    "StoryIndexPage",
    "StoryPage",
]


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

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context["featured_products"] = home_featured_products(page=self)
        context["stories"] = (
            StoryPage.objects.live()
            .public()
            .select_related("producer", "image")
            .order_by("-first_published_at")[:3]
        )
        context["news"] = NewsPage.objects.live().public().order_by("-date")[:4]
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

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
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

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
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

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
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
# The campaign's page holds its editorial content, under revisions and moderation;
# the rest of a campaign (the host's controls, sharers, orders) is in cms/campaigns/.


class CampaignIndexPage(Page):
    """Where campaigns live: lists the live, upcoming and past ones."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["cms.CampaignPage"]
    parent_page_types = ["cms.HomePage"]
    max_count = 1

    class Meta:
        verbose_name = _("livestream campaigns index")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context.update(campaigns_by_state(index=self))
        return context


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
        validators=[CODE_VALIDATOR],
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
        errors: dict[str, StrOrPromise] = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The stream must end after it starts.")
        self.code = (self.code or "").strip().upper()
        if self.code and campaign_code_taken(code=self.code, campaign_id=self.pk):
            errors["code"] = _("This code is already used by another campaign or sharer.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.code:
            self.code = campaign_code_new()
        super().save(*args, **kwargs)

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context.update(campaign_page_context(campaign=self))
        if getattr(request, "yx_csrf_placeholder", False):
            # Rendered for the shared page cache: each answer puts its visitor's token here,
            # and whether their own account links and basket are to be fetched.
            context["csrf_token"] = CSRF_PLACEHOLDER
            context["personal_load"] = PERSONAL_LOAD_PLACEHOLDER
        return context

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return campaign_page_serve(
            page=self, request=request, serve=lambda: super(CampaignPage, self).serve(request)
        )
