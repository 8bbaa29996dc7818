"""The registry as a person uses it on a phone, in headless Chromium. Screenshots land in test-output/screenshots/."""

import io

import openpyxl
import pytest

from minqing.core.tests.browser import login, shot
from minqing.core.tests.factories import make_id_number
from minqing.households.models import Household, RelationKind
from minqing.households.services import relation_record

from .helpers import family

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_officer_logs_in_finds_a_household_and_sees_everything_known(browser_page, tree, people):
    page = browser_page
    a = family(people.officer, tree.zhangzhuang, "张建国", members=2)
    b = family(people.officer, tree.zhangzhuang, "李小梅", members=0, phone="13900001111")
    relation_record(
        actor=people.officer,
        household_a=a,
        household_b=b,
        kind=RelationKind.FEUD,
        subject="宅基地边界",
        severity=3,
    )
    login(page, "officer")
    assert "在册户数" in page.content()
    shot(page, "home")

    page.goto(page.base_url + "/households/search/?q=zjg")
    page.wait_for_selector("#resident-results a")
    shot(page, "search")
    page.click("#resident-results a >> text=张建国")
    page.wait_for_selector("#members")
    body = page.content()
    assert "宅基地边界" in body and "张小0" in body and a.head.id_number not in body
    # Reveal the full ID number: shown in place and recorded.
    page.click("#members li[data-name='张建国'] .reveal-id")
    page.wait_for_selector(f"text={a.head.id_number}")
    shot(page, "household")

    tail = a.head.id_number[-4:]
    page.goto(page.base_url + f"/households/search/?q={tail}")
    assert page.locator("#resident-results").inner_text().count("张建国") >= 1


def test_village_cadre_cannot_open_another_villages_household(browser_page, tree, people):
    page = browser_page
    other = family(people.officer, tree.leiji, "雷大明", members=0)
    login(page, "cadre")
    response = page.goto(page.base_url + f"/households/{other.pk}/")
    assert response.status == 404
    assert "不在您的辖区内" in page.content()


def test_officer_downloads_the_template_fills_it_and_imports(browser_page, tree, people):
    page = browser_page
    login(page, "officer")
    page.goto(page.base_url + "/households/import/")
    with page.expect_download() as info:
        page.click("text=下载导入模板")
    book = openpyxl.load_workbook(io.BytesIO(info.value.path().read_bytes()))
    households, members = book["户信息"], book["成员信息"]
    for sheet in (households, members):
        if sheet.max_row > 1:
            sheet.delete_rows(2, sheet.max_row)
    head_h = [c.value for c in households[1]]
    head_m = [c.value for c in members[1]]

    def row(headers, values):
        return [values.get(h, None) for h in headers]

    households.append(
        row(
            head_h,
            {
                "户编号": "新1",
                "村(社区)": "张庄村",
                "住址": "张庄村五组1号",
                "耕地(亩)": 5.5,
                "困难类别": "低保户",
            },
        )
    )
    members.append(
        row(
            head_m,
            {
                "户编号": "新1",
                "姓名": "赵铁柱",
                "与户主关系": "户主",
                "身份证号": make_id_number(serial=301),
                "联系电话": "13600001234",
            },
        )
    )
    members.append(
        row(
            head_m,
            {
                "户编号": "新1",
                "姓名": "赵小花",
                "与户主关系": "女",
                "身份证号": make_id_number(serial=302, male=False),
            },
        )
    )
    buffer = io.BytesIO()
    book.save(buffer)

    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "我的导入.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": buffer.getvalue(),
            }
        ],
    )
    page.click("text=上传并校验")
    page.wait_for_selector("#job-status")
    shot(page, "import")
    page.wait_for_selector("#apply-all")
    shot(page, "import")
    page.click("#apply-all")
    page.wait_for_selector("#applied")
    assert Household.objects.filter(head_name="赵铁柱", region=tree.zhangzhuang).exists()

    page.goto(page.base_url + "/households/search/?q=ztz")
    assert "赵铁柱" in page.locator("#resident-results").inner_text()
