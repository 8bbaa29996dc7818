"""Small training sets for the tests: a synthetic one that needs nothing, and a slice of the shared data set."""

import functools
import random
from pathlib import Path

import pytest
from django.conf import settings

from minqing.textintel import classifier

# Seven first-level labels, as in the shared data set, each with words of its own and shared filler.
_TOPICS = {
    "城乡建设": [
        "道路破损",
        "修路",
        "路面坑洼",
        "小区物业",
        "违章建筑",
        "自来水停水",
        "拆迁安置",
        "路灯不亮",
    ],
    "环境保护": ["污水排放", "噪音扰民", "垃圾焚烧", "臭气熏天", "工厂排污", "河道污染", "油烟", "粉尘"],
    "交通运输": ["公交线路", "班车停运", "出租车拒载", "客运站", "超载货车", "驾驶证", "交通拥堵", "车站"],
    "教育文体": ["学校收费", "入学报名", "幼儿园", "教师待遇", "学生补课", "校车", "体育馆", "图书馆"],
    "劳动和社会保障": [
        "拖欠工资",
        "养老保险",
        "社保缴费",
        "劳动合同",
        "农民工讨薪",
        "失业金",
        "工伤认定",
        "医保卡",
    ],
    "商贸旅游": [
        "商家欺诈",
        "景区门票",
        "假冒伪劣",
        "价格虚高",
        "旅行社",
        "超市过期食品",
        "市场摊位",
        "外卖",
    ],
    "卫生计生": ["医院看病", "医生态度", "生育证", "药品价格", "卫生院", "疫苗接种", "计划生育", "村医"],
}
_FILLER = ["希望有关部门尽快处理", "请领导重视", "我们反映多次了", "已经很久了", "谢谢", "严重影响生活"]


def synthetic(per_label: int = 12, seed: int = 3) -> classifier.Dataset:
    rng = random.Random(seed)
    ds = classifier.Dataset([], [], [])
    for label, words in _TOPICS.items():
        for i in range(per_label):
            a, b = rng.sample(words, 2)
            ds.titles.append(f"关于{a}的问题" if i % 3 else "")
            ds.bodies.append(f"我们这里{a}，还有{b}，{rng.choice(_FILLER)}。")
            ds.labels.append(label)
    return ds


@functools.cache
def synthetic_blob() -> bytes:
    ds = synthetic()
    return classifier.dumps(classifier.fit(ds.titles, ds.bodies, ds.labels))


def shared_csv() -> Path:
    path = Path(settings.MINQING_SHARED_DATA) / "teddy2020" / "messages_labeled.csv"
    if not path.is_file():
        pytest.skip(f"shared data set not found at {path} (set MINQING_SHARED_DATA)")
    return path


def shared_slice(per_label: int = 60) -> classifier.Dataset:
    """The first `per_label` messages of each label: small enough to train in seconds."""
    ds = classifier.read_csv(shared_csv())
    seen: dict[str, int] = {}
    keep = []
    for i, label in enumerate(ds.labels):
        if seen.get(label, 0) < per_label:
            seen[label] = seen.get(label, 0) + 1
            keep.append(i)
    return ds.subset(keep)


def store(
    version: int = 1, active: bool = True, data: bytes | None = None, threshold: float | None = 0.5, **fields
):
    """A TextModel row from the synthetic model without training again (training is tested on its own), shown
    at `threshold` (not calibrated: the synthetic model knows nothing of township requests)."""
    from minqing.textintel import selectors, services
    from minqing.textintel.models import TextModel

    labels = sorted(set(synthetic().labels))
    mapping = services._label_categories_by_name(labels)
    tm = TextModel.objects.create(
        version=version,
        source="synthetic",
        labels=labels,
        label_categories=mapping,
        label_leaves=selectors.label_leaves_from(mapping),
        threshold=threshold,
        data=synthetic_blob() if data is None else data,
        **fields,
    )
    if active and data is None:
        services.textmodel_activate(actor=None, model=tm)
    elif active:  # damaged bytes cannot be activated through the service: as if they were damaged afterwards
        TextModel.objects.filter(kind=tm.kind, is_active=True).update(is_active=False)
        TextModel.objects.filter(pk=tm.pk).update(is_active=True)
    return tm
