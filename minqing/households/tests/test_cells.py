"""The import's fast paths (imports/cells.py) give the same answers as identity.py, which they shortcut:
the same value, or the same refusal with the same message, on valid and invalid input alike."""

import datetime

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError

from minqing.core.tests.factories import make_id_number
from minqing.households.identity import id_birth_date, normalize_id_number, normalize_phone
from minqing.households.imports import cells

VALID_ID = make_id_number(born=datetime.date(1970, 5, 1), serial=7, male=True)
ID_NUMBERS = [
    VALID_ID,
    VALID_ID.lower(),
    f" {VALID_ID} ",
    f"{VALID_ID[:6]} {VALID_ID[6:]}",
    make_id_number(born=datetime.date(2000, 2, 29), serial=3, male=False),
    "11010519491231002X",
    "11010519491231002x",
    VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1"),  # wrong check digit
    "110101199002301234",  # 30 February
    make_id_number(area="990101", born=datetime.date(1990, 3, 7), serial=5),  # no such region
    VALID_ID[:17],
    VALID_ID + "0",
    "４１０２２５１９７０",  # full-width digits
    "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in VALID_ID),
    "1.10101E+17",
    4.1e17,
    410225197005010071,
    None,
    "",
    "   ",
]
PHONES = [
    "13812345678",
    " 13812345678 ",
    "138 1234 5678",
    "+8613812345678",
    "0371-12345678",
    "037112345678",
    "12345678901",  # no mobile prefix starts with 12
    "1381234567",
    "138123456789",
    "１３８１２３４５６７８",
    "13812345678a",
    "138-1234-5678",
    13812345678.0,
    13812345678,
    None,
    "",
]


def _outcome(call, raw):
    try:
        return call(raw)
    except DjangoValidationError as exc:
        return ("refused", exc.code, exc.messages)


@pytest.mark.parametrize("raw", ID_NUMBERS, ids=repr)
def test_fast_id_number_agrees_with_normalize_id_number(raw):
    assert _outcome(cells.fast_id_number, raw) == _outcome(normalize_id_number, raw)


@pytest.mark.parametrize("raw", ID_NUMBERS, ids=repr)
def test_id_with_birth_date_gives_the_birth_date_the_number_encodes(raw):
    expected = _outcome(normalize_id_number, raw)
    got = _outcome(cells.id_with_birth_date, raw)
    if isinstance(expected, tuple):
        assert got == expected
    else:
        assert got == (expected, id_birth_date(expected) if expected else None)


@pytest.mark.parametrize("raw", PHONES, ids=repr)
def test_fast_phone_agrees_with_normalize_phone(raw):
    assert _outcome(cells.fast_phone, raw) == _outcome(normalize_phone, raw)
