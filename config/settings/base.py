"""Settings shared by every way Yixiang runs.

Everything comes from the environment (django-environ). With no environment
at all the embedded default runs: SQLite, eager Celery tasks, local media,
console e-mail and no Stripe keys.
"""

import datetime
import ipaddress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from oscar.defaults import *  # noqa: F403  (Oscar's settings, overridden below)
from oscar.defaults import OSCAR_DASHBOARD_NAVIGATION

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# ---------------------------------------------------------------- core
SECRET_KEY = env("SECRET_KEY", default="embedded-default-insecure-key-change-me-in-production")
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The embedded default under concurrent writes (a webhook arriving while another request
# writes): WAL lets readers go on beside the one writer; IMMEDIATE transactions take the
# write lock at BEGIN, so a second writer waits its turn there (up to SQLITE_TIMEOUT
# seconds) instead of failing with "database is locked" when a read inside its transaction
# turns into a write; synchronous=NORMAL is WAL's usual, safe pairing.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": env.int("SQLITE_TIMEOUT", default=20),
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'yixiang.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://yixiang")}
# Sessions in the database (prod.py puts the cache in front: cached_db); a benchmark that
# runs the base settings as production runs sets SESSION_ENGINE as prod.py does.
SESSION_ENGINE = env("SESSION_ENGINE", default="django.contrib.sessions.backends.db")

SITE_ID = 1
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# ---------------------------------------------------------------- apps
DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.humanize",
]

OSCAR_APPS = [
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "shop.checkout.apps.CheckoutConfig",  # fork: choosing how to pay (see shop/FORKS.md)
    "shop.address.apps.AddressConfig",  # fork: the Chinese address form (see shop/FORKS.md)
    "oscar.apps.shipping.apps.ShippingConfig",
    "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "shop.partner.apps.PartnerConfig",  # fork: who may sell (see shop/FORKS.md)
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "shop.search.apps.SearchConfig",  # fork: Chinese search index (see shop/FORKS.md)
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "shop.dashboard.apps.DashboardConfig",  # fork: finds the dashboard sub-forks (see shop/FORKS.md)
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "shop.dashboard.orders.apps.OrdersDashboardConfig",  # fork: producers see their own lines (see shop/FORKS.md)
    "shop.dashboard.catalogue.apps.CatalogueDashboardConfig",  # fork: producers edit their own products (see shop/FORKS.md)
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "widget_tweaks",
    "haystack",
    "treebeard",
    "sorl.thumbnail",
    "django_tables2",
]

WAGTAIL_APPS = [
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_tasks",
]

THIRD_PARTY_APPS = [
    "simple_history",  # who changed a household's records, when, from what to what
    "axes",  # login throttling and lockout (common/logins.py)
]

LOCAL_APPS = [
    "shop.apps.ShopConfig",
    "shop.payments.apps.PaymentsConfig",
    "impact.apps.ImpactConfig",
    "producers.apps.ProducersConfig",
    "shop.units.apps.UnitsConfig",
    "cms.apps.CmsConfig",
    "demo.apps.DemoConfig",
    "common.apps.CommonConfig",  # a user's mobile number (common/models.py)
]

INSTALLED_APPS = DJANGO_APPS + OSCAR_APPS + WAGTAIL_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every answer, cached campaign pages included (config/csp.py).
    "config.csp.ContentSecurityPolicyMiddleware",
    "cms.campaigns.middleware.CampaignCountersMiddleware",  # livestream counters from the cache (cms/)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Livestream campaigns (cms/): a visit through ?code= is remembered for checkout;
    # anonymous visitors of a campaign page are answered from the cache during the rush.
    "cms.campaigns.middleware.CampaignCodeMiddleware",
    "cms.campaigns.middleware.CampaignPageCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",  # records who made each change
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shop.basket_middleware.BasketMiddleware",  # Oscar's, reading less (its docstring)
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # A query filter with a value that means nothing is a 400 naming it (common/filters.py).
    "common.filters.BadFilterMiddleware",
    # Last, as django-axes asks: a login refused for a lockout becomes the login page with why.
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
                "wagtail.contrib.settings.context_processors.settings",
            ],
            # {% load html_clean %}: {{ text|clean_html }} for HTML an outsider wrote (common/html.py).
            "libraries": {"html_clean": "common.html_tags"},
        },
    }
]

AUTHENTICATION_BACKENDS = [
    # First: refuses every login form's attempt while its account or address is locked out.
    "common.logins.LoginLockoutBackend",
    # One user for a username, an e-mail address or a mobile number; permissions as ModelBackend.
    "common.logins.AccountBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# ---------------------------------------------------------------- sign-in and abuse limits
# README "Sign-in and abuse limits". Reverse proxies whose X-Forwarded-For is believed
# (addresses or networks, comma-separated). None by default: REMOTE_ADDR is the client and
# X-Forwarded-For is ignored (common/client.py). A malformed entry stops the start here.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    ipaddress.ip_network(_proxy.strip(), strict=False)

# django-axes on the three login forms (shop, dashboard, CMS), counted in the database.
# An account name is locked after 5 failures from anywhere: a person who forgot a password
# tries a few times, a guesser tries many; 5 in 30 minutes leaves a guesser ~240 tries a
# day against one account. An address is locked after 20 failures across account names:
# enough for a canteen or county office behind one NAT address where several people
# mistype, and it stops one machine spraying a common password over many accounts.
AXES_HANDLER = "common.logins.LoginLockoutHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=5)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=20)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
# Attempts during a lockout are refused without being counted: the lock ends on time.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Not reset on success: one good login from an address must not wipe that address's count.
AXES_RESET_ON_SUCCESS = False
AXES_USERNAME_CALLABLE = "common.logins.login_username"
AXES_CLIENT_IP_CALLABLE = "common.client.client_ip"
AXES_LOCKOUT_CALLABLE = "common.logins.lockout_response"
# Lockouts are seen and cleared at /cms/security/lockouts/ (common/lockouts.py), not in
# Django's admin: no further pages listing addresses.
AXES_ENABLE_ADMIN = False
# Never written into the attempts' logged POST data (Oscar's form prefixes its fields).
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "login-username",
    "login-password",
    "csrfmiddlewaretoken",
]

# Oscar's login; without this, logins would fall into Wagtail's catch-all.
LOGIN_URL = "/shop/accounts/login/"
LOGIN_REDIRECT_URL = "/shop/accounts/"
WAGTAILADMIN_LOGIN_URL = "wagtailadmin_login"

# The site's public address: every absolute link in an e-mail is built from it
# (the site_url tag, shop/templatetags/order_tags.py), never from the request or the Sites framework.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# ---------------------------------------------------------------- language, time, money
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
PHONENUMBER_DEFAULT_REGION = "CN"

# ---------------------------------------------------------------- static and media
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Producers' licences, test reports and certificate scans (common/uploads.py): a storage
# of their own, outside MEDIA_ROOT and with no URL, served only by a permission-checked
# view. The "private" alias may become a private bucket without touching the code.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
PRIVATE_STORAGE = {
    "BACKEND": "common.uploads.PrivateFileSystemStorage",
    "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": PRIVATE_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if PRIVATE_MEDIA_ROOT.resolve().is_relative_to(MEDIA_ROOT.resolve()):
    raise ImproperlyConfigured("PRIVATE_MEDIA_ROOT must lie outside MEDIA_ROOT.")
# Every response says "do not guess the type" (SecurityMiddleware), /media/ in DEBUG too.
SECURE_CONTENT_TYPE_NOSNIFF = True
# Oscar's product images and Wagtail's images live in separate media folders:
# Oscar under shop/, Wagtail under original_images/ and images/ (its defaults).
OSCAR_IMAGE_FOLDER = "shop/products/%Y/%m/"
OSCAR_MISSING_IMAGE_URL = "shop/image_not_found.jpg"
THUMBNAIL_PREFIX = "shop/cache/"
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# ---------------------------------------------------------------- Oscar
OSCAR_SHOP_NAME = "益享"
OSCAR_SHOP_TAGLINE = _("Poverty-relief farm produce, traced to the households it helps")
WAGTAIL_FRONTEND_LOGIN_URL = LOGIN_URL
OSCAR_DEFAULT_CURRENCY = "CNY"
# "¥29.90" in both languages (Babel's English pattern would print "CN¥29.90").
OSCAR_CURRENCY_FORMAT = {"CNY": {"format": "¥#,##0.00;-¥#,##0.00"}}
OSCAR_ALLOW_ANON_CHECKOUT = True
OSCAR_ALLOW_GUEST_CHECKOUT_WITH_ACCOUNT = True
OSCAR_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@yixiang.example")
OSCAR_REQUIRED_ADDRESS_FIELDS = (
    "last_name",
    "phone_number",
    "line1",
    "line3",
    "line4",
    "state",
    "country",
)
OSCAR_INITIAL_ORDER_STATUS = "Pending payment"
OSCAR_INITIAL_LINE_STATUS = "Pending payment"
OSCAR_ORDER_STATUS_PIPELINE = {
    "Pending payment": ("Paid", "Cancelled"),
    # Approved work units pay after delivery (先货后款): the order ships first.
    "Pay after delivery": ("Shipped", "Cancelled"),
    "Paid": ("Shipped", "Cancelled"),
    "Shipped": ("Complete",),
    "Complete": (),
    "Cancelled": (),
}
OSCAR_LINE_STATUS_PIPELINE = OSCAR_ORDER_STATUS_PIPELINE
# The catalogue's and search's filters (issue #19): by county, producer and category, with
# counts, combinable, in the URL (?selected_facets=county:东川区); shop/search/ indexes them.
OSCAR_SEARCH_FACETS: dict[str, dict[str, Any]] = {
    "fields": {
        "county": {"name": _("County"), "field": "county"},
        "producer": {"name": _("Producer"), "field": "producer"},
        "category_name": {"name": _("Category"), "field": "category_name"},
    },
    "queries": {},
}
OSCAR_PRODUCTS_PER_PAGE = 24
# Readable slugs: 东川老鹰茶-250g, not Oscar's escaped u4e1cu5ddd… (Django's slugify keeps Chinese
# characters). Product and category URLs carry the pk, so an old slug still reaches its page,
# redirected to the new one; shop/migrations/0001_readable_slugs.py rewrote the old ones.
OSCAR_SLUG_ALLOW_UNICODE = True

# Storefront speed (README "Storefront speed"). Oscar's analytics counters (product views and
# basket additions): "batched" counts them in the cache and the beat task shop.tasks.analytics_flush
# writes them every minute, one UPDATE per product and per user; "off" records none; "oscar"
# updates the rows on every request as Oscar does (shop/analytics.py). Batched needs a beat,
# so the default is "batched" with a broker (real services) and "oscar" without (the embedded
# default, where no beat runs and the counts would wait in the cache for ever).
SHOP_ANALYTICS = env(
    "SHOP_ANALYTICS", default="batched" if env("CELERY_BROKER_URL", default="") else "oscar"
)
if SHOP_ANALYTICS not in ("batched", "off", "oscar"):
    raise ImproperlyConfigured(
        f"SHOP_ANALYTICS must be batched, off or oscar, not {SHOP_ANALYTICS!r}."
    )
# The navigation bar and category tree are cached until a category or page changes, and at
# most this long (shop/navigation.py).
SHOP_NAVIGATION_CACHE_SECONDS = env.int("SHOP_NAVIGATION_CACHE_SECONDS", default=3600)


def _platform_finance(
    user: "User | AnonymousUser",
    url_name: str,
    url_args: list[Any] | None = None,
    url_kwargs: dict[str, Any] | None = None,
) -> bool:
    return user.is_staff and user.has_perm("payments.view_orderpayment")


# Platform finance records transfers, chases pay-after-delivery orders and refunds (Fulfilment menu).
for _section in OSCAR_DASHBOARD_NAVIGATION:
    if any(
        child.get("url_name") == "dashboard:order-list" for child in _section.get("children", [])
    ):
        _section["children"].insert(
            1,
            {
                "label": _("Payments"),
                "url_name": "payments-dashboard:list",
                "access_fn": _platform_finance,
            },
        )


def _producer_user(
    user: "User | AnonymousUser",
    url_name: str,
    url_args: list[Any] | None = None,
    url_kwargs: dict[str, Any] | None = None,
) -> bool:
    """A producer's own users only (payouts are recorded by the producer that paid)."""
    from common.roles import Role, roles_of

    return Role.PRODUCER in roles_of(user)


# A producer's own pages (issue #19): its sales, impact, arrears, payouts and certificates, after
# Fulfilment. Oscar's default access function shows each to whoever its permissions let in.
_fulfilment = next(
    index
    for index, section in enumerate(OSCAR_DASHBOARD_NAVIGATION)
    if any(child.get("url_name") == "dashboard:order-list" for child in section.get("children", []))
)
OSCAR_DASHBOARD_NAVIGATION.insert(
    _fulfilment + 1,
    {
        "label": _("Producer"),
        "icon": "fas fa-seedling",
        "children": [
            {"label": _("Sales figures"), "url_name": "dashboard:producer-sales"},
            {"label": _("Households reached"), "url_name": "dashboard:producer-impact"},
            {"label": _("Due and unpaid"), "url_name": "dashboard:producer-arrears"},
            {
                "label": _("Payouts to households"),
                "url_name": "dashboard:producer-payouts",
                "access_fn": _producer_user,
            },
            {"label": _("Certificates"), "url_name": "dashboard:producer-certificates"},
        ],
    },
)

# Product search: PostgreSQL full-text when the database is PostgreSQL, Whoosh otherwise.
# SEARCH_BACKEND (postgres | whoosh) overrides the choice. PostgreSQL's index is a table in
# the shared database (every web host sees a saved product at once); Whoosh's is a folder on
# one host's disk (WHOOSH_PATH), for the embedded single-host default. Both read text
# through jieba (shop/search/; README "Search").

_POSTGRES_ENGINES = ("django.db.backends.postgresql", "django.contrib.gis.db.backends.postgis")
_ON_POSTGRES = DATABASES["default"]["ENGINE"] in _POSTGRES_ENGINES

SEARCH_BACKEND = env("SEARCH_BACKEND", default="postgres" if _ON_POSTGRES else "whoosh")
if SEARCH_BACKEND == "postgres":
    if not _ON_POSTGRES:
        raise ImproperlyConfigured("SEARCH_BACKEND=postgres needs a PostgreSQL DATABASE_URL.")
    HAYSTACK_CONNECTIONS = {
        "default": {"ENGINE": "shop.search.backends.PostgresEngine", "INCLUDE_SPELLING": False}
    }
elif SEARCH_BACKEND == "whoosh":
    HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": "shop.search.backends.ChineseWhooshEngine",
            "PATH": env("WHOOSH_PATH", default=str(VAR_DIR / "whoosh_index")),
            "INCLUDE_SPELLING": False,
        }
    }
else:
    raise ImproperlyConfigured(
        f"SEARCH_BACKEND must be postgres or whoosh, not {SEARCH_BACKEND!r}."
    )
HAYSTACK_SIGNAL_PROCESSOR = "shop.search.signals.ProductIndexSignalProcessor"

# ---------------------------------------------------------------- Wagtail
WAGTAIL_SITE_NAME = "益享"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default=SITE_URL)
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 5 * 1024 * 1024
# The admin neither fetches staff avatars from Gravatar (their e-mail hashes leave the site)
# nor asks releases.wagtail.org for a new version: both would break the policy's img/connect-src.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# The CMS's login takes a username, an e-mail or a mobile number, as the shop's (common/login_forms.py).
WAGTAILADMIN_USER_LOGIN_FORM = "common.login_forms.CmsLoginForm"
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Wagtail's own background tasks (django-tasks): immediate unless configured.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# ---------------------------------------------------------------- Content-Security-Policy
# django-csp: one policy for every page (README "Content security"). Our own inline scripts
# carry the request's nonce (request.csp_nonce); everything else is a file from this site,
# except Stripe.js, named here. Chart.js is vendored (static/vendor/chartjs/), so 'self'.
STRIPE_JS_ORIGIN = "https://js.stripe.com"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE, STRIPE_JS_ORIGIN],
        # Style attributes (Oscar's and Wagtail's markup, Stripe's elements) need 'unsafe-inline';
        # a style cannot run script in any browser this site supports.
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", "https:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF, "https://api.stripe.com"],
        "frame-src": [SELF, STRIPE_JS_ORIGIN, "https://hooks.stripe.com"],
        # 'self': Wagtail's preview shows the page in a frame of its own editor.
        "frame-ancestors": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    },
}
# The one exception (config/csp.py): Wagtail's page editor renders inline <script>s that no
# nonce can reach (its date pickers are form widgets, drawn without the request) and runs
# more through jQuery; on these paths alone script-src is 'self' 'unsafe-inline' + Stripe.
CONTENT_SECURITY_POLICY_INLINE_SCRIPT_PATHS = (
    r"^/cms/pages/(add/|\d+/edit/|\d+/revisions/\d+/revert/)"
)

# ---------------------------------------------------------------- Celery
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_IMPORTS = ["config.tasks"]
CELERY_BEAT_SCHEDULE = {
    # Periodic comprehensive evaluation (定期综合评价): every household, monthly.
    "impact-periodic-evaluation": {
        "task": "impact.tasks.impact_periodic_reassess",
        "schedule": crontab(day_of_month="1", hour="2", minute="0"),
    },
    # Warning levels at the end of last month, for the overview's month-by-month chart; taken
    # before the periodic evaluation of the 1st changes them.
    "impact-level-snapshot": {
        "task": "impact.tasks.impact_level_snapshot",
        "schedule": crontab(day_of_month="1", hour="0", minute="30"),
    },
    # Certificates, licences and test reports: reminders at 90/30/7 days, off sale on expiry.
    "producers-certificates-daily": {
        "task": "producers.tasks.producers_certificates_daily",
        "schedule": crontab(hour="6", minute="0"),
    },
    # Attribution jobs left behind by a broker that was down when a payment was confirmed.
    "impact-attribution-catch-up": {
        "task": "impact.tasks.impact_attribution_catch_up",
        "schedule": crontab(minute="*"),
    },
    # Arrears to households grow with the calendar: suspend or restore producers' sales by them.
    "impact-arrears-daily": {
        "task": "impact.tasks.impact_arrears_daily",
        "schedule": crontab(hour="0", minute="15"),
    },
    # Targeting figures (lift per ¥1,000, gap to the line): prices, certificates and dates
    # change them without a trigger; rebuilt every night.
    "impact-targeting-daily": {
        "task": "impact.tasks.targeting_refresh_all",
        "schedule": crontab(hour="3", minute="30"),
    },
    # Product views and basket additions counted in the cache, into Oscar's analytics rows.
    "shop-analytics-flush": {
        "task": "shop.tasks.analytics_flush",
        "schedule": crontab(minute="*"),
    },
    # Unpaid orders past their hold (30 minutes Stripe, 7 days transfer): cancel, release stock.
    "payments-expire-reservations": {
        "task": "shop.payments.tasks.payments_expire_reservations",
        "schedule": crontab(minute="*/5"),
    },
}

# ---------------------------------------------------------------- e-mail
# Messages go through a Celery task, so a mail server that is down never
# fails the order that sent them. The task delivers with EMAIL_DELIVERY_BACKEND.
EMAIL_BACKEND = "config.email.CeleryEmailBackend"
EMAIL_DELIVERY_BACKEND = env(
    "EMAIL_DELIVERY_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = OSCAR_FROM_EMAIL
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)

# ---------------------------------------------------------------- payments
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
# Stripe.js must be loaded from Stripe (PCI); the tests never load it.
STRIPE_JS_URL = env("STRIPE_JS_URL", default="https://js.stripe.com/v3/")
STRIPE_PAYMENT_METHOD_TYPES = env.list(
    "STRIPE_PAYMENT_METHOD_TYPES", default=["card", "alipay", "wechat_pay"]
)
# A signed event older than this (seconds), or dated further ahead, is refused, so a
# captured one cannot be replayed (shop/payments/stripe_api.py: webhook_signed_in_future).
STRIPE_WEBHOOK_TOLERANCE = 300
# How long an unpaid order holds its stock before it is cancelled (beat task).
PAYMENT_HOLD_STRIPE_MINUTES = env.int("PAYMENT_HOLD_STRIPE_MINUTES", default=30)
PAYMENT_HOLD_TRANSFER_DAYS = env.int("PAYMENT_HOLD_TRANSFER_DAYS", default=7)

# ---------------------------------------------------------------- personal data
# The keys that encrypt households' personal data at rest, newest first (PII_KEYS,
# comma-separated; a single PII_KEY is a list of one). Values are written under the first
# and read under any; `manage.py pii_rotate` moves them all to the first. The lookup hash
# of ID numbers has its own secret, PII_HASH_KEY, which does not rotate with them (unset:
# derived from PII_KEY as before; it must be set once PII_KEYS is). The embedded default
# derives both from SECRET_KEY; production must set its own.
PII_KEY = env("PII_KEY", default="")
PII_KEYS = env.list("PII_KEYS", default=[])
PII_HASH_KEY = env("PII_HASH_KEY", default="")

# Every handler masks ID numbers (common.logging.MaskIdNumbers): messages, args, tracebacks.
# Django's own loggers ("django", and "django.server", runserver's request log) are named
# here so that they write through these handlers rather than Django's default ones; Celery
# workers log through this same configuration (config/celery_app.py), and gunicorn's access
# log takes the same filter through its logconfig_dict (README, "Personal data").
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_id_numbers": {"()": "common.logging.MaskIdNumbers"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_id_numbers"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["mask_id_numbers"],
        },
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "celery": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "yixiang": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "jieba": {"level": "ERROR"},
    },
}

# ---------------------------------------------------------------- bank transfer (对公转账)
# The platform's receiving account, shown to buyers who pay by transfer. The
# defaults are placeholders for the demo and are marked as such.
PLATFORM_BANK_ACCOUNT = {
    "account_name": env("BANK_ACCOUNT_NAME", default="益享消费帮扶平台（演示账户）"),
    "bank": env("BANK_NAME", default="演示银行昆明分行"),
    "account_number": env("BANK_ACCOUNT_NUMBER", default="0000 0000 0000 0000 000"),
}

# ---------------------------------------------------------------- Operations
# README "Operations": request ids, log format, health endpoints, Sentry; prod.py tightens
# them with ops_prod.py.
from config.log_config import logging_config  # noqa: E402
from config.sentry import sentry_init  # noqa: E402

# The request id first (every later line has it), then the health endpoints, which answer
# before sessions, CSP, host checks and the HTTPS redirect (config/health.py).
MIDDLEWARE = [
    "config.request_id.RequestIdMiddleware",
    "config.health.HealthMiddleware",
    *MIDDLEWARE,
]
# Plain-http probes from the load balancer are not redirected to https.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$"]
#: Seconds each /readyz check may take before it counts as failed.
READYZ_TIMEOUT = env.float("READYZ_TIMEOUT", default=3.0)

# "text" here (development, tests); production's default is "json" (ops_prod.py).
BASE_LOGGING = LOGGING
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOGGING = logging_config(BASE_LOGGING, LOG_FORMAT)

SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_RELEASE = env("SENTRY_RELEASE", default="")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="")
sentry_init(dsn=SENTRY_DSN, release=SENTRY_RELEASE, environment=SENTRY_ENVIRONMENT)

# Queues, time limits, the single beat and the e-mail outbox (config/settings/queues.py).
from .queues import *  # noqa: E402, F403
from .queues import QUEUES_APPS, QUEUES_BEAT_SCHEDULE  # noqa: E402

INSTALLED_APPS += QUEUES_APPS
CELERY_BEAT_SCHEDULE |= QUEUES_BEAT_SCHEDULE
