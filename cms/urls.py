from django.urls import path, re_path

from . import views

app_name = "campaigns"
urlpatterns = [
    re_path(r"^c/(?P<code>[A-Za-z0-9-]{1,32})/$", views.campaign_short_link, name="short-link"),
    path("campaigns/<int:pk>/counters.json", views.campaign_counters_json, name="counters"),
    path("campaigns/personal.json", views.campaign_personal_parts, name="personal"),
]
