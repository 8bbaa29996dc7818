"""Pure text functions: normalisation, signatures, similarity, keywords, watched phrases — and bad input."""

import pytest

from minqing.hotspots import text

BASE = (
    "我们村东头的道路年久失修，下雨天泥泞不堪，村民出行十分困难，孩子上学要绕很远的路，希望镇里尽快安排修路。"
)

BAD_INPUTS = [
    "",
    " \n\t ",
    "。，！？……——",
    "😀😡🙏" * 50,
    "字" * 100_000,
    "上訪問題：我們村的道路年久失修，請幫忙",
    "Hello 领导, the road in our village is broken, 请尽快修路 ASAP!!!",
    "\x00\x01控制字符",
]


@pytest.mark.parametrize("raw", BAD_INPUTS)
def test_bad_input_never_crashes_any_text_function(raw):
    bands = text.text_bands(raw)
    assert bands == [] or len(bands) == text.BANDS
    assert isinstance(text.keywords(raw), list)
    assert isinstance(text.tokens(raw), list)
    assert 0 <= text.similarity(text.normalize(raw), text.normalize(BASE)) <= 100
    text.phrase_hits(raw, [text.Phrase(1, "上访", ())])


def test_normalize_folds_width_case_traditional_and_drops_punctuation_and_emoji():
    assert text.normalize("上訪！ＡＢＣ 😀，abc") == "上访abcabc"


def test_band_hashes_are_stable_and_shared_by_a_lightly_edited_copy_but_not_by_another_text():
    edited = BASE.replace("十分困难", "很不方便")
    other = "我家的低保去年被取消了，不知道是什么原因，家里老人长期生病，生活很困难，请帮忙查一下。"
    bands = text.text_bands(BASE)
    assert bands == text.text_bands(BASE)
    assert len(set(bands) & set(text.text_bands(edited))) >= 2
    assert not set(bands) & set(text.text_bands(other))


def test_similarity_is_high_for_a_re_post_with_an_added_paragraph_and_low_for_a_different_matter():
    longer = BASE + "另外村里的路灯也坏了很久，晚上出门很不安全，也请一并解决，谢谢！"
    assert text.similarity(text.normalize(BASE), text.normalize(longer)) >= 80
    assert (
        text.similarity(text.normalize(BASE), text.normalize("我家的低保被取消了，请帮忙查一下原因。")) < 40
    )


def test_keywords_drop_bureaucratic_filler():
    words = text.keywords("尊敬的领导您好！反映一个问题：" + BASE)
    assert "修路" in words or "年久失修" in words
    assert not {"尊敬", "领导", "您好", "反映", "问题"} & set(words)


def test_watched_phrase_ignores_occurrences_inside_exclusion_words():
    phrases = [
        text.Phrase(1, "上访", text.DEFAULT_EXCLUSIONS["上访"]),
        text.Phrase(2, "集体", text.DEFAULT_EXCLUSIONS["集体"]),
    ]
    assert text.phrase_hits("镇干部马上访问了困难户，村集体土地承包合同到期了", phrases) == []
    hits = text.phrase_hits("多次上访无果，村民准备集体去县里", phrases)
    assert [h.phrase for h in hits] == ["上访", "集体"]
    # An excluded occurrence does not hide a real one elsewhere in the text.
    assert [h.phrase for h in text.phrase_hits("村集体的事，大家商量集体去镇上", phrases)] == ["集体"]
    # 上访问题 is a real hit (上访问 is deliberately not an exclusion).
    assert [h.phrase for h in text.phrase_hits("关于上访问题的处理", phrases)] == ["上访"]
    assert [h.phrase for h in text.phrase_hits("多次上訪", phrases)] == ["上访"]


def test_cluster_keywords_prefer_words_shared_by_members():
    texts = [BASE, BASE.replace("东头", "西头"), "村里道路年久失修，请求修路。"]
    kws = text.cluster_keywords(texts)
    assert "年久失修" in kws
