from django.urls import path

from . import dashboard_views

app_name = "payments-dashboard"

urlpatterns = [
    path("", dashboard_views.payment_list, name="list"),
    path("<str:number>/", dashboard_views.payment_detail, name="detail"),
    path("<str:number>/transfer/", dashboard_views.transfer_record, name="transfer"),
    path("<str:number>/refund/", dashboard_views.refund_create, name="refund"),
]
