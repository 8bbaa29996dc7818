"""Cleaning text from outside: nothing that steers a terminal, a spreadsheet or the direction of text survives,
and long text keeps its lines."""

import pytest

from minqing.core.text import clean_text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\x1b[31m红色\x1b[0m", "红色"),  # ANSI colour: the whole sequence goes, not just ESC
        ("\x1b]0;窗口标题\x07正文", "正文"),  # an OSC sequence (sets a terminal's title)
        ("\x9b2J清屏", "清屏"),  # the one-byte CSI
        ("响铃\x07\x07", "响铃"),
        ("空\x00字符", "空字符"),
        ("付款\u202egnp.exe", "付款gnp.exe"),  # right-to-left override
        ("\u2066隔离\u2069\u200f\u061c\ufeff", "隔离"),  # isolates, marks, byte-order mark
        ("删除\x7f\x08键", "删除键"),
        ("普通文字 ABC 123 👨\u200d👩\u200d👧", "普通文字 ABC 123 👨\u200d👩\u200d👧"),  # emoji joiners stay
    ],
)
def test_controls_and_escape_sequences_are_removed_from_any_text(raw, clean):
    assert clean_text(raw) == clean
    assert clean_text(raw, multiline=True) == clean


def test_long_text_keeps_tabs_and_line_breaks_written_as_newlines():
    assert clean_text("第一行\r\n第二行\r第三行\u2028第四行\n\t缩进", multiline=True) == (
        "第一行\n第二行\n第三行\n第四行\n\t缩进"
    )


def test_a_one_line_field_has_its_tabs_and_line_breaks_as_spaces():
    assert clean_text("张庄村\r\n东街\t3号") == "张庄村 东街 3号"
