"""Chinese full-text search on SQLite and PostgreSQL alike: one tokeniser, one query language, one index per
searched entity.

Chinese has no spaces, and the words people search for are mostly two characters long (低保, 残疾, 养老), which
no word-based tokeniser of either database finds. So the text is cut here, the same way for both databases, and
the database only ever sees whitespace-separated tokens:

* Text is folded first (NFKC: full-width → ASCII; lower case; common traditional forms → simplified), then cut
  into runs of Han characters and runs of other letters and digits; everything else breaks a run.
* A run of Han characters becomes its overlapping pairs (bigrams) followed by its last character alone:
  "申请低保" → 申请 请低 低保 保. A word of two or more characters is then a phrase of bigrams ("申请低保" is
  申请 请低 低保 at consecutive positions), a single character is a prefix ("保" → tokens beginning with 保,
  which the trailing character makes complete), and no phrase matches across a punctuation mark.
* Any other run (Latin, digits) is one token, whole: "G310" → g310.

Query language (`parse`): words separated by spaces must all match (AND); text in double quotes ("…" or “…”)
matches as one phrase (spaces between Han characters in it are ignored); a lone Han character matches any word containing it. Up to MAX_TERMS terms.

An index (`FulltextIndex`) is a table of its own beside the entity's table, keyed by the entity's primary key,
holding the tokens of the entity's weighted fields: on SQLite an FTS5 virtual table ranked with bm25, on
PostgreSQL a tsvector column with a GIN index, ranked with ts_rank. The owner keeps it current by calling
`upsert`/`delete` from its services (an explicit call, no signals), creates it in a migration with
`CreateFulltextIndex`, and rebuilds it with `rebuild` (the `fulltext_rebuild` command).

Ranking has a bound. Ranking every match of a common word at a million rows costs seconds on either database
(FTS5's bm25 and ts_rank read each match's positions), so `ranked_ids` ranks the newest `window` matches
within the caller's queryset (its scope and filters applied first) and leaves older ones out: a search that
broad is narrowed with filters, and the caller can tell the user so when `len(ids) == window`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation
from django.db.models import Model, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.safestring import SafeString, mark_safe

WINDOW = 200
MAX_TERMS = 8
MAX_QUERY_CHARS = 100
# PostgreSQL keeps positions up to 16383; a field starts this far after the previous one, so that no phrase of
# Latin words matches across two fields.
FIELD_GAP = 2

# Traditional forms common in requests and policy texts, folded so that 殘疾 finds 残疾. The two lists of the
# intelligence floor (textintel, hotspots) are merged here; the kernel cannot import them.
_TRAD = (
    "學校醫療衛環護境汙車輛橋費資養險補貼業勞動僱傭鄉鎮區縣場價貨買賣飯聲機關辦證書樓層電話網絡線處罰違規劃廠"
    "礦煙塵廢氣圾發項遷徵還禮請問題經營執照藥診計劃獎懲師課考試報補習兒園讀書運體館圖齡職稱編製視頻聯繫務員傷"
    "亂噪響糧償農導這個們來說對時會後裡麼為與從現實應當認識開門東長產戶參驗檢測條範訪討殺圍靜橫羣氣賠錢權國"
    "沒於幫領間該經過壞難點紙單號碼頭歲親騙癒築樹將總殘疾貧困難優撫軍屬災災寶燈飲滅齊蓋窮傳統"
)
_SIMP = (
    "学校医疗卫环护境污车辆桥费资养险补贴业劳动雇佣乡镇区县场价货买卖饭声机关办证书楼层电话网络线处罚违规划厂"
    "矿烟尘废气圾发项迁征还礼请问题经营执照药诊计划奖惩师课考试报补习儿园读书运体馆图龄职称编制视频联系务员伤"
    "乱噪响粮偿农导这个们来说对时会后里么为与从现实应当认识开门东长产户参验检测条范访讨杀围静横群气赔钱权国"
    "没于帮领间该经过坏难点纸单号码头岁亲骗愈筑树将总残疾贫困难优抚军属灾灾宝灯饮灭齐盖穷传统"
)
_FOLD = {ord(t): s for t, s in zip(_TRAD, _SIMP, strict=True) if t != s}

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(f"([{_HAN}]+)|([^\\W_{_HAN}]+)")
_HAN_SPACE = re.compile(f"(?<=[{_HAN}])\\s+(?=[{_HAN}])")
_QUOTED = re.compile(r"[\"“”„「」『』]([^\"“”„「」『』]*)[\"“”„「」『』]?|(\S+)")


_fold_table: dict[int, str] | None = None


def _table() -> dict[int, str]:
    """Code point → folded character, for the Basic Multilingual Plane; built once, on first use, so that
    folding is one str.translate instead of Python work per character."""
    global _fold_table
    if _fold_table is None:
        table: dict[int, str] = {}
        for cp in range(0x10000):
            ch = chr(cp)
            n = unicodedata.normalize("NFKC", ch) if cp >= 0x80 else ch
            if len(n) == 1:
                n = n.lower()
            if len(n) == 1:
                n = _FOLD.get(ord(n), n)
                if n != ch:
                    table[cp] = n
        _fold_table = table
    return _fold_table


def fold(text: str) -> str:
    """The searchable form of `text`, character for character (same length): full-width folded, lower case,
    traditional → simplified. A character NFKC would turn into several (①, ㈠) stays as it is, so that positions
    in the folded text are positions in the original and highlights land on the right characters."""
    return text.translate(_table())


def _runs(folded: str) -> list[tuple[bool, str]]:
    """(is_han, run) for each run of Han characters or of other letters and digits."""
    return [(bool(m.group(1)), m.group(0)) for m in _RUN.finditer(folded)]


def _run_tokens(is_han: bool, run: str, *, last: bool = False) -> list[str]:
    if not is_han:
        return [run]
    if len(run) == 1:
        return [run]
    pairs = [run[i : i + 2] for i in range(len(run) - 1)]
    # The trailing character makes single-character prefixes complete; a query's last run leaves it out,
    # since in the text the word may go on.
    return pairs if last else [*pairs, run[-1]]


def token_list(text: str) -> list[str]:
    """The tokens of `text`, in order (see the module's docstring)."""
    out: list[str] = []
    for is_han, run in _runs(fold(text or "")):
        out.extend(_run_tokens(is_han, run))
    return out


def tokens(text: str) -> str:
    """The tokens of `text` as the index stores them: separated by single spaces."""
    return " ".join(token_list(text))


# --- Queries ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One term of a query: tokens at consecutive positions, the last one a prefix if `prefix`."""

    tokens: tuple[str, ...]
    prefix: bool
    needles: tuple[str, ...]  # the folded runs, for highlighting


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...]

    def __bool__(self) -> bool:
        return bool(self.terms)

    def fts5(self) -> str:
        """The FTS5 MATCH expression: each term a quoted phrase (tokens never contain quotes), all required."""
        return " AND ".join(f'"{" ".join(t.tokens)}"' + ("*" if t.prefix else "") for t in self.terms)

    def tsquery(self) -> str:
        """The PostgreSQL tsquery text (cast with ::tsquery, no parser in between): phrases with <->."""
        parts = []
        for t in self.terms:
            lexemes = [f"'{tok}'" for tok in t.tokens]
            if t.prefix:
                lexemes[-1] += ":*"
            parts.append("(" + " <-> ".join(lexemes) + ")")
        return " & ".join(parts)

    @property
    def needles(self) -> tuple[str, ...]:
        return tuple(n for t in self.terms for n in t.needles)


def _term(text: str) -> Term | None:
    runs = _runs(fold(text))
    if not runs:
        return None
    toks: list[str] = []
    for i, (is_han, run) in enumerate(runs):
        toks.extend(_run_tokens(is_han, run, last=i == len(runs) - 1))
    last_han, last_run = runs[-1]
    return Term(
        tokens=tuple(toks), prefix=last_han and len(last_run) == 1, needles=tuple(r for _h, r in runs)
    )


def parse(q: str) -> Query:
    """The query typed by a user. Never raises: what holds no letter or digit is dropped, and an empty Query
    (falsy) matches nothing."""
    q = (q or "")[:MAX_QUERY_CHARS]
    terms: list[Term] = []
    for m in _QUOTED.finditer(q):
        # Chinese puts no spaces between words: inside quotes, a space between two Han characters is dropped.
        term = _term(_HAN_SPACE.sub("", m.group(1)) if m.group(1) is not None else m.group(2))
        if term is not None and term not in terms:
            terms.append(term)
    return Query(terms=tuple(terms[:MAX_TERMS]))


# --- Highlighting -----------------------------------------------------------------------------------------------


def _spans(text: str, query: Query) -> list[tuple[int, int]]:
    folded = fold(text)
    found: list[tuple[int, int]] = []
    for needle in sorted(set(query.needles), key=len, reverse=True):
        start = folded.find(needle)
        while start >= 0:
            found.append((start, start + len(needle)))
            start = folded.find(needle, start + len(needle))
    found.sort()
    merged: list[tuple[int, int]] = []
    for a, b in found:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def highlight(text: str, q: str | Query, *, excerpt: int | None = None) -> SafeString:
    """`text`, HTML-escaped, with each occurrence of the query's words in <mark>. With `excerpt`, only about that
    many characters around the first occurrence (with … where cut), or "" when nothing occurs."""
    text = text or ""
    query = parse(q) if isinstance(q, str) else q
    spans = _spans(text, query) if query else []
    lo, hi = 0, len(text)
    if excerpt is not None:
        if not spans:
            return mark_safe("")
        lo = max(0, spans[0][0] - excerpt // 3)
        hi = min(len(text), lo + excerpt)
    out = ["…" if lo > 0 else ""]
    pos = lo
    for a, b in spans:
        if b <= lo or a >= hi:
            continue
        a, b = max(a, lo), min(b, hi)
        out.append(html.escape(text[pos:a]))
        out.append(f"<mark>{html.escape(text[a:b])}</mark>")
        pos = b
    out.append(html.escape(text[pos:hi]))
    out.append("…" if hi < len(text) else "")
    return mark_safe("".join(out))  # every piece of the text was escaped above


# --- Indexes ----------------------------------------------------------------------------------------------------

_REGISTRY: dict[str, FulltextIndex] = {}
_WEIGHT_LETTERS = "ABCD"


def table_name(name: str) -> str:
    return f"fulltext_{name}"


def _vendor(conn: Any = None) -> str:
    return str((conn or connection).vendor)


def fts5_available(conn: Any = None) -> bool:
    conn = conn or connection
    with conn.cursor() as cur:
        cur.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')")
        compiled = bool(cur.fetchone()[0])
    if compiled:
        return True
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE VIRTUAL TABLE temp.fulltext_probe USING fts5(x)")
            cur.execute("DROP TABLE temp.fulltext_probe")
    except Exception:  # any failure means no FTS5
        return False
    return True


def create_sql(name: str, fields: Sequence[str], vendor: str) -> list[str]:
    """The statements that create index `name` on `vendor` (what CreateFulltextIndex runs)."""
    table = table_name(name)
    if vendor == "sqlite":
        # prefix='1': a one-character prefix (a lone Han character) is read from its own index, not by merging
        # every token that begins with it.
        cols = ", ".join(fields)
        return [f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5({cols}, prefix='1', detail=full)"]
    if vendor == "postgresql":
        return [
            f"CREATE TABLE IF NOT EXISTS {table} (id bigint PRIMARY KEY, tsv tsvector NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {table}_tsv ON {table} USING gin (tsv)",
        ]
    raise NotImplementedError(f"full-text search is not available on {vendor}")


class CreateFulltextIndex(Operation):
    """Migration operation: create the side table of index `name` for the database at hand (drops it when
    reversed). `fields` are the index's field names in order, as in FulltextIndex."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, name: str, fields: Sequence[str]) -> None:
        self.name = name
        self.fields = list(fields)

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass  # not a Django model: no state

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: Any, to_state: Any
    ) -> None:
        conn = schema_editor.connection
        if conn.vendor == "sqlite" and not fts5_available(conn):
            raise RuntimeError("SQLite without FTS5: full-text search needs an SQLite built with FTS5")
        for sql in create_sql(self.name, self.fields, conn.vendor):
            schema_editor.execute(sql)

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: Any, to_state: Any
    ) -> None:
        schema_editor.execute(f"DROP TABLE IF EXISTS {table_name(self.name)}")

    def describe(self) -> str:
        return f"Create full-text index {self.name}"

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (self.__class__.__qualname__, [], {"name": self.name, "fields": self.fields})


def _tsvector(field_tokens: Sequence[list[str]]) -> str:
    """A tsvector literal: each token at its position, weighted A, B, C, D by field. Tokens hold only letters
    and digits, so quoting them needs no escaping."""
    parts = []
    pos = 0
    for i, toks in enumerate(field_tokens):
        letter = _WEIGHT_LETTERS[i]
        for tok in toks:
            pos += 1
            parts.append(f"'{tok}':{min(pos, 16383)}{letter}")
        pos += FIELD_GAP
    return " ".join(parts)


class FulltextIndex:
    """The full-text index of one entity.

    `name` names the side table (fulltext_<name>); `model` is the entity; `fields` are (name, weight) pairs, at
    most four, the weight of a match in that field for ranking (only their ratios count); `texts` returns an
    object's text for each field, in order (defaults to the model's attributes of those names).
    """

    def __init__(
        self,
        *,
        name: str,
        model: type[Model],
        fields: Sequence[tuple[str, float]],
        texts: Callable[[Any], Sequence[str]] | None = None,
    ) -> None:
        if not 1 <= len(fields) <= len(_WEIGHT_LETTERS):
            raise ValueError("a full-text index has one to four fields")
        self.name = name
        self.model = model
        self.fields = tuple(f for f, _w in fields)
        self.weights = tuple(float(w) for _f, w in fields)
        self.table = table_name(name)
        self._texts = texts or (lambda obj: [str(getattr(obj, f) or "") for f in self.fields])
        _REGISTRY[name] = self

    # -- writing --

    def texts(self, obj: Any) -> list[str]:
        return list(self._texts(obj))

    def upsert(self, pk: int, *texts: str) -> None:
        """(Re)index row `pk` with the text of each field, in the order of `fields`."""
        self.upsert_many([(pk, texts)])

    def upsert_many(self, rows: Iterable[tuple[int, Sequence[str]]]) -> int:
        """(Re)index many rows at once: (pk, texts) pairs. Returns how many."""
        n_fields = len(self.fields)
        prepared: list[tuple[int, list[list[str]]]] = []
        for pk, texts in rows:
            if len(texts) != n_fields:
                raise ValueError(f"{self.name}: {n_fields} texts expected, got {len(texts)}")
            prepared.append((int(pk), [token_list(t) for t in texts]))
        if not prepared:
            return 0
        with transaction.atomic(), connection.cursor() as cur:
            if _vendor() == "postgresql":
                cur.executemany(
                    f"INSERT INTO {self.table} (id, tsv) VALUES (%s, %s::tsvector) "
                    "ON CONFLICT (id) DO UPDATE SET tsv = EXCLUDED.tsv",
                    [(pk, _tsvector(toks)) for pk, toks in prepared],
                )
            else:
                cur.executemany(f"DELETE FROM {self.table} WHERE rowid = %s", [(pk,) for pk, _t in prepared])
                cols = ", ".join(self.fields)
                marks = ", ".join(["%s"] * (n_fields + 1))
                cur.executemany(
                    f"INSERT INTO {self.table} (rowid, {cols}) VALUES ({marks})",
                    [(pk, *(" ".join(t) for t in toks)) for pk, toks in prepared],
                )
        return len(prepared)

    def index(self, obj: Any) -> None:
        """(Re)index one object of the model, reading its texts with `texts`."""
        self.upsert(obj.pk, *self.texts(obj))

    def delete(self, pk: int) -> None:
        with connection.cursor() as cur:
            key = "id" if _vendor() == "postgresql" else "rowid"
            cur.execute(f"DELETE FROM {self.table} WHERE {key} = %s", [pk])

    def rebuild(
        self,
        *,
        model: type[Model] | None = None,
        batch: int = 5000,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Index every row of the model again, in primary-key batches; rows no longer there leave the index.
        A migration passes its historical `model` (apps.get_model), whose fields are those of its time."""
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {self.table}")
        done = 0
        last = None
        manager = (model or self.model)._base_manager
        while True:
            qs = manager.order_by("pk")
            if last is not None:
                qs = qs.filter(pk__gt=last)
            chunk = list(qs[:batch])
            if not chunk:
                break
            done += self.upsert_many((obj.pk, self.texts(obj)) for obj in chunk)
            last = chunk[-1].pk
            if progress:
                progress(done)
        return done

    # -- reading --

    def _sql(self) -> tuple[str, str, str]:
        """(key column, match condition, rank expression; higher = better) for this database."""
        t = self.table
        if _vendor() == "postgresql":
            top = max(self.weights)
            w = [self.weights[i] / top if i < len(self.weights) else 0.0 for i in range(4)]
            weights = "{" + ",".join(f"{x:.4f}" for x in reversed(w)) + "}"  # ts_rank wants {D,C,B,A}
            return "id", f"{t}.tsv @@ %s::tsquery", f"ts_rank('{weights}'::float4[], {t}.tsv, %s::tsquery)"
        weights = ", ".join(f"{w:.4f}" for w in self.weights)
        return "rowid", f"{t} MATCH %s", f"-bm25({t}, {weights})"

    def ranked_ids(self, qs: QuerySet[Any], q: str | Query, *, window: int | None = None) -> list[int]:
        """The primary keys of the rows of `qs` that match `q`, best first (ties: newest first), among the
        newest `window` matches of `qs`. `qs` is applied as it is (scope, filters): it decides what may be
        found, this decides what matches."""
        query = parse(q) if isinstance(q, str) else q
        if not query:
            return []
        window = window or WINDOW
        key, match, rank = self._sql()
        text = query.tsquery() if _vendor() == "postgresql" else query.fts5()
        meta = qs.model._meta
        pk_col = f"{self.table}.{key}"
        inner = qs.order_by().filter(pk=RawSQL(pk_col, ())).values("pk")
        sub_sql, sub_params = inner.query.sql_with_params()
        if meta.db_table == self.table:
            raise ValueError("the searched queryset must not be the index table itself")
        sql = (
            f"SELECT {pk_col}, {rank} FROM {self.table} WHERE {match} AND EXISTS ({sub_sql}) "
            f"ORDER BY {pk_col} DESC LIMIT %s"
        )
        with connection.cursor() as cur:
            rank_params = [text] if "%s" in rank else []
            cur.execute(sql, [*rank_params, text, *sub_params, window])
            rows = cur.fetchall()
        rows.sort(key=lambda r: (-float(r[1]), -int(r[0])))
        return [int(r[0]) for r in rows]

    def filter(
        self, qs: QuerySet[Any], q: str | Query, *, window: int | None = None, first: Sequence[int] = ()
    ) -> QuerySet[Any]:
        """`qs` restricted to what matches `q` (see ranked_ids), `first` ahead of it (exact hits found by other
        means, such as a typed tracking code), annotated `search_rank` (smaller is better) and ordered by it."""
        ids = list(dict.fromkeys([*first, *self.ranked_ids(qs, q, window=window)]))
        return in_order(qs, ids)


def in_order(qs: QuerySet[Any], ids: Sequence[int]) -> QuerySet[Any]:
    """`qs` restricted to `ids` and ordered as they are: annotated `search_rank` (smaller comes first)."""
    if not ids:
        return qs.none()
    meta = qs.model._meta
    col = f'"{meta.db_table}"."{meta.pk.column}"'
    if _vendor() == "postgresql":
        position = RawSQL(f"array_position(%s::bigint[], {col})", (list(ids),))
    else:
        position = RawSQL(f"instr(%s, ',' || {col} || ',')", ("," + ",".join(str(i) for i in ids) + ",",))
    return qs.filter(pk__in=list(ids)).annotate(search_rank=position).order_by("search_rank")


def registered() -> dict[str, FulltextIndex]:
    """The indexes defined by the apps loaded so far, by name (for the rebuild command)."""
    return dict(_REGISTRY)
