"""The classifier itself: training and scoring on a slice of the shared data, and inputs people really type."""

import csv
import pickle

import pytest

from minqing.textintel import classifier

from .factories import shared_slice, synthetic, synthetic_blob


@pytest.fixture(scope="module")
def model() -> classifier.Classifier:
    return classifier.loads(synthetic_blob())


def test_training_on_a_slice_of_the_shared_data_scores_well_on_messages_it_has_not_seen():
    ds = shared_slice(per_label=80)
    train, test = classifier.split(ds)
    m = classifier.fit(train.titles, train.bodies, train.labels)
    scores = classifier.evaluate(m, test)
    assert set(scores.per_class) == set(ds.labels)
    assert scores.macro_f1 > 0.7, scores.as_dict()
    assert 0.0 < m.temperature < 5.0


@pytest.mark.parametrize(
    "text",
    ["", "   ", "！？。，、……", "😀😀🙏🙏", "?!...---", "\x00\x00", "\u200b\u200b"],
)
def test_text_without_letters_gets_no_suggestion(model, text):
    assert model.suggest(text, text) == []


def test_very_long_text_is_classified_quickly_from_its_beginning(model):
    top = model.suggest("", "我们这里拖欠工资，" + "字" * 100_000)
    assert top[0][0] == "劳动和社会保障"
    assert abs(sum(c for _, c in model.suggest("", "养老保险", k=7)) - 1.0) < 1e-4


def test_traditional_characters_and_mixed_english_are_understood(model):
    assert model.suggest("", "學校收費太高，幼兒園也是")[0][0] == "教育文体"
    assert model.suggest("Bus 公交线路 停运 please help", "")[0][0] == "交通运输"
    assert model.suggest("", "ＡＢＣ１２３ 污水排放")[0][0] == "环境保护"


def test_suggestions_are_ranked_with_confidences(model):
    top = model.suggest("关于噪音扰民的问题", "工厂排污，臭气熏天")
    assert len(top) == 3
    assert top[0][0] == "环境保护"
    assert top[0][1] > top[1][1] >= top[2][1] > 0


def test_serialised_model_round_trips_and_damaged_bytes_are_refused(model):
    again = classifier.loads(classifier.dumps(model))
    assert again.suggest("", "医院看病难") == model.suggest("", "医院看病难")
    for bad in [b"", b"not a pickle", classifier.dumps(model)[:100], None]:
        with pytest.raises(classifier.ModelFormatError):
            classifier.loads(bad)


def test_a_pickle_that_would_run_code_is_refused():
    class Evil:
        def __reduce__(self):
            import os

            return (os.system, ("echo owned",))

    with pytest.raises(classifier.ModelFormatError):
        classifier.loads(pickle.dumps(Evil()))


def test_read_csv_takes_rows_with_a_label_and_text_and_rejects_other_shapes(tmp_path):
    good = tmp_path / "good.csv"
    with good.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["留言编号", "留言主题", "留言详情", "一级标签"])
        w.writerow(["1", "", "路灯坏了", "城乡建设"])
        w.writerow(["2", "标题", "", "交通运输"])
        w.writerow(["3", "", "", "交通运输"])
        w.writerow(["4", "没有标签", "内容", ""])
    ds = classifier.read_csv(good)
    assert ds.labels == ["城乡建设", "交通运输"] and ds.titles == ["", "标题"]
    gbk = tmp_path / "excel.csv"
    gbk.write_text("留言主题,留言详情,一级标签\n学校,收费太高,教育文体\n", encoding="gb18030")
    assert classifier.read_csv(gbk).labels == ["教育文体"]
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="一级标签"):
        classifier.read_csv(bad)


def test_a_single_category_cannot_be_trained():
    ds = synthetic(per_label=3)
    only = ds.subset([i for i, label in enumerate(ds.labels) if label == "城乡建设"])
    with pytest.raises(ValueError):
        classifier.fit(only.titles, only.bodies, only.labels)
