"""Export of the filtered work list (诉求台账): columns, masking, filters from the query string, region scope,
permission, audit, and the row limit."""

import datetime
import io

import openpyxl
import pytest
from django.http import QueryDict
from django.urls import reverse

from minqing.audit.models import Action, AuditEntry
from minqing.petitions import excel, services
from minqing.petitions.models import HandlingLevel, Petition, Satisfaction, Status
from minqing.petitions.selectors import ListFilters
from minqing.petitions.services import Judgements
from minqing.petitions.views import downloads

from .factories import category, department, register

pytestmark = [pytest.mark.django_db, pytest.mark.urls("minqing.petitions.tests.test_documents")]

HEADERS = [
    "查询码",
    "登记日期",
    "渠道",
    "分类",
    "标题",
    "村/乡镇",
    "诉求人",
    "联系电话",
    "办理层级",
    "承办部门",
    "状态",
    "当前期限",
    "是否超期",
    "满意度",
    "越级",
    "可在村解决",
    "重复访",
    "办结时间",
    "解决层级",
    "改革发展中的问题",
    "有理或有实际困难",
    "可以解决",
    "基层应解决可解决",
]


def workbook(content: bytes) -> list[dict[str, openpyxl.cell.Cell]]:
    """Rows of the first sheet as {header: cell}."""
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows())
    headers = [c.value for c in rows[0]]
    assert headers == HEADERS
    return [dict(zip(headers, row, strict=True)) for row in rows[1:]]


def closed(people, tree, **overrides) -> Petition:
    p = register(people.officer, tree.zhangzhuang, category=category("tudi-compensation"), **overrides)
    dept = department(tree.township, "国土所")
    services.petitions_assign(actor=people.officer, petitions=[p], department=dept)
    p = services.petition_accept(actor=people.officer, petition=Petition.objects.get(pk=p.pk), version=None)
    p = services.petition_reply(actor=people.officer, petition=p, version=p.version, text="已解决")
    p = services.petition_follow_up(
        actor=people.officer,
        petition=p,
        version=p.version,
        method="phone",
        satisfaction=Satisfaction.SATISFIED,
    )
    return services.petition_close(
        actor=people.officer,
        petition=p,
        version=p.version,
        judgements=Judgements(True, True, False, True, HandlingLevel.TOWNSHIP),
    )


def test_export_writes_every_column_with_masked_phones_as_text(client, tree, people):
    done = closed(people, tree, submitter_phone="13812345678")
    anonymous = register(
        None, tree.leiji, is_anonymous=True, submitter_name="", submitter_phone="13900001234"
    )
    Petition.objects.filter(pk=anonymous.pk).update(due_date=datetime.date(2020, 1, 1))
    register(people.outsider, tree.other_village, submitter_name="外乡人")  # another township: never exported
    client.force_login(people.officer)
    response = client.get(reverse("petitions:export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''%E8%AF%89%E6%B1%82%E5%8F%B0%E8%B4%A6-" in response["Content-Disposition"]
    rows = workbook(b"".join(response.streaming_content))
    assert len(rows) == 2
    by_code = {r["查询码"].value: r for r in rows}
    row = by_code[done.tracking_code]
    assert row["查询码"].data_type == "s" and row["查询码"].number_format == "@"
    assert row["联系电话"].value == "138****5678" and row["联系电话"].data_type == "s"
    assert row["联系电话"].number_format == "@"
    assert row["诉求人"].value == "张大山"
    assert row["登记日期"].value == datetime.datetime.combine(done.registered_on, datetime.time())
    assert row["渠道"].value == "来访"
    assert "/" in row["分类"].value  # parent/leaf
    assert row["村/乡镇"].value == "东坝头镇/张庄村"
    assert row["办理层级"].value == "乡镇" and row["承办部门"].value == "国土所"
    assert row["状态"].value == "已办结" and row["当前期限"].value is None and row["是否超期"].value == "否"
    assert (
        row["满意度"].value == "满意" and row["越级"].value == "否" and row["重复访"].value == "否"
    )  # a township matter at the township
    assert isinstance(row["办结时间"].value, datetime.datetime)
    assert row["解决层级"].value == "乡镇"
    assert [row[h].value for h in HEADERS[-4:]] == ["是", "是", "否", "是"]
    other = by_code[anonymous.tracking_code]
    assert other["诉求人"].value == "匿名" and other["联系电话"].value == "139****1234"
    assert other["是否超期"].value == "是" and other["当前期限"].value == datetime.datetime(2020, 1, 1)
    assert other["满意度"].value is None and other["办结时间"].value is None
    assert "外乡人" not in {r["诉求人"].value for r in rows}
    entry = AuditEntry.objects.get(action=Action.EXPORT)
    assert entry.actor == people.officer and entry.region_path == tree.township.path
    assert entry.note.startswith("导出诉求 2 条") and "筛选：无" in entry.note


def test_query_string_filters_are_applied_and_recorded(client, tree, people):
    done = closed(people, tree)
    waiting = register(people.officer, tree.leiji, title="道路破损")
    client.force_login(people.officer)
    response = client.get(reverse("petitions:export") + "?status=closed&overdue=&level=township")
    rows = workbook(b"".join(response.streaming_content))
    assert [r["查询码"].value for r in rows] == [done.tracking_code]
    response = client.get(reverse("petitions:export") + f"?q=道路&region={tree.leiji.path}")
    rows = workbook(b"".join(response.streaming_content))
    assert [r["查询码"].value for r in rows] == [waiting.tracking_code]
    # A village matter brought to the township is not 越级 (the township is the lowest 信访 organ), only a hint.
    assert rows[0]["越级"].value == "否" and rows[0]["可在村解决"].value == "是"
    notes = list(
        AuditEntry.objects.filter(action=Action.EXPORT).order_by("id").values_list("note", flat=True)
    )
    assert "status=closed" in notes[0] and "level=township" in notes[0] and "overdue" not in notes[0]
    assert f"region={tree.leiji.path}" in notes[1] and "q=道路" in notes[1]


def test_parse_filters_reads_every_list_filter_and_ignores_bad_values():
    f = downloads.parse_filters(
        QueryDict(
            "q=+张+&status=accepted&category=7&region=410225106&channel=visit&level=village&department=3"
            "&assignee=9&date_from=2025-01-01&date_to=2025-12-31&overdue=1&due_soon=on&satisfaction=basic"
            "&repeat=1&skip_level=1&queue=mine"
        )
    )
    assert f == ListFilters(
        q="张",
        status="accepted",
        category=7,
        region="410225106",
        channel="visit",
        level="village",
        department=3,
        assignee=9,
        date_from=datetime.date(2025, 1, 1),
        date_to=datetime.date(2025, 12, 31),
        overdue=True,
        due_soon=True,
        satisfaction="basic",
        repeat=True,
        skip_level=True,
        queue="mine",
    )
    bad = downloads.parse_filters(
        QueryDict(
            "status=drop&category=x&region=41'--&date_from=2025-13-01&satisfaction=?&queue=all&overdue=0"
        )
    )
    assert bad == ListFilters()


def test_export_needs_the_export_permission(client, tree, people):
    register(people.cadre, tree.zhangzhuang)
    for user in (people.cadre, people.handler, people.nobody):
        client.force_login(user)
        assert client.get(reverse("petitions:export")).status_code == 403
    client.logout()
    response = client.get(reverse("petitions:export"))
    assert response.status_code == 302 and "login" in response["Location"]
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()


def test_county_supervisor_exports_every_township_and_outsider_only_their_own(client, tree, people):
    register(people.officer, tree.zhangzhuang)
    register(people.outsider, tree.other_village)
    client.force_login(people.supervisor)
    rows = workbook(b"".join(client.get(reverse("petitions:export")).streaming_content))
    assert len(rows) == 2
    client.force_login(people.outsider)
    rows = workbook(b"".join(client.get(reverse("petitions:export")).streaming_content))
    assert [r["村/乡镇"].value for r in rows] == ["堌阳镇/堌阳村"]


def test_more_rows_than_the_limit_is_refused_with_a_message(client, tree, people, monkeypatch):
    register(people.officer, tree.zhangzhuang)
    register(people.officer, tree.leiji)
    monkeypatch.setattr(excel, "MAX_ROWS", 1)
    client.force_login(people.officer)
    response = client.get(reverse("petitions:export") + "?status=registered")
    assert response.status_code == 302
    assert response["Location"] == reverse("petitions:list") + "?status=registered"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages and "最多导出 1 条" in messages[0]
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()


def test_write_workbook_streams_many_rows_in_constant_memory(tree, people):
    first = register(people.officer, tree.zhangzhuang)
    Petition.objects.bulk_create(
        [
            Petition(
                **{
                    f.attname: getattr(first, f.attname)
                    for f in Petition._meta.concrete_fields
                    if f.attname not in ("id", "tracking_code")
                },
                tracking_code=f"T{i:09d}",
            )
            for i in range(1_000)
        ]
    )
    out = io.BytesIO()
    written = excel.write_workbook(Petition.objects.order_by("id"), out)
    assert written == 1_001
    rows = workbook(out.getvalue())
    assert len(rows) == 1_001 and rows[-1]["查询码"].value == "T000000999"
    assert rows[-1]["状态"].value == Status.REGISTERED.label
