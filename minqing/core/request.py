"""A typed request for views behind login: `request.user` is a minqing User."""

from django.http import HttpRequest

from minqing.accounts.models import User


class AuthedRequest(HttpRequest):
    user: User
