"""A typed request for views behind login: `request.user` is a minqing User."""

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    # Types only: the kernel imports no app at run time.
    from minqing.accounts.models import User


class AuthedRequest(HttpRequest):
    user: "User"
