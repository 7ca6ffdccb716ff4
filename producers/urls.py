from django.urls import path

from . import views

app_name = "producers"
urlpatterns = [
    path("", views.producer_list, name="list"),
    path("apply/", views.producer_apply, name="apply"),
    path("my-households/", views.my_households, name="my-households"),
    path("<int:pk>/", views.producer_detail, name="detail"),
    # Private documents, as downloads: the producer's users, its reviewers, its county's staff.
    path("files/licence/<int:pk>/", views.licence_file, name="licence-file"),
    path("files/certificate/<int:pk>/", views.certificate_file, name="certificate-file"),
]
