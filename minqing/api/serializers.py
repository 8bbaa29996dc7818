"""Shapes of the staff REST API: what a call may send (checked for form only; the services decide the rules) and
what it gets back. Phones are masked as on the pages; full numbers are an audited reveal in the web app."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from minqing.petitions.models import (
    OPEN_STATUSES,
    Channel,
    HandlingLevel,
    Petition,
    PetitionEvent,
    Status,
    Urgency,
)

STATUS_FILTERS = [*Status.values, "reopened"]


class PetitionListQuery(serializers.Serializer[dict[str, Any]]):
    status = serializers.ChoiceField(
        choices=STATUS_FILTERS, required=False, help_text=_("状态；reopened 为重新办理中")
    )
    category = serializers.CharField(required=False, max_length=50, help_text=_("分类代码（含其下小类）"))
    village = serializers.RegexField(
        r"^\d{12}$", required=False, help_text=_("村（社区）或乡镇的 12 位区划代码")
    )
    overdue = serializers.BooleanField(required=False, default=False, help_text=_("只看已超期的"))


class EventSerializer(serializers.ModelSerializer[PetitionEvent]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = PetitionEvent
        fields = [
            "id",
            "kind",
            "kind_label",
            "at",
            "actor_name",
            "note",
            "public_note",
            "is_public",
            "from_level",
            "to_level",
        ]
        read_only_fields = fields


class PetitionSerializer(serializers.ModelSerializer[Petition]):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    category = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    department_name = serializers.SerializerMethodField()
    assignee_name = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Petition
        fields = [
            "id",
            "tracking_code",
            "title",
            "status",
            "status_label",
            "stage",
            "channel",
            "urgency",
            "category",
            "category_name",
            "region",
            "region_name",
            "level",
            "department_name",
            "assignee_name",
            "registered_on",
            "accept_due",
            "conclude_due",
            "due_date",
            "due_kind",
            "overdue",
            "is_repeat",
            "is_skip_level",
            "source_client",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_department_name(self, p: Petition) -> str | None:
        return p.department.name if p.department else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assignee_name(self, p: Petition) -> str | None:
        return str(p.assignee) if p.assignee else None

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, p: Petition) -> bool:
        return p.status in OPEN_STATUSES and p.due_date is not None and p.due_date < timezone.localdate()


class PetitionDetailSerializer(PetitionSerializer):
    submitter = serializers.CharField(source="submitter_label", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True)
    events = serializers.SerializerMethodField()

    class Meta(PetitionSerializer.Meta):
        fields = [
            *PetitionSerializer.Meta.fields,
            "content",
            "address",
            "lat",
            "long",
            "is_anonymous",
            "publish",
            "submitter",
            "phone",
            "is_group",
            "head_count",
            "reply_text",
            "satisfaction",
            "closed_at",
            "events",
        ]
        read_only_fields = fields

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, p: Petition) -> list[dict[str, Any]]:
        events = self.context.get("events", [])
        return list(EventSerializer(events, many=True).data)


class IntakeIn(serializers.Serializer[dict[str, Any]]):
    channel = serializers.ChoiceField(choices=Channel.choices, help_text=_("来源渠道（必填）"))
    category = serializers.CharField(max_length=50, help_text=_("分类代码（小类）"))
    region = serializers.RegexField(r"^\d{12,15}$", help_text=_("所在村（社区）或乡镇的区划代码"))
    title = serializers.CharField(max_length=100)
    content = serializers.CharField(max_length=10_000)
    submitter_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    submitter_phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    submitter_email = serializers.EmailField(required=False, allow_blank=True, default="")
    is_anonymous = serializers.BooleanField(required=False, default=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, default=Urgency.NORMAL)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lat = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, default=None
    )
    long = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, default=None
    )
    is_group = serializers.BooleanField(required=False, default=False)
    head_count = serializers.IntegerField(required=False, default=1, min_value=1, max_value=100_000)
    representatives = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    level = serializers.ChoiceField(
        choices=HandlingLevel.choices, required=False, allow_blank=True, default=""
    )
    registered_on = serializers.DateField(required=False, allow_null=True, default=None)
    publish = serializers.BooleanField(
        required=False, default=False, help_text=_("诉求人同意公开诉求内容和地点（不含姓名、电话）")
    )


class VersionIn(serializers.Serializer[dict[str, Any]]):
    version = serializers.IntegerField(min_value=1, help_text=_("读取时的 version，用于防止覆盖他人的处理"))


class AcceptIn(VersionIn):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ReplyIn(VersionIn):
    text = serializers.CharField(max_length=10_000, help_text=_("答复意见"))


class RouteIn(VersionIn):
    to_level = serializers.ChoiceField(choices=HandlingLevel.choices)
    reason = serializers.CharField(max_length=2000)


class AssignIn(VersionIn):
    department = serializers.IntegerField(required=False, allow_null=True, default=None)
    assignee = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CloseIn(VersionIn):
    reform = serializers.BooleanField(help_text=_("改革发展中的问题"))
    justified = serializers.BooleanField(help_text=_("有理或有实际困难"))
    solvable = serializers.BooleanField(help_text=_("可以解决"))
    grassroots = serializers.BooleanField(help_text=_("基层应解决可解决"))
    solved_level = serializers.ChoiceField(choices=HandlingLevel.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ErrorOut(serializers.Serializer[dict[str, Any]]):
    """{"detail": "…", "errors": {"字段": ["…"]}}; `errors` only when the input had field problems."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # `errors` is the response's key but also a Serializer attribute, so it cannot be a class attribute.
        return {
            "detail": serializers.CharField(),
            "errors": serializers.DictField(
                child=serializers.ListField(child=serializers.CharField()), required=False
            ),
        }
