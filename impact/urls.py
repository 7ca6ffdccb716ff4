from django.urls import path

from . import views

app_name = "impact"
urlpatterns = [
    path("declare/", views.declare, name="declare"),
    path("impact/", views.public_impact, name="public"),
    path("impact/mine/", views.my_impact, name="mine"),
]
