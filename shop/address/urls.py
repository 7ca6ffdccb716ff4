from django.urls import path

from . import views

app_name = "address"

urlpatterns = [
    path("divisions.json", views.divisions_json, name="divisions"),
]
