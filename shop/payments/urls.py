from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
    path("stripe/pay/<str:number>/", views.stripe_pay, name="stripe-pay"),
    path("stripe/return/<str:number>/", views.stripe_return, name="stripe-return"),
]
