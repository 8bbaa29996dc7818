"""Account events, credentials and role grants; each leaves an audit row.

The three administrators (三员分立) keep each other in check here, not in the admin or the API, so every way in
obeys the same rules:

* no one grants a role to themselves;
* the system, security and audit administrator roles exclude each other and every casework role;
* no one sets another person's password except through `password_reset`: the security administrator resets
  anyone's but their own, and only the system administrator resets a security administrator's; the owner must
  choose a new password at the next login, and is told of the reset;
* a lockout is recorded (and, per account, told to its owner); the security administrator lifts it.
"""

from typing import Any

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.audit.config import config_save
from minqing.audit.models import Action
from minqing.audit.services import audit_record
from minqing.core.notify import notify
from minqing.regions.models import Region
from minqing.regions.scoping import Perm, forget_grants, has_perm, require

from .models import RoleAssignment, User
from .roles import ADMIN_ROLES, Role


def login_record(*, user: User, ip: str | None) -> None:
    audit_record(actor=user, action=Action.LOGIN, obj=user, ip=ip)


def login_failed_record(*, username: str, ip: str | None) -> None:
    audit_record(
        actor=None, action=Action.LOGIN_FAILED, object_type="accounts.user", object_repr=username[:150], ip=ip
    )


def logout_record(*, user: Any, ip: str | None, note: str = "") -> None:
    if getattr(user, "is_authenticated", False):
        audit_record(actor=user, action=Action.LOGOUT, obj=user, ip=ip, note=note)


# --- Accounts --------------------------------------------------------------------------------------------------


@transaction.atomic
def user_save(*, actor: User, user: User, is_new: bool) -> User:
    """Save an account edited by the system administrator. A new account's password was chosen by the
    administrator, so its owner must replace it at the first login."""
    require(actor, Perm.MANAGE_CONFIG)
    if is_new:
        user.must_change_password = True
    config_save(actor=actor, obj=user, is_new=is_new)
    return user


def _held_roles(user: User, *, excluding: RoleAssignment | None = None) -> set[Role]:
    # Every grant counts, also in a region since closed: reopening the region must not join two roles.
    qs = RoleAssignment.objects.filter(user=user)
    if excluding is not None:
        qs = qs.exclude(pk=excluding.pk)
    return {Role(r) for r in qs.values_list("role", flat=True)}


# --- Role grants -----------------------------------------------------------------------------------------------


def role_grant_check(
    *, actor: User, user: User, role: str, region: Region, replacing: RoleAssignment | None = None
) -> None:
    """Raise unless `actor` may give `user` the role in `region` (`replacing`: the grant this one replaces).

    PermissionDenied when the actor is no security administrator over the region; ValidationError (on `role`,
    or on `user` for a grant to oneself) when the grant breaks the separation of duties."""
    require(actor, Perm.MANAGE_ROLES, region.path)
    if user.pk == actor.pk:
        raise ValidationError({"user": _("不能给自己授予角色，须由另一名安全保密管理员授予。")})
    wanted = Role(role)
    held = _held_roles(user, excluding=replacing)
    if wanted in ADMIN_ROLES:
        others = sorted(held - {wanted})
        if others:
            raise ValidationError(
                {
                    "role": _("%(role)s须专人专岗（三员分立）：该账号已有角色“%(held)s”，不能兼任。")
                    % {"role": wanted.label, "held": "、".join(str(r.label) for r in others)}
                }
            )
    else:
        admin = sorted(held & ADMIN_ROLES)
        if admin:
            raise ValidationError(
                {
                    "role": _("该账号是%(held)s，不能再授予业务角色（三员分立）。")
                    % {"held": "、".join(str(r.label) for r in admin)}
                }
            )


def _lock_user(user: User) -> None:
    # Two grants to one account at once (say the audit and the security role) must not both pass the check.
    User.objects.select_for_update().filter(pk=user.pk).first()


@transaction.atomic
def role_grant(*, actor: User, user: User, role: str, region: Region) -> RoleAssignment:
    """Give `user` a role in `region`. Only the security administrator grants roles, never to themselves, and
    never so that one account holds two of the administrator roles, or one of them beside casework."""
    _lock_user(user)
    role_grant_check(actor=actor, user=user, role=role, region=region)
    assignment, _created = RoleAssignment.objects.get_or_create(user=user, role=role, region=region)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=assignment,
        after={"user": user.username, "role": role, "region": region.code},
        region_path=region.path,
    )
    forget_grants(user)
    return assignment


@transaction.atomic
def role_change(
    *, actor: User, assignment: RoleAssignment, user: User, role: str, region: Region
) -> RoleAssignment:
    """Replace one grant by another (the admin's edit of a grant): checked as a new grant, without the old one."""
    role_revoke(
        actor=actor, assignment=RoleAssignment.objects.select_related("user", "region").get(pk=assignment.pk)
    )
    return role_grant(actor=actor, user=user, role=role, region=region)


@transaction.atomic
def role_revoke(*, actor: User, assignment: RoleAssignment) -> None:
    require(actor, Perm.MANAGE_ROLES, assignment.region.path)
    before = {"user": assignment.user.username, "role": assignment.role, "region": assignment.region.code}
    audit_record(
        actor=actor, action=Action.DELETE, obj=assignment, before=before, region_path=assignment.region.path
    )
    assignment.delete()
    forget_grants(assignment.user)


# --- Passwords -------------------------------------------------------------------------------------------------


def password_reset_check(*, actor: User, user: User) -> None:
    """Raise PermissionDenied unless `actor` may set `user`'s password.

    Whoever sets a password could sign in as its owner, so the one who grants roles resets passwords, and
    the security administrator's own account is reset by the system administrator; no one resets their own
    here (the password change page asks for the old one)."""
    if actor.pk == user.pk:
        raise PermissionDenied(_("不能在这里设置本人密码，请使用“修改密码”页面。"))
    if Role.SECURITY_ADMIN in _held_roles(user):
        if not has_perm(actor, Perm.MANAGE_CONFIG):
            raise PermissionDenied(_("安全保密管理员的密码只能由系统管理员重置。"))
    elif not has_perm(actor, Perm.MANAGE_ROLES):
        raise PermissionDenied(_("只有安全保密管理员可以重置他人的密码。"))


def password_reset_allowed(*, actor: User, user: User) -> bool:
    try:
        password_reset_check(actor=actor, user=user)
    except PermissionDenied:
        return False
    return True


def _tell_owner(user: User, subject: str, body: str) -> None:
    if user.phone or user.email:
        notify(
            phone=user.phone, email=user.email, subject=subject, body=body, about=f"accounts.user:{user.pk}"
        )


@transaction.atomic
def password_reset(*, actor: User, user: User, password: str, ip: str | None = None) -> User:
    """Set another account's password (a forgotten one). The owner must replace it at the next login."""
    password_reset_check(actor=actor, user=user)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit_record(actor=actor, action=Action.PASSWORD_RESET, obj=user, ip=ip)
    at = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    _tell_owner(
        user,
        _("民情：您的密码已被重置"),
        _(
            "您的账号 %(username)s 的密码已于 %(at)s 由 %(actor)s 重置，下次登录时须设置新密码。如非本人申请，请立即联系安全保密管理员。"
        )
        % {"username": user.username, "at": at, "actor": actor.username},
    )
    return user


@transaction.atomic
def password_change(*, actor: User, password: str, ip: str | None = None) -> User:
    """The actor replaces their own password (the form has checked the old one). A password someone else
    chose may not be kept."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    if user.check_password(password):
        raise ValidationError({"new_password1": _("新密码不能与原密码相同。")})
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages}) from exc
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(actor=user, action=Action.PASSWORD_CHANGE, obj=user, ip=ip)
    # The caller's session keeps the user object it has; let it see the new state too.
    actor.password, actor.must_change_password = user.password, False
    return user


# --- Lockouts --------------------------------------------------------------------------------------------------


class LockScope(models.TextChoices):
    ADDRESS = "address", _("同一地址")
    ACCOUNT = "account", _("账号")


@transaction.atomic
def account_lockout_record(
    *, username: str, ip: str | None, scope: LockScope, failures: int, addresses: int
) -> None:
    """An account is under attack: its failed logins reached a limit. Recorded, and when the account itself is
    locked (from however many addresses), its owner is told."""
    user = User.objects.filter(username=username).first()
    if scope == LockScope.ACCOUNT:
        note = _("账号 %(m)d 分钟内登录失败 %(n)d 次（来自 %(a)d 个地址），已锁定该账号。") % {
            "m": round(float(settings.AXES_COOLOFF_TIME) * 60),
            "n": failures,
            "a": addresses,
        }
    else:
        note = _("同一地址登录失败 %(n)d 次，已锁定该地址对此账号的登录。") % {"n": failures}
    audit_record(
        actor=None,
        action=Action.LOCKOUT,
        obj=user,
        object_type="accounts.user",
        object_repr=username[:150],
        note=note,
        ip=ip,
    )
    if user is not None and scope == LockScope.ACCOUNT:
        _tell_owner(
            user,
            _("民情：您的账号已被锁定"),
            _("您的账号 %(username)s 连续多次登录失败，已被临时锁定。如非本人操作，请联系安全保密管理员。")
            % {"username": username},
        )


@transaction.atomic
def account_unlock(*, actor: User, username: str, ip: str | None = None) -> int:
    """Lift the login lockout of an account (every address). Returns how many failure records were cleared."""
    require(actor, Perm.MANAGE_ROLES)
    cleared = axes_reset(username=username)
    user = User.objects.filter(username=username).first()
    audit_record(
        actor=actor,
        action=Action.UNLOCK,
        obj=user,
        object_type="accounts.user",
        object_repr=username[:150],
        note=_("清除登录失败记录 %(n)d 条。") % {"n": cleared},
        ip=ip,
    )
    return cleared
