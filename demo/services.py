"""Loading the demo data. Every step looks up before it creates, so a second run changes nothing."""

import datetime
import random
import shutil
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site as DjangoSite
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from oscar.core.loading import get_model
from stdnum.cn import uscc
from stdnum.iso7064 import mod_11_2
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Collection, Locale, Page, Site

from cms.models import (
    HomePage,
    HomePageFeaturedProduct,
    NewsIndexPage,
    NewsPage,
    StoryIndexPage,
    StoryPage,
)
from common.accounts import user_mobile, user_mobile_set
from common.money import ZERO, fen
from common.roles import Role, platform_groups_ensure
from impact.ledger.services import attribution_run
from impact.models import (
    Assessment,
    Household,
    IncomeRecord,
    Region,
    RigidExpenditure,
    StaffScope,
    Threshold,
)
from impact.monitoring.assessment import households_reassess
from impact.targeting import targeting_refresh_all
from producers.models import BenefitLink, Certificate, OnboardingStep, Producer
from producers.services import benefit_link_create, producer_approve, producer_recommend
from shop.payments.models import OrderPayment, PaymentEvent
from shop.payments.services import order_payment_open, order_transfer_record
from shop.units.services import unit_order_record

from . import data
from .campaigns import demo_campaigns
from .images import banner_picture, produce_picture, wagtail_image
from .orders import demo_order_place
from .payouts import demo_payouts
from .targets import demo_targets
from .units import demo_unit_sales, demo_work_units

Country = get_model("address", "Country")
Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")
Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductImage = get_model("catalogue", "ProductImage")
Category: Any = get_model("catalogue", "Category")  # Oscar's: untyped


@dataclass
class DemoReport:
    created: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, created: bool) -> None:
        if created:
            self.created[what] = self.created.get(what, 0) + 1


def demo_load(*, sale: bool = False) -> DemoReport:
    """Load the demo data; with ``sale``, also the paid demo order and its attribution.

    ``load_demo`` loads both. The test suite loads the demo without the sale,
    so that its tests start from a shop with no orders and an empty ledger.
    """
    report = DemoReport()
    with transaction.atomic():
        _missing_image()
        _sites()
        counties = _regions(report)
        _staff(report)
        _platform_staff(report)
        categories = _categories(report)
        producers = _producers(report, counties, categories)
        _households(report, counties)
        _monitoring(report)
        demo_targets(report)  # demo/targets.py: confirmed monitoring targets, one elimination
        _producers_onboarded(report, producers)
        _work_units(report)
        _pages(report, producers)
        demo_campaigns(report)  # livestream campaigns (demo/campaigns.py)
        _mobiles(report)
        if sale:
            _sale(report)
            demo_unit_sales(report)  # demo/units.py: the canteen's orders, part-way to its share
            demo_payouts(report)  # demo/payouts.py: what 红土地 paid of the sale's due amounts
    # The targeting figures (lift per ¥1,000, gap to the line) of everything just loaded.
    targeting_refresh_all()
    return report


def _mobiles(report: DemoReport) -> None:
    """Each demo login's mobile number (``data.DEMO_MOBILES``), unless it has one."""
    User = get_user_model()
    for username, number in data.DEMO_MOBILES.items():
        user = User.objects.filter(username=username).first()
        if user is not None and not user_mobile(user=user):
            user_mobile_set(user=user, number=number)
            report.count("mobile numbers", True)


def _missing_image() -> None:
    """Oscar shows this picture for a product without one; it must be in the media folder."""
    target = Path(settings.MEDIA_ROOT) / settings.OSCAR_MISSING_IMAGE_URL
    if not target.exists():
        source = finders.find("oscar/img/image_not_found.jpg")
        assert source is not None  # Oscar's static files have it
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def _sites() -> None:
    DjangoSite.objects.update_or_create(
        pk=1, defaults={"domain": "127.0.0.1:8000", "name": data.HOME["title"]}
    )
    Country.objects.get_or_create(
        iso_3166_1_a2="CN",
        defaults={
            "iso_3166_1_a3": "CHN",
            "iso_3166_1_numeric": "156",
            "printable_name": "中国",
            "name": "中华人民共和国",
            "display_order": 1,
            "is_shipping_country": True,
        },
    )


def _regions(report: DemoReport) -> dict[str, Region]:
    counties = {}
    for county_data in data.COUNTIES:
        county, created = Region.objects.get_or_create(
            code=county_data["code"],
            defaults={"name": county_data["name"], "level": Region.Level.COUNTY},
        )
        report.count("regions", created)
        counties[county.code] = county
        for township_name, villages in county_data["townships"].items():
            township, created = Region.objects.get_or_create(
                parent=county, name=township_name, defaults={"level": Region.Level.TOWNSHIP}
            )
            report.count("regions", created)
            for village_name in villages:
                _, created = Region.objects.get_or_create(
                    parent=township, name=village_name, defaults={"level": Region.Level.VILLAGE}
                )
                report.count("regions", created)
    return counties


def _staff(report: DemoReport) -> None:
    User = get_user_model()
    staff = data.DEMO_STAFF
    user = User.objects.filter(username=staff["username"]).first()
    if user is None:
        User.objects.create_superuser(
            username=staff["username"], email=staff["email"], password=staff["password"]
        )
        report.count("users", True)


def _platform_staff(report: DemoReport) -> None:
    """The finance and operations logins, in their groups (common.roles)."""
    User = get_user_model()
    groups = platform_groups_ensure()
    for staff in data.DEMO_PLATFORM_STAFF:
        if User.objects.filter(username=staff["username"]).exists():
            continue
        user = User.objects.create_user(
            username=staff["username"],
            email=staff["email"],
            password=data.DEMO_STAFF["password"],
            is_staff=True,
        )
        user.groups.add(groups[Role(staff["role"])])
        report.count("users", True)


def _categories(report: DemoReport) -> dict[str, Category]:
    categories = {}
    for name in data.CATEGORIES:
        category = Category.objects.filter(name=name, depth=1).first()
        if category is None:
            category = Category.add_root(name=name, slug=slugify(name, allow_unicode=True) or name)
            report.count("categories", True)
        categories[name] = category
    return categories


def _producers(
    report: DemoReport, counties: dict[str, Region], categories: dict[str, Category]
) -> dict[str, Producer]:
    product_class, _ = ProductClass.objects.get_or_create(
        slug="farm-produce",
        defaults={"name": "农副产品", "requires_shipping": True, "track_stock": True},
    )
    producers = {}
    for seed, producer_data in enumerate(data.PRODUCERS):
        partner, created = Partner.objects.get_or_create(
            code=producer_data["code"], defaults={"name": producer_data["name"]}
        )
        report.count("partners", created)
        township = Region.objects.get(
            parent=counties[producer_data["county"]], name=producer_data["township"]
        )
        producer, created = Producer.objects.get_or_create(
            partner=partner,
            defaults={
                "name": producer_data["name"],
                "kind": producer_data["kind"],
                "region": township,
                "contact_name": producer_data["contact_name"],
                "contact_phone": producer_data["contact_phone"],
                "story": producer_data["story"],
            },
        )
        report.count("producers", created)
        producers[producer_data["code"]] = producer
        for index, row in enumerate(producer_data["products"]):
            upc, title, category, price, stock, background, colour, shape = row
            product, created = Product.objects.get_or_create(
                upc=upc,
                defaults={
                    "title": title,
                    "product_class": product_class,
                    "structure": Product.STANDALONE,
                    "is_public": True,
                    "description": f"<p>{title}，产自{township.full_name}，由{producer.name}供货。</p>",
                },
            )
            report.count("products", created)
            if created:
                ProductCategory.objects.create(product=product, category=categories[category])
            _, created = StockRecord.objects.get_or_create(
                product=product,
                partner=partner,
                defaults={
                    "partner_sku": upc,
                    "price_currency": data.PRICE_CURRENCY,
                    "price": Decimal(price),
                    "num_in_stock": stock,
                },
            )
            report.count("stock records", created)
            if not product.images.exists():
                picture = produce_picture(
                    caption=title.split(" ")[0],
                    background=background,
                    item=colour,
                    shape=shape,
                    seed=seed * 100 + index,
                )
                image = ProductImage(product=product, display_order=0, caption=title)
                image.original.save(f"{upc.lower()}.jpg", ContentFile(picture), save=False)
                image.save()
                report.count("product images", True)
    return producers


def _id_number(*, county_code: str, rng: random.Random) -> str:
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randint(0, 365 * 50))
    body = f"{county_code}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
    return body + mod_11_2.calc_check_digit(body)  # GB 11643: ISO 7064 MOD 11-2


def _households(report: DemoReport, counties: dict[str, Region]) -> None:
    rng = random.Random(20200603)  # fixed: the same households on every run
    number = 0
    for county in counties.values():
        villages = Region.objects.filter(parent__parent=county, level=Region.Level.VILLAGE)
        for village in villages.order_by("pk"):
            for _ in range(data.HOUSEHOLDS_PER_VILLAGE):
                number += 1
                members = rng.randint(1, 6)
                name = rng.choice(data.FAMILY_NAMES) + rng.choice(data.GIVEN_NAMES)
                id_number = _id_number(county_code=county.code, rng=rng)
                labour = rng.randint(0, members)
                kind = data.HOUSEHOLD_KINDS[number % len(data.HOUSEHOLD_KINDS)]
                code = f"{county.code}-{number:04d}"
                # per-capita income this year, spread from below the standard to well above the line
                per_capita = Decimal(rng.randint(3000, 16000))
                if Household.objects.filter(code=code).exists():
                    continue
                total = per_capita * members
                if code == data.DEMO_SALE_HOUSEHOLD:
                    total = data.DEMO_SALE_HOUSEHOLD_INCOME  # just under the line: see data.py
                household = Household.objects.create(
                    code=code,
                    head_name=name,
                    id_number=id_number,
                    region=village,
                    members=members,
                    labour=labour,
                    kind=kind,
                    subsistence=labour == 0,
                    basic_needs_met=True,
                    safe_water=True,
                )
                report.count("households", True)
                _income_record(household=household, total=total)
                if number % 7 == 0:
                    RigidExpenditure.objects.create(
                        household=household,
                        date=timezone.localdate() - datetime.timedelta(days=40),
                        cause=RigidExpenditure.Cause.ILLNESS,
                        amount=Decimal("18000.00"),
                        unable_to_work=1 if number % 14 == 0 else 0,
                        note="住院治疗",
                    )
    _households_in_warning(report, counties, number=number)


def _income_record(*, household: Household, total: Decimal) -> None:
    """This year's recorded income: half wages, three tenths operating, the rest transfers."""
    wages = fen(total * Decimal("0.5"), ROUND_HALF_EVEN)
    operating = fen(total * Decimal("0.3"), ROUND_HALF_EVEN)
    IncomeRecord.objects.create(
        household=household,
        year=timezone.localdate().year,
        wages=wages,
        operating=operating,
        property_income=ZERO,
        transfers=total - wages - operating,
    )


def _households_in_warning(report: DemoReport, counties: dict[str, Region], *, number: int) -> None:
    """data.WARNING_HOUSEHOLDS: 东川区's households in warning, numbered after all the others.

    Their own random generator (names, ID numbers), so the generated households above keep
    theirs; their figures are fixed in data.py.
    """
    rng = random.Random(20261130)
    county = counties[data.WARNING_HOUSEHOLDS_COUNTY]
    rows = [
        (township, *row)
        for township, township_rows in data.WARNING_HOUSEHOLDS.items()
        for row in township_rows
    ]
    for township, village_name, members, labour, income, rigid, unable in rows:
        number += 1
        name = rng.choice(data.FAMILY_NAMES) + rng.choice(data.GIVEN_NAMES)
        id_number = _id_number(county_code=county.code, rng=rng)
        code = f"{county.code}-{number:04d}"
        if Household.objects.filter(code=code).exists():
            continue
        household = Household.objects.create(
            code=code,
            head_name=name,
            id_number=id_number,
            region=Region.objects.get(
                parent__parent=county, parent__name=township, name=village_name
            ),
            members=members,
            labour=labour,
            kind=Household.Kind.EXITED,
            subsistence=labour == 0,
            basic_needs_met=True,
            safe_water=True,
        )
        report.count("households", True)
        _income_record(household=household, total=Decimal(income))
        if rigid is not None:
            RigidExpenditure.objects.create(
                household=household,
                date=timezone.localdate() - datetime.timedelta(days=60),
                cause=RigidExpenditure.Cause.DISABILITY
                if unable
                else RigidExpenditure.Cause.ILLNESS,
                amount=Decimal(rigid),
                unable_to_work=unable,
                note="意外致残，暂时不能务工" if unable else "住院治疗",
            )


def _monitoring(report: DemoReport) -> None:
    """Thresholds for this year and last, a county staff login, and a first evaluation."""
    year = timezone.localdate().year
    for threshold_year in (year - 1, year):
        _, created = Threshold.objects.get_or_create(
            year=threshold_year,
            defaults={"national_standard": data.NATIONAL_STANDARD, "multiplier": Decimal("1.50")},
        )
        report.count("thresholds", created)
    User = get_user_model()
    county_staff = data.DEMO_COUNTY_STAFF
    if not User.objects.filter(username=county_staff["username"]).exists():
        user = User.objects.create_user(
            username=county_staff["username"],
            email=county_staff["email"],
            password=county_staff["password"],
            is_staff=True,
        )
        user.user_permissions.add(
            Permission.objects.get(codename="access_admin"),
            Permission.objects.get(codename="reveal_personal_data"),
            Permission.objects.get(codename="change_household"),
        )
        StaffScope.objects.create(user=user, county=Region.objects.get(code=county_staff["county"]))
        report.count("users", True)
    _reviewers(report)
    if not Assessment.objects.exists():
        households_reassess(year=year, channel=Assessment.Channel.PERIODIC)
        report.count("evaluations", True)


def _reviewers(report: DemoReport) -> None:
    """东川区's village, township and county reviewers, and 花沟村's notice contact."""
    User = get_user_model()
    county = Region.objects.get(code=data.DEMO_REVIEWERS_COUNTY)
    for reviewer in data.DEMO_REVIEWERS:
        region = county
        for name in reviewer["area"]:
            region = Region.objects.get(parent=region, name=name)
        if User.objects.filter(username=reviewer["username"]).exists():
            continue
        user = User.objects.create_user(
            username=str(reviewer["username"]),
            email=str(reviewer["email"]),
            password=str(reviewer["password"]),
            is_staff=True,
        )
        user.user_permissions.add(Permission.objects.get(codename="access_admin"))
        StaffScope.objects.create(user=user, region=region)
        report.count("users", True)
        if region.level == Region.Level.VILLAGE and not region.notice_contact:
            region.notice_contact = data.DEMO_NOTICE_CONTACT["contact"]
            region.notice_phone = data.DEMO_NOTICE_CONTACT["phone"]
            region.save(update_fields=["notice_contact", "notice_phone"])


def _work_units(report: DemoReport) -> None:
    demo_work_units(report)  # demo/units.py: the school canteen, its plan and a saved list


def _sale(report: DemoReport) -> None:
    """The demo sale: placed as checkout places an order, paid by transfer, attributed.

    The attribution is run here rather than left to the task queued on commit,
    so the demo households' pages show it as soon as the command ends (the
    task then finds its job done and does nothing).
    """
    Order = get_model("order", "Order")
    if Order.objects.filter(number=data.DEMO_SALE_NUMBER).exists():
        return
    User = get_user_model()
    buyer = User.objects.get(username=data.DEMO_CANTEEN_BUYER["username"])
    admin = User.objects.get(username=data.DEMO_STAFF["username"])
    order = demo_order_place(buyer=buyer, lines=data.DEMO_SALE_LINES, number=data.DEMO_SALE_NUMBER)
    # The canteen's order, recorded as checkout records it (on ``order_placing``), before it is
    # paid: the ledger's summaries file the sale under the buyer type it has when attributed.
    unit_order_record(order=order, user=buyer, ship_within_days=7)
    report.count("work unit orders", True)
    order_payment_open(order=order, method=OrderPayment.Method.TRANSFER)
    order_transfer_record(
        order=order,
        amount=order.total_incl_tax,
        received_on=timezone.localdate(),
        bank_reference=data.DEMO_SALE_BANK_REFERENCE,
        by=admin,
    )
    event = PaymentEvent.objects.get(order_payment__order=order, kind=PaymentEvent.Kind.CONFIRMED)
    attribution_run(payment_event_id=event.pk)
    report.count("paid demo orders", True)


def _wagtail_roots() -> Page:
    """Wagtail's root page and root collection (its migrations make them; a flushed database lacks them)."""
    # Wagtail's migration makes the default locale too; a flushed database lacks it.
    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(
            instance=Page(
                title="Root", slug="root", content_type=ContentType.objects.get_for_model(Page)
            )
        )
    return root


def _pages(report: DemoReport, producers: dict[str, Producer]) -> None:
    root = _wagtail_roots()
    home = HomePage.objects.first()
    if home is None:
        # Wagtail's install leaves a "Welcome" page at the root: the home page replaces it.
        for page in root.get_children().exclude(content_type__model="homepage"):
            if page.specific_class is Page:
                Site.objects.filter(root_page=page).delete()
                page.delete()
        banner = wagtail_image(
            title="红土地横幅", content=banner_picture(), filename="banner-hongtudi.jpg"
        )
        home = HomePage(
            title=data.HOME["title"],
            slug="home",
            banner_title=data.HOME["banner_title"],
            banner_text=data.HOME["banner_text"],
            banner_image=banner,
            intro=data.HOME["intro"],
        )
        for order, upc in enumerate(data.FEATURED_UPCS):
            product = Product.objects.filter(upc=upc).first()
            if product is not None:
                home.featured_products.add(
                    HomePageFeaturedProduct(product=product, sort_order=order)
                )
        root.add_child(instance=home)
        home.save_revision().publish()
        report.count("pages", True)
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={
            "hostname": "localhost",
            "port": 80,
            "site_name": data.HOME["title"],
            "root_page": home,
        },
    )

    stories = StoryIndexPage.objects.first()
    if stories is None:
        stories = StoryIndexPage(
            title="生产者故事", slug="stories", intro="<p>合作社和农户的故事。</p>"
        )
        home.add_child(instance=stories)
        stories.save_revision().publish()
        report.count("pages", True)
    if not StoryPage.objects.filter(slug=data.STORY["slug"]).exists():
        producer = producers[data.STORY["producer"]]
        picture = produce_picture(
            caption="红土地洋芋", background="#c7a36b", item="#8d6e3f", shape="round", seed=7
        )
        story = StoryPage(
            title=data.STORY["title"],
            slug=data.STORY["slug"],
            producer=producer,
            intro=data.STORY["intro"],
            body=data.STORY["body"],
            image=wagtail_image(title="红土地洋芋", content=picture, filename="story-potatoes.jpg"),
        )
        stories.add_child(instance=story)
        story.save_revision().publish()
        report.count("pages", True)

    news = NewsIndexPage.objects.first()
    if news is None:
        news = NewsIndexPage(title="新闻动态", slug="news", intro="<p>消费帮扶的最新消息。</p>")
        home.add_child(instance=news)
        news.save_revision().publish()
        report.count("pages", True)
    if not NewsPage.objects.filter(slug=data.NEWS["slug"]).exists():
        article = NewsPage(
            title=data.NEWS["title"],
            slug=data.NEWS["slug"],
            date=datetime.date(2020, 6, 3),
            intro=data.NEWS["intro"],
            body=data.NEWS["body"],
        )
        news.add_child(instance=article)
        article.save_revision().publish()
        report.count("pages", True)


def _producers_onboarded(report: DemoReport, producers: dict[str, Producer]) -> None:
    """Each demo producer: a login, onboarding through county and platform, certificates, links."""
    User = get_user_model()
    admin = User.objects.get(username=data.DEMO_STAFF["username"])
    today = timezone.localdate()
    for producer_data in data.PRODUCERS:
        producer = producers[producer_data["code"]]
        user = User.objects.filter(username=producer_data["login"]).first()
        if user is None:
            user = User.objects.create_user(
                username=producer_data["login"],
                email=f"{producer_data['login']}@yixiang.example",
                password=data.DEMO_STAFF["password"],
            )
            producer.partner.users.add(user)
            report.count("users", True)
        if not producer.credit_code:
            body = producer_data["credit_body"]
            producer.credit_code = body + uscc.calc_check_digit(body)
            producer.save(update_fields=["credit_code"])
        if not producer.onboarding_steps.exists():
            OnboardingStep.objects.create(
                producer=producer, status=Producer.Status.APPLIED, by=user
            )
            producer = producer_recommend(producer=producer, by=admin, note="县商务局推荐（演示）")
            producer = producer_approve(
                producer=producer, by=admin, note="材料齐全，审核通过（演示）"
            )
            producers[producer_data["code"]] = producer
            report.count("onboardings", True)
        if not producer.certificates.exists():
            Certificate.objects.create(
                producer=producer,
                kind=Certificate.Kind.LICENCE,
                number=f"JY{producer.credit_code[-8:]}",
                issuer="昆明市市场监督管理局（演示）",
                valid_from=datetime.date(today.year - 1, 1, 1),
                valid_to=today + datetime.timedelta(days=300),
            )
            for row in producer_data["products"]:
                upc = row[0]
                soon = upc == data.EXPIRING_SOON_UPC
                Certificate.objects.create(
                    producer=producer,
                    product=Product.objects.get(upc=upc),
                    kind=Certificate.Kind.CERTIFICATION,
                    number=f"FP{today.year}-{upc}",
                    issuer=data.CERTIFIER,
                    valid_from=datetime.date(today.year, 1, 1),
                    valid_to=today + datetime.timedelta(days=20)
                    if soon
                    else datetime.date(today.year + 1, 12, 31),
                )
                report.count("certificates", True)
        if not BenefitLink.objects.filter(producer=producer).exists():
            county_households = list(
                Household.objects.filter(county=producer.region.county).order_by("code")
            )
            for number, kind, (rule, amount), link_upc in data.BENEFIT_LINKS[producer_data["code"]]:
                benefit_link_create(
                    producer=producer,
                    household=county_households[number - 1],
                    kind=kind,
                    product=Product.objects.get(upc=link_upc) if link_upc else None,
                    valid_from=datetime.date(today.year, 1, 1),
                    per_unit=Decimal(amount) if rule == "per_unit" else None,
                    share=Decimal(amount) if rule == "share" else None,
                )
                report.count("benefit links", True)
