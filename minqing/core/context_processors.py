from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from minqing.regions.scoping import Perm, has_perm


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu shows only what the user's roles allow."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items: list[tuple[str, str]] = [(reverse("home"), _("首页"))]
    if has_perm(user, Perm.VIEW_HOUSEHOLDS):
        items.append((reverse("households:list"), _("民情档案")))
    if has_perm(user, Perm.VIEW_PETITIONS) or has_perm(user, Perm.HANDLE_ASSIGNED):
        items.append((reverse("petitions:list"), _("诉求办理")))
    if has_perm(user, Perm.VIEW_HOTSPOTS):
        items.append((reverse("hotspots:list"), _("热点预警")))
    if has_perm(user, Perm.LOG_VISITS):
        items.append((reverse("visits:mine"), _("下村")))
    elif has_perm(user, Perm.VIEW_VISITS):
        items.append((reverse("visits:compliance"), _("下村")))
    if has_perm(user, Perm.VIEW_DISPUTES):
        items.append((reverse("mediation:list"), _("矛盾调解")))
    if has_perm(user, Perm.IMPORT_HOUSEHOLDS):
        items.append((reverse("households:import"), _("导入")))
    if has_perm(user, Perm.VIEW_AUDIT):
        items.append((reverse("audit:list"), _("审计日志")))
    if has_perm(user, Perm.MANAGE_CONFIG) or has_perm(user, Perm.MANAGE_ROLES):
        items.append((reverse("admin:index"), _("系统配置")))
    path = request.path
    return {
        "nav_items": [
            {"url": url, "label": label, "active": path == url or (url != "/" and path.startswith(url))}
            for url, label in items
        ],
        "nav_can_search": has_perm(user, Perm.VIEW_HOUSEHOLDS),
    }
