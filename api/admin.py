"""API tokens in the admin: list and revoke (keys are issued by `manage.py create_api_token`)."""

from django.contrib import admin

from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked"]
    list_filter = ["revoked"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
    fields = ["user", "name", "expires_at", "revoked", *readonly_fields]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        queryset.update(revoked=True)
