"""Work units (单位) that buy for their canteens, and the people who buy or pay for them.

A unit registers (or staff register it) and staff approve it; its members buy,
pay or administer for it. An approved unit with a canteen files a yearly plan
(its canteen food budget and the share reserved for poverty-relief produce),
orders in bulk (saved order lists), and every order one of its members places
is a ``UnitOrder``: the latest ship date chosen, and the buyer's inspection on
delivery with a rating of each producer.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.money import ZERO, fen


class WorkUnit(models.Model):
    """A work unit (单位): a government office, institution, company or school with a canteen."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government or Party office")
        PUBLIC_INSTITUTION = "public_institution", _("Public institution")
        STATE_COMPANY = "state_company", _("State-owned company")
        SCHOOL = "school", _("School")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied, awaiting review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    has_canteen = models.BooleanField(_("has a canteen"), default=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.APPLIED
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"),
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_("An order paid after delivery is due this many days after it ships."),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Invoice details (开票信息): what the platform's invoices and payment certificates show.
    invoice_title = models.CharField(_("invoice title"), max_length=128, blank=True)
    tax_number = models.CharField(_("taxpayer identification number"), max_length=20, blank=True)
    invoice_address = models.CharField(_("registered address"), max_length=255, blank=True)
    invoice_phone = models.CharField(_("telephone"), max_length=32, blank=True)
    invoice_bank = models.CharField(_("bank of the account"), max_length=128, blank=True)
    invoice_account = models.CharField(_("bank account number"), max_length=64, blank=True)
    # 结对帮扶: the county the unit has paired with, whose products its quick order offers first.
    paired_county = models.ForeignKey(
        "impact.Region",
        verbose_name=_("paired county"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="paired_units",
        limit_choices_to={"level": "county"},
        help_text=_("The county the unit has paired with (结对帮扶), if any."),
    )

    class Meta:
        verbose_name = _("work unit")
        verbose_name_plural = _("work units")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(payment_terms_days__gte=1), name="work_unit_terms_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved") | models.Q(approved_at__isnull=False),
                name="work_unit_approval_dated",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def has_invoice_details(self) -> bool:
        return bool(self.invoice_title and self.tax_number)


class WorkUnitStep(models.Model):
    """One step of a unit's review: registered, approved or rejected; who, when, why. Kept for ever."""

    unit = models.ForeignKey(WorkUnit, on_delete=models.PROTECT, related_name="steps")
    status = models.CharField(_("status"), max_length=12, choices=WorkUnit.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, null=True
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("work unit review step")
        verbose_name_plural = _("work unit review steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.status}"


class WorkUnitMember(models.Model):
    """A person who acts for a unit; a user belongs to at most one unit."""

    class Role(models.TextChoices):
        BUYER = "buyer", _("Buyer")
        FINANCE = "finance", _("Finance")
        ADMINISTRATOR = "administrator", _("Administrator")

    unit = models.ForeignKey(
        WorkUnit, verbose_name=_("work unit"), on_delete=models.PROTECT, related_name="members"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="work_unit_membership",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("work unit member")
        verbose_name_plural = _("work unit members")
        ordering = ["unit", "role", "pk"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.unit})"


DEFAULT_RESERVED_SHARE = Decimal("10.00")


class UnitPlan(models.Model):
    """A unit's yearly plan (预留份额): its canteen food budget and the share reserved for it."""

    unit = models.ForeignKey(
        WorkUnit, verbose_name=_("work unit"), on_delete=models.PROTECT, related_name="plans"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    food_budget = models.DecimalField(
        _("canteen food budget (yuan)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(ZERO)],
    )
    reserved_share = models.DecimalField(
        _("reserved share (%)"),
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_RESERVED_SHARE,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("At least 10% of the canteen food budget; 15% is encouraged."),
    )
    paired_amount = models.DecimalField(
        _("planned purchases from the paired county (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
        help_text=_("What the unit plans to buy from its paired county this year, if it has one."),
    )
    filed_on = models.DateField(_("filed on"), default=timezone.localdate)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("yearly plan")
        verbose_name_plural = _("yearly plans")
        ordering = ["unit", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="units_plan_once_a_year"),
            models.CheckConstraint(
                condition=models.Q(food_budget__gte=0), name="units_plan_budget_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(reserved_share__gte=0) & models.Q(reserved_share__lte=100),
                name="units_plan_share_a_percentage",
            ),
            models.CheckConstraint(
                condition=models.Q(paired_amount__isnull=True) | models.Q(paired_amount__gte=0),
                name="units_plan_paired_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}"

    @property
    def reserved_amount(self) -> Decimal:
        """The yuan the unit commits to buy from poverty-relief areas this year, to the fen."""
        return fen(self.food_budget * self.reserved_share / 100)


class UnitOrder(models.Model):
    """An order a member placed for their unit: the unit, who, and the latest ship date chosen."""

    class ShipWithin(models.IntegerChoices):
        WEEK = 7, _("within 7 days")
        FORTNIGHT = 15, _("within 15 days")
        MONTH = 30, _("within 30 days")

    order = models.OneToOneField(
        "order.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="unit_order"
    )
    unit = models.ForeignKey(
        WorkUnit, verbose_name=_("work unit"), on_delete=models.PROTECT, related_name="orders"
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("placed by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    ship_within_days = models.PositiveSmallIntegerField(
        _("ship within (days)"), choices=ShipWithin.choices, default=ShipWithin.MONTH
    )
    ship_by = models.DateField(_("latest ship date"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("unit order")
        verbose_name_plural = _("unit orders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ship_within_days__in=[7, 15, 30]),
                name="units_order_ship_within_choice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.order_id}"


class Inspection(models.Model):
    """The buyer's delivery inspection (验收) of a shipped unit order: once, with a comment."""

    unit_order = models.OneToOneField(
        UnitOrder, verbose_name=_("unit order"), on_delete=models.PROTECT, related_name="inspection"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("received at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("delivery inspection")
        verbose_name_plural = _("delivery inspections")

    def __str__(self) -> str:
        return f"{self.unit_order_id} {self.at:%Y-%m-%d}"


class ProducerRating(models.Model):
    """The inspecting buyer's rating (1–5) of one producer of the order."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="ratings"
    )
    producer = models.ForeignKey(
        "producers.Producer",
        verbose_name=_("producer"),
        on_delete=models.PROTECT,
        related_name="unit_ratings",
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        verbose_name = _("producer rating")
        verbose_name_plural = _("producer ratings")
        ordering = ["inspection", "producer"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "producer"], name="units_rating_once_per_producer"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1) & models.Q(rating__lte=5),
                name="units_rating_one_to_five",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.producer_id}: {self.rating}"


class OrderList(models.Model):
    """A unit's saved order list (常购清单): re-ordered into the basket in one click."""

    unit = models.ForeignKey(
        WorkUnit, verbose_name=_("work unit"), on_delete=models.PROTECT, related_name="order_lists"
    )
    name = models.CharField(_("name"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("order list")
        verbose_name_plural = _("order lists")
        ordering = ["unit", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="units_list_name_once"),
        ]

    def __str__(self) -> str:
        return self.name


class OrderListLine(models.Model):
    order_list = models.ForeignKey(
        OrderList, verbose_name=_("order list"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        "catalogue.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("order list line")
        verbose_name_plural = _("order list lines")
        ordering = ["order_list", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_list", "product"], name="units_list_product_once"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="units_list_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"
