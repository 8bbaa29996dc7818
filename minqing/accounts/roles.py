from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEADER = "leader", _("乡镇领导")
    PETITION_OFFICER = "petition_officer", _("信访办/综治中心")
    DEPT_HANDLER = "dept_handler", _("部门/站所经办人")
    # The township's 民政所/社保所 keeps the policy library (惠民政策) the other roles read.
    CIVIL_AFFAIRS = "civil_affairs", _("民政/社保所")
    VILLAGE_LIAISON = "village_liaison", _("包村干部")
    VILLAGE_CADRE = "village_cadre", _("村干部/网格员")
    MEDIATOR = "mediator", _("调解员")
    COUNTY_SUPERVISOR = "county_supervisor", _("县级督查")
    # 县信访局: receives what the townships send up (上报), handles it or returns it with a reason.
    COUNTY_PETITION_OFFICER = "county_petition_officer", _("县信访局经办人")
    # 三员分立: three administrators, none of whom can do another's job or read casework.
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全保密管理员")
    AUDIT_ADMIN = "audit_admin", _("安全审计员")


ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
