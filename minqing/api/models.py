"""Credentials of machine clients: Open311 API keys (a partner app filing requests for a jurisdiction) and staff
tokens (a member of staff's script calling the REST API as themselves).

Neither stores the secret: only its SHA-256 and a short prefix that people can read in lists and logs.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from minqing.petitions.models import Petition
from minqing.regions.models import Region


class ApiKey(models.Model):
    """An Open311 client. Its region is the jurisdiction it files into and reads from."""

    name = models.CharField(
        _("名称"), max_length=50, unique=True, help_text=_("接入方名称，记入诉求的接口来源")
    )
    prefix = models.CharField(_("密钥前缀"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("辖区"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 接入密钥")
        verbose_name_plural = _("Open311 接入密钥")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def region_path(self) -> str:
        return self.region.path


class StaffToken(models.Model):
    """A token for the staff REST API; requests made with it act as its user, with the user's roles."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户")
    )
    prefix = models.CharField(_("令牌前缀"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.user} ({self.prefix}…)"


class Open311Submission(models.Model):
    """One POST of an Open311 client: its token, device and account ids, media URL, and until the task worker has
    filed it, the checked request itself (`payload`). Intake is queued so that a burst of submissions costs the
    client one small insert each; the worker files them through the same service as every other channel."""

    petition = models.OneToOneField(
        Petition, on_delete=models.CASCADE, related_name="open311", null=True, blank=True
    )
    payload = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="submissions")
    token = models.CharField(max_length=32, unique=True)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Open311 提交")
        verbose_name_plural = _("Open311 提交")

    def __str__(self) -> str:
        return self.token

    @property
    def region_path(self) -> str:
        return self.petition.region_path if self.petition is not None else self.api_key.region.path
