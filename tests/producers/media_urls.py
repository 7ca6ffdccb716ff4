"""/media/ as config/urls.py serves it in DEBUG (``static()``), imported under DEBUG=True."""

from django.conf import settings
from django.conf.urls.static import static

urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
