"""API tokens in the admin: list, rename and revoke (keys are issued by `manage.py create_api_token`).

Whose a token is, when it expires and its key are fixed once issued, and a revoked token stays revoked: a staff user
who may change tokens could otherwise hand one to a superuser, or bring a revoked one back.
"""

from django.contrib import admin

from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked"]
    list_filter = ["revoked"]
    FIXED = ["user", "prefix", "key_hash", "created_at", "expires_at", "last_used_at"]
    fields = ["user", "name", "expires_at", "revoked", "prefix", "key_hash", "created_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [*self.FIXED, "revoked"] if obj is not None and obj.revoked else self.FIXED

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        queryset.update(revoked=True)
