"""Token authentication: `Authorization: Bearer <key>` (or `Token <key>`) checked against a stored hash."""

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.models import ApiToken


class HashedTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("The Authorization header takes one token after its keyword.")
        token = ApiToken.find(header[1].decode("latin-1"))
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Unknown, expired or revoked token.")
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = HashedTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A key from `manage.py create_api_token`."}
