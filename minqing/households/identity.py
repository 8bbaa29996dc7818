"""Validation and normalisation of residents' identifiers: ID numbers (GB 11643), phones, pinyin."""

import datetime
import re
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from localflavor.cn.forms import CNIDCardField
from pypinyin import Style, lazy_pinyin

_id_field = CNIDCardField()
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def normalize_id_number(raw: object) -> str:
    """Return the 18-character ID number in canonical form or raise ValidationError with a clear reason."""
    if raw is None:
        return ""
    if isinstance(raw, float | int) and not isinstance(raw, bool):
        raise ValidationError(
            _("身份证号被存成了数字，末尾几位已经丢失；请把该列设为“文本”格式后重新填写。"), code="id_numeric"
        )
    value = str(raw).strip().replace(" ", "").upper()
    if not value:
        return ""
    if _SCIENTIFIC.match(value):
        raise ValidationError(
            _(
                "身份证号显示为科学计数法（%(value)s），说明Excel已把它当成数字并丢失了末位；请把该列设为“文本”格式后重新填写。"
            )
            % {"value": value},
            code="id_scientific",
        )
    if len(value) != 18:
        raise ValidationError(_("身份证号应为18位（现为%(n)d位）。") % {"n": len(value)}, code="id_length")
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise ValidationError(_("身份证号只能由数字和末位X组成。"), code="id_chars")
    try:
        _id_field.clean(value)
    except ValidationError as exc:
        raise ValidationError(
            _("身份证号无效：%(why)s") % {"why": _id_reason(value)}, code="id_invalid"
        ) from exc
    return value


def _id_reason(value: str) -> str:
    if id_birth_date(value) is None:
        return _("出生日期部分不是有效日期")
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(value[:17], weights, strict=True)) % 11]
    if check != value[17]:
        return _("校验位错误")
    return _("地区码不存在")


def id_birth_date(value: str) -> datetime.date | None:
    try:
        return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def id_gender(value: str) -> str:
    """'M' or 'F' from the 17th digit (odd: male)."""
    return "M" if int(value[16]) % 2 else "F"


def normalize_phone(raw: object) -> str:
    """Return a phone number (mobile 11 digits, or landline with area code) or raise ValidationError."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    value = str(raw).strip().replace(" ", "").replace("－", "-")
    if not value:
        return ""
    if value.startswith("+86"):
        value = value[3:]
    if re.search(r"[^\d\-]", value):
        raise ValidationError(
            _("电话号码只能包含数字和连字符（现为“%(value)s”）。") % {"value": value}, code="phone_chars"
        )
    if _MOBILE.match(value):
        return value
    if _LANDLINE.match(value):
        return value
    try:
        parsed = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("电话号码无效。"), code="phone_invalid") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_("电话号码无效（%(value)s）。") % {"value": value}, code="phone_invalid")
    return value


@lru_cache(maxsize=65536)
def pinyin_initials(name: str) -> str:
    """张建国 → zjg. Letters and digits in the name are kept as they are (lower case)."""
    parts = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(p for p in parts if p.isalnum()).lower()
