"""POST /api/v1/suggest-category: the staff REST API's category suggestion (same model as the intake form)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from minqing.regions.scoping import Perm, require

from . import selectors

_MAX_INPUT = 20_000


class SuggestIn(serializers.Serializer[Any]):
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=_MAX_INPUT)
    content = serializers.CharField(required=False, allow_blank=True, default="", max_length=_MAX_INPUT)


class SuggestionOut(serializers.Serializer[Any]):
    category = serializers.CharField(help_text="建议的小类代码（登记时的 category）")
    category_name = serializers.CharField()
    group = serializers.CharField(help_text="小类所属的大类名称")
    confidence = serializers.FloatField()
    evidence = serializers.CharField(help_text="model、keywords 或 model+keywords")


class SuggestOut(serializers.Serializer[Any]):
    model_version = serializers.IntegerField(allow_null=True)
    threshold = serializers.FloatField(allow_null=True, help_text="校准的阈值：只返回置信度不低于它的建议")
    abstained = serializers.BooleanField(help_text="有内容可分类，但没有足够把握的建议：请人工选择")
    suggestions = SuggestionOut(many=True)


@extend_schema(
    request=SuggestIn, responses={200: SuggestOut}, summary="分类建议（达到校准阈值的小类及置信度）"
)
@api_view(["POST"])
def suggest_category(request: Request) -> Response:
    require(request.user, Perm.INTAKE_PETITIONS)
    form = SuggestIn(data=request.data)
    form.is_valid(raise_exception=True)
    result = selectors.category_suggest(form.validated_data["title"], form.validated_data["content"])
    return Response(
        {
            "model_version": result.model_version,
            "threshold": result.threshold,
            "abstained": result.abstained,
            "suggestions": [
                {
                    "category": s.leaf.code,
                    "category_name": str(s.leaf),
                    "group": s.category.name,
                    "confidence": round(s.confidence, 4),
                    "evidence": s.label,
                }
                for s in result.shown
            ],
        }
    )
