"""The full-text engine's pure parts: folding, tokens, the query language and highlighting (no database)."""

from minqing.core import fulltext


def test_han_text_becomes_bigrams_and_its_last_character_and_latin_words_stay_whole():
    assert fulltext.token_list("申请低保") == ["申请", "请低", "低保", "保"]
    assert fulltext.token_list("G310国道 3月份") == ["g310", "国道", "道", "3", "月份", "份"]
    assert fulltext.tokens("路") == "路"


def test_punctuation_breaks_runs_so_no_bigram_spans_it():
    assert "保申" not in fulltext.token_list("低保，申请")


def test_full_width_case_and_traditional_forms_are_folded_to_the_same_tokens():
    assert fulltext.token_list("殘疾人補貼 ＡＢＣ１２３") == fulltext.token_list("残疾人补贴 abc123")


def test_fold_keeps_the_length_so_highlights_land_on_the_original_characters():
    for text in ("①号殘疾ＡＢ", "㈠申請", "ǅ𠀀字"):
        assert len(fulltext.fold(text)) == len(text)


def test_a_word_is_a_phrase_of_bigrams_and_words_separated_by_spaces_are_all_required():
    q = fulltext.parse("申请低保 路灯")
    assert [t.tokens for t in q.terms] == [("申请", "请低", "低保"), ("路灯",)]
    assert q.fts5() == '"申请 请低 低保" AND "路灯"'
    assert q.tsquery() == "('申请' <-> '请低' <-> '低保') & ('路灯')"


def test_quoted_text_is_one_phrase_in_either_kind_of_quote_ignoring_spaces_between_han_characters():
    for typed in ('"低保 申请"', "“低保 申请”", '"低保申请"'):
        (term,) = fulltext.parse(typed).terms
        assert term.tokens == ("低保", "保申", "申请")
    (term,) = fulltext.parse('"street light"').terms
    assert term.tokens == ("street", "light")


def test_a_lone_han_character_is_a_prefix_of_the_tokens_that_begin_with_it():
    (term,) = fulltext.parse("灯").terms
    assert term.prefix and term.tokens == ("灯",)
    assert fulltext.parse("灯").fts5() == '"灯"*' and fulltext.parse("灯").tsquery() == "('灯':*)"


def test_a_query_of_only_punctuation_or_quotes_is_empty_and_never_raises():
    for typed in ("", "   ", "!!!", '"', '""', "“”", "*", "\x00", "。，、"):
        assert not fulltext.parse(typed)


def test_query_text_cannot_inject_syntax_into_either_database():
    q = fulltext.parse("""a'b "c" OR d* NEAR(e) ':* & !""")
    assert [t.tokens for t in q.terms] == [("a", "b"), ("c",), ("or",), ("d",), ("near", "e")]
    assert all(tok.isalnum() for t in q.terms for tok in t.tokens)


def test_repeated_terms_count_once_and_long_queries_are_cut():
    assert len(fulltext.parse("低保 低保 低保").terms) == 1
    assert len(fulltext.parse(" ".join(f"词{i}" for i in range(20))).terms) == fulltext.MAX_TERMS


def test_highlight_escapes_the_text_before_marking_the_words():
    out = fulltext.highlight('<script>alert("低保")</script>低保', "低保")
    assert out == "&lt;script&gt;alert(&quot;<mark>低保</mark>&quot;)&lt;/script&gt;<mark>低保</mark>"


def test_highlight_cannot_be_made_to_emit_markup_by_the_query():
    out = fulltext.highlight("a<b>c", "<b>")
    assert "<b>" not in out and "&lt;<mark>b</mark>&gt;" in out


def test_highlight_marks_traditional_and_full_width_forms_in_the_original_text():
    assert fulltext.highlight("殘疾人ＡＢ", "残疾 ab") == "<mark>殘疾</mark>人<mark>ＡＢ</mark>"


def test_excerpt_shows_the_text_around_the_first_hit_and_nothing_without_one():
    text = "前" * 100 + "申请低保" + "后" * 100
    out = fulltext.highlight(text, "低保", excerpt=30)
    assert out.startswith("…") and out.endswith("…") and "<mark>低保</mark>" in out
    assert len(out.replace("<mark>", "").replace("</mark>", "")) == 32
    assert fulltext.highlight(text, "路灯", excerpt=30) == ""


def test_create_sql_is_an_fts5_table_on_sqlite_and_a_gin_indexed_tsvector_on_postgresql():
    (sqlite,) = fulltext.create_sql("thing", ["title", "body"], "sqlite")
    assert "USING fts5(title, body" in sqlite
    pg = fulltext.create_sql("thing", ["title", "body"], "postgresql")
    assert any("tsvector" in s for s in pg) and any("USING gin (tsv)" in s for s in pg)
