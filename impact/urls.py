from django.urls import path

from . import views

app_name = "impact"
urlpatterns = [path("declare/", views.declare, name="declare")]
