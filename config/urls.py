from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import URLPattern, URLResolver, include, path
from oscar.config import Shop
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from common import account_views
from config import health
from config.media import media_urlpatterns

oscar_shop: Shop = apps.get_app_config("oscar")  # Oscar's root app: its URLs

urlpatterns: list[URLPattern | URLResolver] = [
    # Load balancers' probes; HealthMiddleware answers them first (config/health.py).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("payments/", include("shop.payments.urls")),
    path("shop/dashboard/payments/", include("shop.payments.dashboard_urls")),
    path("shop/producers/", include("producers.urls")),
    path("shop/unit/", include("shop.units.urls")),  # work units (#8): account, bulk orders
    path("shop/address/", include("shop.address.urls")),  # the address form's 省/市/区 data
    # One login everywhere, and the mobile number on the profile (#19): our stand-ins for
    # Oscar's views at Oscar's paths (its names still reverse to them; shop/FORKS.md).
    path("shop/accounts/login/", account_views.AccountAuthView.as_view()),
    path("shop/accounts/profile/", login_required(account_views.ProfileView.as_view())),
    path(
        "shop/accounts/profile/edit/",
        login_required(account_views.ProfileUpdateView.as_view()),
    ),
    path("shop/", include(oscar_shop.urls[0])),
    path("", include("impact.urls")),
    path("", include("cms.urls")),  # livestream campaigns: /c/<code>/, counters
]

# Local media in development (static() adds nothing when DEBUG is off).
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
# Local media in production on one host, with SERVE_MEDIA=true (config/media.py).
urlpatterns += media_urlpatterns()

# Wagtail's catch-all serves every other path, so it comes last.
urlpatterns += [path("", include(wagtail_urls))]
