"""Trained text models and the record of what was suggested to officers and what they chose."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minqing.core.models import TimeStampedModel


class ModelKind(models.TextChoices):
    CATEGORY = "category", _("诉求分类建议")


class TextModel(TimeStampedModel):
    """One trained version. The bytes live in the database so that every stateless app server uses the same one."""

    kind = models.CharField(_("类型"), max_length=20, choices=ModelKind.choices, default=ModelKind.CATEGORY)
    version = models.PositiveIntegerField(_("版本"))
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("训练人"),
    )
    source = models.CharField(_("训练数据"), max_length=300)
    labels = models.JSONField(_("标签"), default=list)
    # label → Category.pk; a label without a category in this deployment maps to null and is not suggested.
    label_categories = models.JSONField(_("标签对应分类"), default=dict)
    # label → [leaf Category.pk]: the only leaves the model part may propose, fixed when the version is trained so
    # that a leaf added to the tree later is not claimed by a model that never saw it.
    label_leaves = models.JSONField(_("标签对应小类"), default=dict, blank=True)
    # Confidence at or above which a suggestion is shown, fitted on held-out requests for a target precision;
    # null: not calibrated (or no threshold reached the target), so nothing is shown.
    threshold = models.FloatField(_("建议阈值"), null=True, blank=True)
    metrics = models.JSONField(_("评估指标"), default=dict, blank=True)
    data = models.BinaryField(_("模型数据"))
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    is_active = models.BooleanField(_("在用"), default=False)

    class Meta:
        ordering = ["kind", "-version"]
        verbose_name = _("文本模型")
        verbose_name_plural = _("文本模型")
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="textmodel_kind_version_unique"),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(is_active=True), name="textmodel_one_active_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class SuggestionLog(TimeStampedModel):
    """One suggestion shown with a request that was then registered, and the category the officer chose."""

    model = models.ForeignKey(
        TextModel, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("模型")
    )
    model_version = models.PositiveIntegerField(_("模型版本"))
    petition = models.OneToOneField(
        "petitions.Petition",
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("诉求"),
    )
    region_path = models.CharField(max_length=15, db_index=True, blank=True)
    # [[evidence (model/keywords/model+keywords), leaf id, confidence, shown], ...], best first
    suggested = models.JSONField(_("建议"), default=list)
    chosen_category = models.ForeignKey(
        "petitions.Category",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("选定分类"),
    )
    chosen_label = models.CharField(_("选定标签"), max_length=50, blank=True)
    accepted = models.BooleanField(_("采纳首选"), default=False)
    in_top = models.BooleanField(_("在建议之中"), default=False)
    channel = models.CharField(_("来源"), max_length=20, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("分类建议记录")
        verbose_name_plural = _("分类建议记录")

    def __str__(self) -> str:
        return f"v{self.model_version} → {self.chosen_label or '-'}"
