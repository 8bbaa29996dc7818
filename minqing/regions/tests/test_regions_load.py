from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from minqing.core.errors import ServiceError
from minqing.regions.models import Level, Region, path_for
from minqing.regions.services import (
    RegionDataError,
    chinese_number,
    normalize_prefix,
    regions_load,
    village_groups_create,
)

DATA = Path(settings.MINQING_DIVISIONS_DIR)
needs_data = pytest.mark.skipif(not (DATA / "villages.csv").is_file(), reason="npm ci has not been run")


@needs_data
@pytest.mark.django_db
def test_loads_lankao_county_with_its_ancestors():
    counts = regions_load(prefix="410225", data_dir=DATA)

    assert counts["province"] == 1
    assert counts["city"] == 1
    assert counts["county"] == 1
    assert counts["township"] == 22
    assert counts["village"] == 470
    assert counts["created"] == 495
    by_level = {lvl: Region.objects.filter(level=lvl).count() for lvl in Level}
    assert by_level == {
        Level.PROVINCE: 1,
        Level.CITY: 1,
        Level.COUNTY: 1,
        Level.TOWNSHIP: 22,
        Level.VILLAGE: 470,
        Level.GROUP: 0,
    }
    zhangzhuang = Region.objects.get(code="410225106207")
    assert zhangzhuang.name == "张庄村"
    assert zhangzhuang.path == "410225106207"
    assert [r.name for r in zhangzhuang.ancestors()] == ["河南省", "开封市", "兰考县", "东坝头镇"]
    township = Region.objects.get(code="410225106000")
    assert township.path == "410225106"
    assert township.children.count() == 15
    # bulk_create bypasses save(), so every path must have been set by the loader itself.
    for region in Region.objects.all():
        assert region.path == path_for(region.code, region.level)
        assert len(region.code) == 12


@needs_data
@pytest.mark.django_db
def test_reloading_creates_nothing_and_restores_official_names():
    regions_load(prefix="410225", data_dir=DATA)
    Region.objects.filter(code="410225106207").update(name="张庄")

    counts = regions_load(prefix="410225000000", data_dir=DATA)  # padded form of the same prefix

    assert counts["created"] == 0
    assert counts["updated"] == 1
    assert counts["unchanged"] == 494
    assert Region.objects.count() == 495
    assert Region.objects.get(code="410225106207").name == "张庄村"


@needs_data
def test_existing_rows_are_adopted_not_duplicated(tree):
    counts = regions_load(prefix="410225106", data_dir=DATA)

    # province, city, county, 东坝头镇, 张庄村 and 雷集村 already exist (the conftest tree).
    assert counts["created"] == 1 + 1 + 1 + 1 + 15 - 6
    assert Region.objects.filter(code="410225106207").count() == 1
    assert Region.objects.get(code="410225106201").parent == tree.township


@needs_data
@pytest.mark.django_db
def test_unknown_prefix_is_a_clear_error():
    with pytest.raises(CommandError, match="没有以 419999 开头"):
        call_command("regions_load", "419999")
    assert not Region.objects.exists()


@pytest.mark.django_db
def test_missing_data_folder_tells_how_to_get_it(tmp_path):
    with pytest.raises(CommandError, match="npm ci"):
        call_command("regions_load", "410225", data_dir=tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("41", "41"),
        ("410000", "41"),
        ("410200", "4102"),
        ("410225000000", "410225"),
        ("410225106", "410225106"),
    ],
)
def test_prefix_normalisation(raw, expected):
    assert normalize_prefix(raw) == expected


@pytest.mark.parametrize("raw", ["4", "41x", "", "4102251062071"])
def test_bad_prefixes_are_refused(raw):
    with pytest.raises(RegionDataError):
        normalize_prefix(raw)


def _write(path: Path, name: str, text: str) -> None:
    (path / name).write_text(text, encoding="utf-8")


@pytest.mark.django_db
def test_codes_that_pad_to_their_parent_are_folded_into_it(tmp_path):
    # 东莞市 is a city without counties: the data lists it again as county 441900, whose padded code
    # equals the city's. The loader keeps the city and hangs the streets under it.
    _write(tmp_path, "provinces.csv", 'code,name\n44,"广东省"\n')
    _write(tmp_path, "cities.csv", 'code,name,provinceCode\n4419,"东莞市",44\n')
    _write(tmp_path, "areas.csv", 'code,name,cityCode,provinceCode\n441900,"东莞市",4419,44\n')
    _write(
        tmp_path,
        "streets.csv",
        'code,name,areaCode,provinceCode,cityCode\n441900003,"东城街道",441900,44,4419\n',
    )
    _write(
        tmp_path,
        "villages.csv",
        "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        '441900003001,"岗贝社区居民委员会",441900003,44,4419,441900\n',
    )

    counts = regions_load(prefix="4419", data_dir=tmp_path)

    assert counts["merged"] == 1
    assert Region.objects.count() == 4
    street = Region.objects.get(code="441900003000")
    assert street.parent is not None and street.parent.level == Level.CITY
    assert street.path == "441900003"
    village = Region.objects.get(code="441900003001")
    assert village.parent == street


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (37, "三十七"), (105, "一百零五")],
)
def test_chinese_numbers(n, text):
    assert chinese_number(n) == text


def test_village_groups_are_numbered_and_created_once(tree):
    groups = village_groups_create(village=tree.zhangzhuang, count=3)

    assert [g.name for g in groups] == ["第一村民小组", "第二村民小组", "第三村民小组"]
    assert [g.code for g in groups] == ["410225106207001", "410225106207002", "410225106207003"]
    assert all(g.level == Level.GROUP and g.parent == tree.zhangzhuang for g in groups)
    assert all(g.path == g.code for g in groups)

    again = village_groups_create(village=tree.zhangzhuang, count=4)

    assert [g.pk for g in again[:3]] == [g.pk for g in groups]
    assert again[3].name == "第四村民小组"
    assert Region.objects.filter(level=Level.GROUP).count() == 4
    # Groups sit inside the village's subtree, so a village grant reaches their households.
    assert set(tree.zhangzhuang.subtree().filter(level=Level.GROUP)) == set(again)


def test_groups_only_under_villages(tree):
    with pytest.raises(ServiceError):
        village_groups_create(village=tree.township, count=2)
