"""人民调解协议 numbers belong to the committee that mediated: （年份）张庄村调字第N号, one sequence per committee a year."""

import datetime

import pytest

from minqing.mediation import services
from minqing.mediation.models import Agreement, StartMode
from minqing.mediation.services import agreements as agreement_services

from .helpers import agreement_data, dispute, mediating

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
Y = TODAY.year


def _agree(people, village, committee: str = "") -> Agreement:
    clerk = people.cadre_leiji if village.name == "雷集村" else people.cadre
    if committee:
        d = dispute(clerk, village)
        services.mediation_start(
            actor=people.mediator,
            dispute=d,
            mode=StartMode.INITIATIVE,
            mediators=[people.mediator],
            started_on=d.found_on,
            committee=committee,
        )
    else:
        d = mediating(clerk, village, mediator=people.mediator)
    return services.agreement_record(actor=people.mediator, dispute=d, data=agreement_data(TODAY))


def test_each_village_committee_numbers_its_own_agreements(tree, people):
    first = _agree(people, tree.zhangzhuang)
    other = _agree(people, tree.leiji)
    second = _agree(people, tree.zhangzhuang)
    assert first.mediation.committee == "张庄村人民调解委员会"
    assert first.number == f"（{Y}）张庄村调字第1号"
    assert other.number == f"（{Y}）雷集村调字第1号"
    assert second.number == f"（{Y}）张庄村调字第2号"


def test_the_township_committee_numbers_what_it_mediated(tree, people):
    a = _agree(people, tree.zhangzhuang, committee="东坝头镇人民调解委员会")
    assert a.number == f"（{Y}）东坝头镇调字第1号"


def test_old_township_numbers_stay_and_the_township_sequence_continues_after_them(tree, people):
    old = _agree(people, tree.zhangzhuang)
    Agreement.objects.filter(pk=old.pk).update(number=f"（{Y}）东坝头镇调字第6号")
    village = _agree(people, tree.zhangzhuang)
    township = _agree(people, tree.leiji, committee="东坝头镇人民调解委员会")
    old.refresh_from_db()
    assert old.number == f"（{Y}）东坝头镇调字第6号"
    assert village.number == f"（{Y}）张庄村调字第1号"
    assert township.number == f"（{Y}）东坝头镇调字第7号"


def test_a_gap_in_the_sequence_never_hands_out_a_number_twice(tree, people):
    a, b, c = (_agree(people, tree.zhangzhuang) for _ in range(3))
    b.delete()
    assert _agree(people, tree.zhangzhuang).number == f"（{Y}）张庄村调字第4号"
    assert a.number.endswith("第1号") and c.number.endswith("第3号")


def test_ten_sorts_after_nine(tree, people):
    a = _agree(people, tree.zhangzhuang)
    Agreement.objects.filter(pk=a.pk).update(number=f"（{Y}）张庄村调字第9号")
    b = _agree(people, tree.zhangzhuang)
    assert b.number == f"（{Y}）张庄村调字第10号"
    assert _agree(people, tree.zhangzhuang).number == f"（{Y}）张庄村调字第11号"


def test_a_number_another_clerk_took_at_the_same_moment_is_retried(tree, people, monkeypatch):
    taken = _agree(people, tree.zhangzhuang).number
    real = agreement_services._agreement_number
    answers = iter([taken])
    monkeypatch.setattr(
        agreement_services, "_agreement_number", lambda d, m, year: next(answers, None) or real(d, m, year)
    )
    assert _agree(people, tree.zhangzhuang).number == f"（{Y}）张庄村调字第2号"


def test_a_long_committee_name_fits_the_number(tree, people):
    name = "兰考县东坝头镇张庄村第一村民小组与雷集村联合" * 2 + "人民调解委员会"
    a = _agree(people, tree.zhangzhuang, committee=name)
    assert a.number.startswith(f"（{Y}）兰考县东坝头镇") and a.number.endswith("调字第1号")
