"""Hot spots and early warnings drawn from requests' text.

* `DupBand`: the near-duplicate index. Each request's text has a MinHash signature cut into LSH bands; one row per
  band holds the band's 64-bit hash. Requests sharing a band hash are candidates, confirmed by an exact comparison
  of their text. It lives in the database so that any app server can answer (they keep no state).
* `HotSpot`: a cluster of similar recent requests in one township, with the figures the leader ranks by.
* `Warning`: a fast-growing hot spot or a watched phrase in a request, routed to the township's leaders.
* `WatchedPhrase`: the configurable list (上访, 堵路, 讨薪 …), with exclusions against false hits.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from minqing.core.models import TimeStampedModel


class DupBand(models.Model):
    petition = models.ForeignKey(
        "petitions.Petition", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    band = models.BigIntegerField()
    region_path = models.CharField(max_length=15)

    class Meta:
        verbose_name = _("相似索引")
        verbose_name_plural = _("相似索引")
        indexes = [
            # (band, petition): a lookup reads the candidates off the index without touching the table.
            models.Index(fields=["band", "petition"], name="dupband_band_petition"),
            models.Index(fields=["petition"], name="dupband_petition"),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id}:{self.band}"


class WatchedPhrase(TimeStampedModel):
    """A phrase that raises a warning when a request contains it. Blank region: watched everywhere."""

    phrase = models.CharField(_("关注词"), max_length=30)
    exclusions = models.CharField(
        _("排除词"),
        max_length=300,
        blank=True,
        help_text=_("包含关注词但不是该意思的词，用空格或逗号分隔，如“集体”的“村集体 集体经济”。"),
    )
    region_path = models.CharField(_("适用区域"), max_length=15, blank=True, db_index=True)
    is_active = models.BooleanField(_("在用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["region_path", "phrase"]
        verbose_name = _("关注词")
        verbose_name_plural = _("关注词")
        constraints = [
            models.UniqueConstraint(fields=["region_path", "phrase"], name="watched_phrase_unique"),
        ]

    def __str__(self) -> str:
        return self.phrase

    @property
    def exclusion_list(self) -> tuple[str, ...]:
        return tuple(w for w in self.exclusions.replace("，", " ").replace(",", " ").split() if w)


class HotSpot(TimeStampedModel):
    """One cluster of similar requests in a township over the current window, compared with the window before."""

    region_path = models.CharField(max_length=15, db_index=True)  # the township
    # The village most of the members come from, when one does (a problem of one place).
    main_village = models.ForeignKey(
        "regions.Region", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    window_start = models.DateField(_("起"))
    window_end = models.DateField(_("止"))
    title = models.CharField(_("代表诉求"), max_length=100)
    keywords = models.JSONField(_("关键词"), default=list)
    size = models.PositiveIntegerField(_("件数"))
    prev_size = models.PositiveIntegerField(_("上期件数"), default=0)
    growth = models.IntegerField(_("增长"), default=0)
    households = models.PositiveIntegerField(_("涉及户数"), default=0)
    vulnerable = models.PositiveIntegerField(_("困难户数"), default=0)
    places = models.PositiveIntegerField(_("涉及村数"), default=0)
    score = models.FloatField(_("热度"), default=0)
    is_current = models.BooleanField(default=True)
    members = models.ManyToManyField("petitions.Petition", related_name="+", through="HotSpotMember")

    class Meta:
        ordering = ["-score", "-size", "-id"]
        verbose_name = _("热点")
        verbose_name_plural = _("热点")
        indexes = [models.Index(fields=["is_current", "region_path", "-score"], name="hotspot_current_score")]

    def __str__(self) -> str:
        return f"{self.title} ({self.size})"


class HotSpotMember(models.Model):
    hotspot = models.ForeignKey(HotSpot, on_delete=models.CASCADE)
    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="+")
    in_previous = models.BooleanField(default=False)  # from the comparison window

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hotspot", "petition"], name="hotspot_member_unique")]

    def __str__(self) -> str:
        return f"{self.hotspot_id}:{self.petition_id}"


class WarningKind(models.TextChoices):
    GROWTH = "growth", _("快速增长")
    PHRASE = "phrase", _("敏感词")


class WarningStatus(models.TextChoices):
    NEW = "new", _("新预警")
    SEEN = "seen", _("已查看")
    HANDLED = "handled", _("已处置")


class Warning(TimeStampedModel):
    kind = models.CharField(_("类型"), max_length=10, choices=WarningKind.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=WarningStatus.choices, default=WarningStatus.NEW
    )
    # The township whose leaders receive it; access is decided on this path.
    region_path = models.CharField(max_length=15, db_index=True)
    hotspot = models.ForeignKey(
        HotSpot, on_delete=models.SET_NULL, null=True, blank=True, related_name="warnings"
    )
    petition = models.ForeignKey(
        "petitions.Petition", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    phrase = models.CharField(_("关注词"), max_length=30, blank=True)
    message = models.CharField(_("内容"), max_length=300)
    # One warning per matter: recomputing hot spots must not raise the same warning again.
    key = models.CharField(max_length=120, unique=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_note = models.CharField(_("处置情况"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        indexes = [models.Index(fields=["region_path", "status"], name="warning_region_status")]

    def __str__(self) -> str:
        return self.message
