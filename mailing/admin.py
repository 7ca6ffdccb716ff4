"""The outbox in the Django admin (/django-admin/): pending and given-up mail, read-only."""

from django.contrib import admin
from django.http import HttpRequest

from .models import OutgoingEmail


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "subject", "recipients", "status", "attempts", "sent_at")
    list_filter = ("status",)
    search_fields = ("subject", "recipients")
    readonly_fields = [field.name for field in OutgoingEmail._meta.fields]
    ordering = ("-created_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
