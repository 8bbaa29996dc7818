"""Suggestions that don't lie: the model only claims the leaves it learnt, keywords know the rest, and nothing is
shown below a threshold calibrated on held-out township-style requests."""

import functools
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from minqing.audit.models import AuditEntry
from minqing.petitions.models import Category, Petition, Status
from minqing.petitions.tests.factories import category, register
from minqing.textintel import classifier, combine, engine, selectors, services
from minqing.textintel.models import TextModel

from .factories import shared_csv, store, synthetic

pytestmark = pytest.mark.django_db

# The township's own matters that the public-data model labelled confidently wrong (拖欠工资 98 %, 供水供电, 市场监管).
TOWNSHIP_EXAMPLES = {
    "申请低保一直没有结果": "minzheng-dibao",
    "残疾人补贴没有发放": "minzheng-disability",
    "儿子不赡养老人": "jiating",
    "征地补偿款没有到位": "tudi-compensation",
    "土地承包合同到期": "chengbao-contract",
}


@pytest.fixture(autouse=True)
def _fresh_engine():
    engine.clear()
    yield
    engine.clear()


@functools.cache
def _shared_blob() -> bytes:
    ds = classifier.read_csv(shared_csv())
    return classifier.dumps(classifier.fit(ds.titles, ds.bodies, ds.labels))


def _shared_model() -> TextModel:
    """The model trained on all the public messages, stored and calibrated as `textintel train` would."""
    blob = _shared_blob()
    labels = classifier.loads(blob).labels
    mapping = services._label_categories_by_name(labels)
    tm = TextModel.objects.create(
        version=1,
        source="shared",
        labels=labels,
        label_categories=mapping,
        label_leaves=selectors.label_leaves_from(mapping),
        data=blob,
    )
    services.textmodel_activate(actor=None, model=tm)
    return services.textmodel_calibrate(actor=None, model=tm)


def test_the_townships_own_matters_are_right_or_abstain_never_confidently_mislabelled(tree):
    tm = _shared_model()
    assert tm.threshold is not None
    for text, expected in TOWNSHIP_EXAMPLES.items():
        result = selectors.category_suggest("", text)
        assert result.ranked, text  # there was something to classify
        assert [s.leaf.code for s in result.shown] in ([], [expected]), (text, result.shown)
        assert not any(s.leaf.parent and s.leaf.parent.code == "laodong" for s in result.shown), text


def test_the_five_examples_are_right_even_with_the_small_synthetic_model():
    store(threshold=0.5)
    for text, expected in TOWNSHIP_EXAMPLES.items():
        _v, shown = selectors.category_suggestions("", text)
        assert [s.leaf.code for s in shown] in ([], [expected]), (text, shown)
    _v, shown = selectors.category_suggestions("", "申请低保一直没有结果")
    assert shown[0].leaf == category("minzheng-dibao") and shown[0].label == "keywords"


def test_keywords_propose_minzheng_for_dibao_although_no_model_class_covers_it():
    store()
    result = selectors.category_suggest("", "家里困难，申请低保三次都没批下来")
    assert result.shown[0].leaf.code == "minzheng-dibao" and result.shown[0].category.name == "民政救助"


def test_the_model_part_never_proposes_a_leaf_it_was_not_trained_on():
    tm = store()
    mapped = {pk for pks in tm.label_leaves.values() for pk in pks}
    never_trained = set(Category.objects.filter(children=None).values_list("pk", flat=True)) - mapped
    assert category("minzheng-dibao").pk in never_trained
    Category.objects.update(keywords="")  # the model alone
    for text in ["申请低保一直没有结果", "征地补偿款没有到位", "工厂排污，污水排放到河里"]:
        result = selectors.category_suggest("", text, k=50)
        assert all(s.leaf.pk in mapped for s in result.shown)
        assert all(s.confidence < 0.05 for s in result.ranked if s.leaf.pk in never_trained), text


def test_a_never_trained_leaf_gets_nothing_from_the_model_however_sure_it_is():
    leaves = [combine.Leaf(1, "laodong-wages"), combine.Leaf(2, "minzheng-dibao")]
    ranked = combine.rank({"劳动和社会保障": 0.99, "其他": 0.01}, {"劳动和社会保障": [1]}, leaves, "随便什么")
    by_code = {r.code: r for r in ranked}
    assert by_code["minzheng-dibao"].model == 0 and by_code["minzheng-dibao"].confidence < 0.2
    assert by_code["laodong-wages"].model == pytest.approx(0.99)


def test_keyword_evidence_for_an_unknown_matter_vetoes_the_models_confident_guess_and_a_minus_word_its_leaf():
    leaves = [
        combine.Leaf(1, "laodong-wages", ("工资",), ("低保",)),
        combine.Leaf(2, "laodong-insurance", ("社保",)),
        combine.Leaf(3, "minzheng-dibao", ("低保", "救助")),
    ]
    mapping = {"劳动和社会保障": [1, 2]}
    ranked = combine.rank({"劳动和社会保障": 0.98}, mapping, leaves, "申请低保救助一直没有结果")
    assert ranked[0].code == "minzheng-dibao" and ranked[0].confidence > 0.8
    vetoed = combine.rank({"劳动和社会保障": 0.98}, mapping, leaves, "工资不够，低保也没有")
    assert next(r for r in vetoed if r.code == "laodong-wages").confidence == 0


def test_fit_threshold_takes_the_lowest_confidence_that_keeps_the_target_precision():
    scored = [(0.95, True)] * 30 + [(0.7, True)] * 8 + [(0.7, False)] * 2 + [(0.6, False)] * 10
    cal = combine.fit_threshold(scored, target=0.9)
    assert cal.threshold == 0.7 and cal.shown == 40 and cal.precision == pytest.approx(0.95)
    assert combine.fit_threshold(scored, target=0.99).threshold == 0.95
    assert combine.fit_threshold([(0.9, False)] * 50, target=0.9).threshold is None
    assert combine.fit_threshold([(0.9, True)] * 5, target=0.9).threshold is None  # too few to trust
    assert combine.fit_threshold([(0.3, True)] * 50, target=0.9).threshold is None  # below the floor


def test_training_persists_the_calibrated_threshold_with_the_version_and_recalibration_is_audited(people):
    tm = services.textmodel_train(actor=None, dataset=synthetic(), with_metrics=False).model
    cal = tm.metrics["calibration"]
    assert cal["n"] >= 10 * 29 and cal["target_precision"] == 0.9
    assert (tm.threshold is None) == (cal["threshold"] is None)
    assert tm.threshold is None or tm.threshold == pytest.approx(cal["threshold"], abs=1e-4)
    if tm.threshold is not None:
        assert cal["precision_when_shown"] >= 0.9
    assert TextModel.objects.get(pk=tm.pk).threshold == tm.threshold
    assert engine.loaded().threshold == tm.threshold
    again = services.textmodel_calibrate(actor=people.sysadmin, model=tm, target=0.6)
    assert again.metrics["calibration"]["target_precision"] == 0.6
    assert again.threshold is not None and again.metrics["calibration"]["precision_when_shown"] >= 0.6
    assert engine.loaded().threshold == again.threshold  # every process reloads a recalibrated version
    entry = AuditEntry.objects.filter(object_type="textintel.textmodel", note__contains="校准").get()
    assert entry.actor == people.sysadmin and entry.after["threshold"] == pytest.approx(again.threshold)
    with pytest.raises(services.ServiceError):
        services.textmodel_calibrate(actor=None, model=tm, target=1.5)


def test_confirmed_requests_bring_new_classes_once_there_are_enough_of_them(tree, people):
    for i in range(services.MIN_PER_LABEL):
        register(people.officer, tree.zhangzhuang, category=category("minzheng-dibao"), title=f"困难{i}",
                 content="家里困难，没有收入，请求帮助")  # fmt: skip
    register(people.officer, tree.zhangzhuang, category=category("linli"), title="吵", content="吵架")
    Petition.objects.update(status=Status.ACCEPTED)
    tm = services.textmodel_train(
        actor=None, dataset=synthetic(), source="合成数据", with_history=True, with_metrics=False
    ).model
    assert "minzheng-dibao" in tm.labels and "linli" not in tm.labels  # one confirmed request is not enough
    assert tm.label_leaves["minzheng-dibao"] == [category("minzheng-dibao").pk]
    assert tm.metrics["trained_until"] is not None
    result = selectors.category_suggest("", "家里困难，没有收入，请求帮助", k=20)
    learnt = next(s for s in result.ranked if s.leaf.code == "minzheng-dibao")
    assert learnt.label in ("model", "model+keywords")


def test_the_evaluation_set_covers_every_leaf_of_the_tree_with_at_least_ten_requests():
    counts = Counter(code for code, _t, _c in combine.read_requests())
    leaves = set(Category.objects.filter(children=None, is_active=True).values_list("code", flat=True))
    assert leaves <= set(counts) and min(counts[c] for c in leaves) >= 10


def test_every_seeded_category_has_keywords_and_family_matters_have_a_leaf():
    leaves = Category.objects.filter(children=None).exclude(code="other")
    assert not [c.code for c in leaves if not c.keywords.strip()]
    assert "赡养" in category("jiating").keywords and category("jiating").parent is None


def test_eval_command_reports_accuracy_when_shown_abstention_and_every_category(capsys):
    with pytest.raises(CommandError, match="没有在用的分类模型"):
        call_command("textintel", "eval")
    store()
    call_command("textintel", "eval")
    out = capsys.readouterr().out
    for needle in (
        "accuracy_when_shown=",
        "abstention=",
        "cross_fitted",
        "threshold=0.5",
        "jiating",
        "other",
    ):
        assert needle in out
    shown = float(next(x for x in out.splitlines() if x.startswith("abstention=")).split("=")[1])
    assert 0 <= shown <= 1


def test_eval_and_calibrate_commands_refuse_bad_input_clearly(tmp_path, capsys):
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("textintel", "eval", "--requests", str(tmp_path / "nope.csv"))
    store()
    odd = tmp_path / "odd.csv"
    odd.write_text("category,title,content\nno-such-leaf,,路灯坏了\n", encoding="utf-8")
    with pytest.raises(CommandError, match="没有本系统现有小类"):
        call_command("textintel", "eval", "--requests", str(odd))
    with pytest.raises(CommandError, match="目标准确率"):
        call_command("textintel", "calibrate", "--target", "2")
    call_command("textintel", "calibrate", "--target", "0.6")
    assert "threshold=" in capsys.readouterr().out


def test_keywords_edited_in_the_admin_are_audited_and_change_what_is_suggested(client, people):
    from django.urls import reverse

    store()
    text = "村里的水渠年久失修，浇地没水"
    assert not any(
        s.leaf.code == "chengxiang-water-power" for s in selectors.category_suggest("", text).shown
    )
    cat = category("chengxiang-water-power")
    client.force_login(people.sysadmin)
    response = client.post(
        reverse("admin:petitions_category_change", args=[cat.pk]),
        {"name": cat.name, "parent": cat.parent_id, "code": cat.code, "description": "",
         "keywords": cat.keywords + " 水渠 浇地", "proper_level": cat.proper_level, "sort_order": cat.sort_order,
         "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "水渠" in Category.objects.get(pk=cat.pk).keywords
    entry = AuditEntry.objects.filter(object_type="petitions.category", object_id=str(cat.pk)).latest("pk")
    assert entry.actor == people.sysadmin and "水渠" in str(entry.after)
    assert selectors.category_suggest("", text).shown[0].leaf.code == "chengxiang-water-power"
