"""Django's admin shows an order's and a line's status but never edits it.

Oscar's order admin would let a superuser type "Paid" into an order or a line;
payment states are set only by ``shop.payments.services`` (see its module
docstring), so the status is read-only here, for orders, their inline lines and lines.
"""

from django.contrib import admin
from oscar.apps.order import admin as oscar_admin
from oscar.core.loading import get_model

Order = get_model("order", "Order")
Line = get_model("order", "Line")


class LineInline(oscar_admin.LineInline):
    readonly_fields = ("status",)


class OrderAdmin(oscar_admin.OrderAdmin):
    readonly_fields = (*oscar_admin.OrderAdmin.readonly_fields, "status")
    inlines = [LineInline]


class LineAdmin(oscar_admin.LineAdmin):
    readonly_fields = ("status",)


for model, model_admin in ((Order, OrderAdmin), (Line, LineAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
