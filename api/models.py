"""API tokens for scripts: only a hash is stored, and every token expires."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

PREFIX_LENGTH = 8


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def live(self, now=None):
        return self.filter(revoked=False, expires_at__gt=now or timezone.now())


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for.")
    prefix = models.CharField(max_length=PREFIX_LENGTH, help_text="The token's first characters, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="token_expires_after_creation"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user, name: str, days: int) -> tuple["ApiToken", str]:
        """Create a token; the key is returned once and never stored."""
        key = secrets.token_urlsafe(32)
        now = timezone.now()
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=key[:PREFIX_LENGTH],
            key_hash=_digest(key),
            created_at=now,
            expires_at=now + timezone.timedelta(days=days),
        )
        return token, key

    @classmethod
    def find(cls, key: str) -> "ApiToken | None":
        return cls.objects.live().select_related("user").filter(key_hash=_digest(key)).first()
