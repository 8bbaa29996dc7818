"""Demo staff: one account per role, in the regions where such a person would work."""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from minqing.accounts.models import RoleAssignment, User
from minqing.accounts.roles import Role
from minqing.regions.models import Region

DEMO_PASSWORD = "Minqing@2026"

# ---------------------------------------------------------------------------------------------------
# Staff: one account per role, in the regions where such a person would work.


@dataclass(frozen=True)
class StaffSpec:
    username: str
    display_name: str
    title: str
    role: Role
    regions: tuple[str, ...]  # "county", "township" or a village code


_ZHANGZHUANG, _LEIJI, _DONGBATOU, _YANGZHUANG, _ZHUZHUANG = (
    "410225106207",
    "410225106200",
    "410225106202",
    "410225106203",
    "410225106201",
)
DEMO_STAFF: tuple[StaffSpec, ...] = (
    StaffSpec("leader", "刘振华", "东坝头镇党委副书记", Role.LEADER, ("township",)),
    StaffSpec("officer", "赵丽娟", "镇综治中心（信访办）主任", Role.PETITION_OFFICER, ("township",)),
    StaffSpec("handler", "孙建伟", "镇民政所经办人", Role.DEPT_HANDLER, ("township",)),
    StaffSpec("civil", "钱素芳", "镇民政所所长（惠民政策）", Role.CIVIL_AFFAIRS, ("township",)),
    StaffSpec("civil_county", "冯建国", "县民政局社会救助股股长", Role.CIVIL_AFFAIRS, ("county",)),
    StaffSpec(
        "liaison", "王海涛", "包村干部（张庄村、雷集村）", Role.VILLAGE_LIAISON, (_ZHANGZHUANG, _LEIJI)
    ),
    StaffSpec(
        "liaison2", "陈晓燕", "包村干部（东坝头村、杨庄村）", Role.VILLAGE_LIAISON, (_DONGBATOU, _YANGZHUANG)
    ),
    StaffSpec("cadre_zhangzhuang", "张国强", "张庄村党支部书记", Role.VILLAGE_CADRE, (_ZHANGZHUANG,)),
    StaffSpec("cadre_leiji", "雷红军", "雷集村委会主任", Role.VILLAGE_CADRE, (_LEIJI,)),
    StaffSpec("cadre_dongbatou", "李建设", "东坝头村网格员", Role.VILLAGE_CADRE, (_DONGBATOU,)),
    StaffSpec("cadre_yangzhuang", "杨秀英", "杨庄村网格员", Role.VILLAGE_CADRE, (_YANGZHUANG,)),
    StaffSpec("cadre_zhuzhuang", "朱卫东", "朱庄村委会主任", Role.VILLAGE_CADRE, (_ZHUZHUANG,)),
    StaffSpec("mediator", "郭德胜", "镇人民调解委员会调解员", Role.MEDIATOR, ("township",)),
    StaffSpec("supervisor", "黄志刚", "县委督查室督查员", Role.COUNTY_SUPERVISOR, ("county",)),
    StaffSpec(
        "county_officer", "马建军", "县信访局办信接访科科员", Role.COUNTY_PETITION_OFFICER, ("county",)
    ),
    StaffSpec("sysadmin", "周敏", "系统管理员", Role.SYSTEM_ADMIN, ("county",)),
    StaffSpec("secadmin", "吴磊", "安全保密管理员", Role.SECURITY_ADMIN, ("county",)),
    StaffSpec("auditadmin", "郑婷", "安全审计员", Role.AUDIT_ADMIN, ("county",)),
)


@transaction.atomic
def demo_staff_create(*, county: Region, township: Region) -> list[User]:
    """Create (or complete) the demo accounts with their role grants; existing passwords are kept.

    A grant whose village is not loaded is skipped rather than placed somewhere it does not belong.
    """
    password_hash = ""
    users: list[User] = []
    for spec in DEMO_STAFF:
        user, created = User.objects.get_or_create(
            username=spec.username, defaults={"display_name": spec.display_name, "title": spec.title}
        )
        if created:
            if not password_hash:
                validate_password(DEMO_PASSWORD, user)
                # One hash for every account: hashing is slow on purpose and the password is shared anyway.
                password_hash = make_password(DEMO_PASSWORD)
            user.password = password_hash
            user.is_staff = spec.role == Role.SYSTEM_ADMIN  # the system administrator also uses /admin/
            user.save(update_fields=["password", "is_staff"])
        for ref in spec.regions:
            region: Region | None
            if ref == "county":
                region = county
            elif ref == "township":
                region = township
            else:
                region = Region.objects.filter(code=ref).first()
            if region is not None:
                RoleAssignment.objects.get_or_create(user=user, role=spec.role, region=region)
        users.append(user)
    return users


def demo_logins() -> list[tuple[str, str, str, str, str]]:
    """(username, name, role, regions, password) of the demo accounts that exist, in DEMO_STAFF order."""
    users = {u.username: u for u in User.objects.filter(username__in=[s.username for s in DEMO_STAFF])}
    rows: list[tuple[str, str, str, str, str]] = []
    for spec in DEMO_STAFF:
        user = users.get(spec.username)
        if user is None:
            continue
        grants = list(user.role_assignments.select_related("region").order_by("region__path"))
        role = grants[0].get_role_display() if grants else str(spec.role.label)
        regions = "、".join(g.region.name for g in grants) or "—"
        rows.append((spec.username, user.display_name, str(role), regions, DEMO_PASSWORD))
    return rows
