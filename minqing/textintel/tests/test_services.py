"""Model versions: training, switching back, a broken active model, the record of officers' choices."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from minqing.audit.models import AuditEntry
from minqing.core.errors import ServiceError
from minqing.petitions.models import Category, Petition, Status
from minqing.petitions.tests.factories import category, register
from minqing.textintel import checks, classifier, engine, selectors, services, tasks
from minqing.textintel.models import TextModel

from .factories import store, synthetic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_engine():
    engine.clear()
    yield
    engine.clear()


def test_training_stores_an_active_version_mapped_to_seeded_categories_with_an_audit_row(people):
    run = services.textmodel_train(actor=people.sysadmin, dataset=synthetic(), source="合成数据")
    tm = run.model
    assert tm.is_active and tm.version == 1 and tm.trained_by == people.sysadmin
    assert tm.label_categories["环境保护"] == Category.objects.get(name="环境保护", parent=None).pk
    assert tm.metrics["n_train"] == 84 and "holdout" in tm.metrics
    assert AuditEntry.objects.filter(object_type="textintel.textmodel", object_id=str(tm.pk)).count() == 2
    version, found = selectors.category_suggestions("关于污水排放的问题", "工厂排污，臭气熏天")
    assert version == 1 and found[0].category.name == "环境保护"
    assert found[0].leaf.parent_id == found[0].category.pk  # a leaf the form can select
    assert found[0].leaf.code == "huanbao-pollution"  # its keywords (排污) occur in the text


def test_without_a_keyword_the_model_knows_only_the_group_so_no_leaf_is_shown_however_common(tree, people):
    services.textmodel_train(actor=None, dataset=synthetic(), with_metrics=False)
    TextModel.objects.update(threshold=0.5)
    text = ("关于小区物业的问题", "我们这里小区物业，请领导重视。")  # no 城乡建设 leaf's keyword
    for i in range(3):
        register(people.officer, tree.zhangzhuang, category=category("chengxiang-housing"), title=f"住房{i}")
    Petition.objects.update(status=Status.ACCEPTED)
    result = selectors.category_suggest(*text, k=4)
    assert result.abstained and result.shown == []
    assert {s.leaf.parent.name for s in result.ranked} == {"城乡建设"}  # the group is known, not the leaf
    # A keyword in the text picks the leaf within the group.
    _v, found = selectors.category_suggestions("关于小区物业的问题", "小区物业不管，门前道路破损，路面坑洼。")
    assert found[0].leaf.code == "chengxiang-road"


def test_a_new_version_replaces_the_active_one_and_an_earlier_one_can_be_switched_back(people):
    first = services.textmodel_train(actor=None, dataset=synthetic(), with_metrics=False).model
    second = services.textmodel_train(actor=None, dataset=synthetic(seed=9), with_metrics=False).model
    assert engine.active_version() == (second.pk, 2)
    assert list(TextModel.objects.filter(is_active=True)) == [second]
    services.textmodel_activate(actor=people.sysadmin, model=first)
    assert engine.active_version() == (first.pk, 1)  # the process cache follows the database
    assert TextModel.objects.filter(is_active=True).get() == first


def test_the_process_cache_notices_a_switch_made_elsewhere():
    a = store(version=1)
    assert engine.active_version() == (a.pk, 1)
    b = store(version=2, active=False)
    TextModel.objects.filter(pk=a.pk).update(is_active=False)  # as another app server would
    TextModel.objects.filter(pk=b.pk).update(is_active=True)
    assert engine.active_version() == (b.pk, 2)


def test_too_little_data_is_refused_with_a_clear_message():
    tiny = synthetic(per_label=1)
    with pytest.raises(ServiceError, match="训练数据不足"):
        services.textmodel_train(actor=None, dataset=tiny.subset(range(5)))
    assert not TextModel.objects.exists()


def test_a_corrupt_active_model_turns_suggestions_off_warns_and_cannot_be_activated_again(people, caplog):
    good = store(version=1)
    bad = store(version=2, data=b"\x80\x05garbage")
    assert TextModel.objects.get(is_active=True) == bad
    assert engine.suggest("", "污水排放") == []
    assert selectors.category_suggestions("", "污水排放") == (None, [])
    assert "cannot be loaded" in caplog.text
    warnings = checks.active_model_check()
    assert [w.id for w in warnings] == ["textintel.W001"]
    with pytest.raises(ServiceError, match="已损坏"):
        services.textmodel_activate(actor=people.sysadmin, model=bad)
    services.textmodel_activate(actor=people.sysadmin, model=good)
    assert checks.active_model_check() == []
    assert engine.suggest("", "污水排放")[0].label == "环境保护"


def test_without_any_model_there_are_no_suggestions_and_no_warning():
    assert engine.suggest("标题", "内容") == []
    assert checks.active_model_check() == []
    assert engine.status()[0] == "none"


def test_turning_suggestions_off_keeps_every_version():
    store(version=1)
    services.textmodel_deactivate(actor=None)
    assert engine.suggest("", "污水排放") == [] and TextModel.objects.count() == 1


def test_registering_a_request_records_the_suggestion_and_whether_the_officer_kept_it(tree, people):
    store(version=1)
    kept = register(
        people.officer,
        tree.zhangzhuang,
        category=category("huanbao-pollution"),
        title="工厂排污",
        content="污水排放",
    )
    other = register(
        people.officer,
        tree.zhangzhuang,
        category=category("jiaoyu-school"),
        title="工厂排污",
        content="污水排放",
    )
    a = services.suggestion_record_for(actor=people.officer, petition=kept, channel="intake")
    b = services.suggestion_record_for(actor=people.officer, petition=other, channel="intake")
    assert a is not None and a.accepted and a.in_top and a.chosen_label == "huanbao-pollution"
    assert a.suggested[0][1] == category("huanbao-pollution").pk and a.suggested[0][3] is True
    assert b is not None and not b.accepted and b.chosen_category == category("jiaoyu-school")
    rates = selectors.acceptance_by_version()
    assert [(r.model_version, r.shown, r.accepted) for r in rates] == [(1, 2, 1)]
    assert AuditEntry.objects.filter(object_type="textintel.suggestionlog").count() == 2


def test_training_from_history_uses_confirmed_requests_labelled_by_their_category(tree, people):
    for i in range(8):
        register(
            people.officer,
            tree.zhangzhuang,
            category=category("chengxiang-road"),
            title=f"修路{i}",
            content="村里道路破损，路面坑洼",
        )
        register(
            people.officer,
            tree.zhangzhuang,
            category=category("minzheng-dibao"),
            title=f"低保{i}",
            content="申请低保没有答复，生活困难",
        )
    register(people.officer, tree.zhangzhuang, category=category("linli"), title="邻居", content="吵架")
    Petition.objects.update(status=Status.ACCEPTED)
    ds, _mapping = services.history_dataset()
    assert sorted(set(ds.labels)) == ["chengxiang-road", "minzheng-dibao"]  # linli: too few to learn
    with override_settings(TEXTINTEL_RETRAIN_MIN_EXAMPLES=10):
        result = tasks.retrain_category_model.call()
    assert result["trained"] and result["activated"]
    _v, found = selectors.category_suggestions("", "道路坑洼不平")
    assert found[0].leaf == category("chengxiang-road")


def test_the_periodic_task_skips_quietly_when_history_is_too_small():
    result = tasks.retrain_category_model.call()
    assert result["trained"] is False and "至少" in result["reason"]
    assert not TextModel.objects.exists()


def test_train_and_eval_commands_on_a_slice_of_the_shared_data(tmp_path, capsys):
    import csv

    from .factories import shared_slice

    ds = shared_slice(per_label=50)
    train, test = classifier.split(ds)
    paths = {}
    for name, part in (("train", train), ("test", test)):
        paths[name] = tmp_path / f"{name}.csv"
        with paths[name].open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["留言主题", "留言详情", "一级标签"])
            w.writerows(zip(part.titles, part.bodies, part.labels, strict=True))
    call_command("textintel", "train", "--csv", str(paths["train"]), "--no-metrics")
    assert TextModel.objects.get(is_active=True).labels == sorted(set(ds.labels))
    capsys.readouterr()
    call_command("textintel", "eval", "--csv", str(paths["test"]))
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("macro_f1=")]
    assert len(lines) == 1 and float(lines[0].split("=")[1]) > 0.6
    for needle in ("accuracy=", "messages_per_second=", "model_load_seconds=", "peak_rss_mb=", "环境保护"):
        assert needle in out


def test_commands_report_bad_files_and_missing_models_clearly(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="找不到文件"):
        call_command("textintel", "train", "--csv", str(tmp_path / "nope.csv"))
    empty = tmp_path / "empty.csv"
    empty.write_text("留言主题,留言详情,一级标签\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("textintel", "eval", "--csv", str(empty))
    other = tmp_path / "other.csv"
    other.write_text("留言主题,留言详情,一级标签\n,路灯坏了,城乡建设\n", encoding="utf-8")
    with pytest.raises(CommandError, match="没有在用的分类模型"):
        call_command("textintel", "eval", "--csv", str(other))
    with pytest.raises(CommandError, match="没有版本"):
        call_command("textintel", "activate", "9")
