import pytest
from django.core.exceptions import ValidationError

from minqing.core.privacy import mask_id_number, mask_phone
from minqing.core.tests.factories import make_id_number
from minqing.households.identity import normalize_id_number, normalize_phone, pinyin_initials

VALID = make_id_number()


def test_valid_id_number_is_accepted_and_normalised():
    assert normalize_id_number(" " + VALID.lower() + " ") == VALID


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (VALID[:-1] + ("0" if VALID[-1] != "0" else "1"), "校验位"),
        ("41022519801301001X", "出生日期"),
        ("4102251980010100", "18位"),
        ("1.10105E+17", "科学计数法"),
        ("41022519800101A01X", "数字"),
    ],
)
def test_bad_id_numbers_are_refused_with_the_reason(raw, fragment):
    with pytest.raises(ValidationError) as exc:
        normalize_id_number(raw)
    assert fragment in " ".join(exc.value.messages)


def test_id_number_stored_as_a_number_is_refused():
    with pytest.raises(ValidationError, match="文本"):
        normalize_id_number(110105198001010000.0)


@pytest.mark.parametrize("raw", ["13812345678", "0371-22345678", "+8613812345678"])
def test_phone_numbers_accepted(raw):
    assert normalize_phone(raw).endswith(raw[-8:])


@pytest.mark.parametrize("raw", ["138abc45678", "1381234567", "12345"])
def test_bad_phone_numbers_refused(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)


def test_pinyin_initials():
    assert pinyin_initials("张建国") == "zjg"
    assert pinyin_initials("李小梅") == "lxm"


def test_masks_keep_only_the_ends():
    assert mask_id_number("320102198001011234") == "3201**********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("") == ""
