from django.urls import path

from . import views

app_name = "units"
urlpatterns = [
    path("", views.unit_home, name="home"),
    path("apply/", views.unit_apply, name="apply"),
    path("invoice/", views.unit_invoice, name="invoice"),
    path("plan/", views.unit_plan, name="plan"),
    path("quick-order/", views.quick_order, name="quick-order"),
    path("quick-order/upload/", views.order_list_upload, name="upload"),
    path("quick-order/template.csv", views.order_list_template, name="template"),
    path("lists/", views.order_lists, name="lists"),
    path("lists/<int:pk>/basket/", views.order_list_reorder, name="list-reorder"),
    path("lists/<int:pk>/delete/", views.order_list_delete, name="list-delete"),
    path("orders/", views.unit_order_list, name="orders"),
    path("orders/<str:number>/", views.unit_order_detail, name="order"),
    path("orders/<str:number>/inspect/", views.unit_order_inspect, name="inspect"),
    path("orders/<str:number>/certificate/", views.unit_order_certificate, name="certificate"),
]
