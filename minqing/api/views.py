"""The staff REST API (/api/v1/): token-authenticated, every read through the petitions selectors (so through
scoping), every write through the petitions services. Views parse, call and render."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from minqing.accounts.models import User
from minqing.core.errors import ConflictError, ServiceError, ValidationError
from minqing.core.views_util import client_ip
from minqing.petitions import selectors as petition_selectors
from minqing.petitions import services as petition_services
from minqing.petitions.models import Category, Petition
from minqing.petitions.services import Intake, Judgements

from . import selectors, services
from . import serializers as s


def ping(request: HttpRequest) -> HttpResponse:
    """Hello world through the full middleware stack: the benchmark's baseline."""
    return HttpResponse(b"pong", content_type="text/plain")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Service refusals as JSON: rule → 400, someone else's change → 409, not allowed → 403, unseen → 404."""
    if isinstance(exc, ConflictError):
        return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ServiceError):
        return Response({"detail": exc.message}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        detail = "；".join(m for messages in errors.values() for m in messages)
        return Response({"detail": detail, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied):
        message = str(exc) or _("您没有执行此操作的权限。")
        return Response({"detail": message}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, Http404):
        return Response({"detail": _("找不到该记录。")}, status=status.HTTP_404_NOT_FOUND)
    return drf_exception_handler(exc, context)


class Pages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _bad(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _category(code: str) -> Category:
    category = selectors.category_by_code(code)
    if category is None:
        raise _bad("category", _("分类代码“%(code)s”不存在。") % {"code": code})
    return category


_ERRORS = {
    400: OpenApiResponse(s.ErrorOut, description="输入有误或办理规则不允许"),
    403: OpenApiResponse(s.ErrorOut, description="无权办理"),
    404: OpenApiResponse(s.ErrorOut, description="不存在或不在辖区内"),
}


class PetitionViewSet(viewsets.GenericViewSet[Petition]):
    """诉求: list, read, register, and the handling steps."""

    pagination_class = Pages
    serializer_class = s.PetitionSerializer
    queryset = Petition.objects.none()  # every read goes through the selectors; this only names the model

    @property
    def actor(self) -> User:
        user = self.request.user
        assert isinstance(user, User)
        return user

    def _detail(self, p: Petition, status_code: int = status.HTTP_200_OK) -> Response:
        events = list(petition_selectors.petition_event_list(petition=p))
        data = s.PetitionDetailSerializer(p, context={"events": events}).data
        return Response(data, status=status_code)

    def _get(self, pk: str) -> Petition:
        if not pk.isdigit():
            raise Http404
        return petition_selectors.petition_get(actor=self.actor, pk=int(pk))

    @extend_schema(parameters=[s.PetitionListQuery], summary="诉求列表（辖区内）")
    def list(self, request: Request) -> Response:
        query = s.PetitionListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        filters = petition_selectors.ListFilters(status=q.get("status", ""), overdue=q.get("overdue", False))
        if q.get("category"):
            filters.category = _category(q["category"]).pk
        if q.get("village"):
            region = selectors.region_by_code(q["village"])
            if region is None:
                raise _bad("village", _("区划代码“%(code)s”不存在。") % {"code": q["village"]})
            filters.region = region.path
        qs = petition_selectors.petition_list(actor=self.actor, filters=filters)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.PetitionSerializer(page, many=True).data)

    @extend_schema(
        responses={200: s.PetitionDetailSerializer, 404: _ERRORS[404]}, summary="诉求详情（含办理记录）"
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(self._get(pk))

    @extend_schema(
        request=s.IntakeIn,
        responses={201: s.PetitionDetailSerializer, 400: _ERRORS[400], 403: _ERRORS[403]},
        summary="登记诉求",
    )
    def create(self, request: Request) -> Response:
        form = s.IntakeIn(data=request.data)
        form.is_valid(raise_exception=True)
        d = dict(form.validated_data)
        region = selectors.region_by_code(d.pop("region"))
        if region is None:
            raise _bad("region", _("区划代码不存在。"))
        intake = Intake(category=_category(d.pop("category")), region=region, **d)
        p = petition_services.petition_register(actor=self.actor, data=intake, ip=client_ip(request))
        return self._detail(p, status.HTTP_201_CREATED)

    def _step(
        self, pk: str, serializer: type[s.VersionIn], request: Request
    ) -> tuple[Petition, dict[str, Any]]:
        p = self._get(pk)
        form = serializer(data=request.data)
        form.is_valid(raise_exception=True)
        return p, dict(form.validated_data)

    @extend_schema(request=s.AcceptIn, responses={200: s.PetitionDetailSerializer, **_ERRORS}, summary="受理")
    @action(detail=True, methods=["post"], url_path="actions/accept")
    def accept(self, request: Request, pk: str) -> Response:
        p, d = self._step(pk, s.AcceptIn, request)
        p = petition_services.petition_accept(
            actor=self.actor, petition=p, version=d["version"], note=d["note"]
        )
        return self._detail(p)

    @extend_schema(request=s.ReplyIn, responses={200: s.PetitionDetailSerializer, **_ERRORS}, summary="答复")
    @action(detail=True, methods=["post"], url_path="actions/reply")
    def reply(self, request: Request, pk: str) -> Response:
        p, d = self._step(pk, s.ReplyIn, request)
        p = petition_services.petition_reply(
            actor=self.actor, petition=p, version=d["version"], text=d["text"]
        )
        return self._detail(p)

    @extend_schema(
        request=s.RouteIn, responses={200: s.PetitionDetailSerializer, **_ERRORS}, summary="上报或交办"
    )
    @action(detail=True, methods=["post"], url_path="actions/route")
    def route(self, request: Request, pk: str) -> Response:
        p, d = self._step(pk, s.RouteIn, request)
        p = petition_services.petition_route(
            actor=self.actor, petition=p, version=d["version"], to_level=d["to_level"], reason=d["reason"]
        )
        return self._detail(p)

    @extend_schema(
        request=s.AssignIn, responses={200: s.PetitionDetailSerializer, **_ERRORS}, summary="指定承办"
    )
    @action(detail=True, methods=["post"], url_path="actions/assign")
    def assign(self, request: Request, pk: str) -> Response:
        p, d = self._step(pk, s.AssignIn, request)
        department = None
        if d["department"] is not None:
            department = petition_selectors.department_qs(actor=self.actor).filter(pk=d["department"]).first()
            if department is None:
                raise _bad("department", _("承办部门不存在。"))
        assignee = None
        if d["assignee"] is not None:
            assignee = selectors.active_user(d["assignee"])
            if assignee is None:
                raise _bad("assignee", _("承办人不存在。"))
        p = services.petition_assign(
            actor=self.actor,
            petition=p,
            version=d["version"],
            department=department,
            assignee=assignee,
            note=d["note"],
        )
        return self._detail(p)

    @extend_schema(request=s.CloseIn, responses={200: s.PetitionDetailSerializer, **_ERRORS}, summary="办结")
    @action(detail=True, methods=["post"], url_path="actions/close")
    def close(self, request: Request, pk: str) -> Response:
        p, d = self._step(pk, s.CloseIn, request)
        judgements = Judgements(
            reform=d["reform"],
            justified=d["justified"],
            solvable=d["solvable"],
            grassroots=d["grassroots"],
            solved_level=d["solved_level"],
        )
        p = petition_services.petition_close(
            actor=self.actor, petition=p, version=d["version"], judgements=judgements, note=d["note"]
        )
        return self._detail(p)
