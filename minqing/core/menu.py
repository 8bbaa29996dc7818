"""The menu, declared by each app: `menu = (MenuItem(...), ...)` on its AppConfig, collected by the site.

An app adds or drops its own entry without touching the page that draws the menu. The kernel knows nothing of
permissions: an entry names them as strings, and the site checks them against the actor's grants.
"""

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class MenuLink:
    url_name: str
    perms: tuple[str, ...]  # any one of them shows the link


@dataclass(frozen=True)
class MenuItem:
    """One menu entry. The first of `links` whose permission the user holds is shown; none, and it is hidden."""

    order: int  # position from the left; gaps leave room for apps to come
    label: str | Promise
    links: tuple[MenuLink, ...]


def item(order: int, label: str | Promise, url_name: str, *perms: str) -> MenuItem:
    """The common case: one link behind any of `perms`."""
    return MenuItem(order, label, (MenuLink(url_name, perms),))
