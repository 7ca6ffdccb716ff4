"""Serving MEDIA_ROOT from Django, for one host with local media (``SERVE_MEDIA=true``).

Product images and thumbnails are public files; the front end usually serves /media/
itself (README "Deploy", nginx). On a single host without that, ``SERVE_MEDIA`` adds
this view at /media/. It reads MEDIA_ROOT only: the private storage (licences,
certificate scans) lies outside it (base settings refuse otherwise), so no path here
reaches it. Every answer says ``X-Content-Type-Options: nosniff``, so a browser never
runs an uploaded file as something other than the type its name gives it.
"""

from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponseBase
from django.urls import URLPattern, re_path
from django.views.decorators.http import require_safe
from django.views.static import serve

FILE_SYSTEM = "django.core.files.storage.FileSystemStorage"


@require_safe
def media_serve(request: HttpRequest, path: str) -> HttpResponseBase:
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    response["X-Content-Type-Options"] = "nosniff"
    # A stored file never changes under its name (Django and sorl give new files new names).
    response["Cache-Control"] = "public, max-age=86400"
    return response


def media_urlpatterns() -> list[URLPattern]:
    """The /media/ pattern when SERVE_MEDIA is on and DEBUG is off (DEBUG serves it already)."""
    if settings.DEBUG or not getattr(settings, "SERVE_MEDIA", False):
        return []
    configured = cast(dict[str, dict[str, Any]], settings.STORAGES)
    if configured["default"]["BACKEND"] != FILE_SYSTEM:
        raise ImproperlyConfigured("SERVE_MEDIA serves local media only (MEDIA_STORAGE=local).")
    prefix = settings.MEDIA_URL.lstrip("/")
    return [re_path(rf"^{prefix}(?P<path>.*)$", media_serve, name="media")]
