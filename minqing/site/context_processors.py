from typing import Any

from django.apps import apps
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from minqing.core.menu import MenuItem
from minqing.regions.scoping import Perm, has_perm


def _menu_items() -> list[MenuItem]:
    items = [entry for config in apps.get_app_configs() for entry in getattr(config, "menu", ())]
    return sorted(items, key=lambda i: i.order)


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu shows only what the user's roles allow; each app declares its entries (`AppConfig.menu`)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items: list[tuple[str, str]] = [(reverse("home"), _("首页"))]
    for entry in _menu_items():
        link = next((ln for ln in entry.links if any(has_perm(user, Perm(p)) for p in ln.perms)), None)
        if link is not None:
            items.append((reverse(link.url_name), str(entry.label)))
    path = request.path
    return {
        "nav_items": [
            {"url": url, "label": label, "active": path == url or (url != "/" and path.startswith(url))}
            for url, label in items
        ],
        "nav_can_search": has_perm(user, Perm.VIEW_HOUSEHOLDS),
    }
