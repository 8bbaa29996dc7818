"""`Authorization: Token <key>` for the staff REST API: the token's user, with that user's roles."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from minqing.accounts.models import User

from . import selectors, services
from .models import StaffToken


class StaffTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[User, StaffToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Authorization 头格式应为：Token <令牌>。"))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("令牌无效。")) from exc
        token = selectors.staff_token_for(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效、已停用，或其账号已停用。"))
        services.credential_touch(token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class StaffTokenScheme(OpenApiAuthenticationExtension):
    target_class = "minqing.api.auth.StaffTokenAuthentication"
    name = "StaffToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _("Token <令牌>；令牌用命令 minqing api_token 用户名 生成。"),
        }
