from django.urls import path

from . import views
from .reporting import views as reporting_views

app_name = "impact"
urlpatterns = [
    path("declare/", views.declare, name="declare"),
    path("impact/", reporting_views.public_impact, name="public"),
    path("impact/mine/", reporting_views.my_impact, name="mine"),
]
