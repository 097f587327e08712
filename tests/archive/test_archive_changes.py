"""Pure parts: the content fingerprint (chrome vs. content) and the diffs."""
from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from archive.changes import fact_changes, paragraph_diff, section_changes
from archive.normalize import fingerprint, nfkc, normalise_lines, paragraphs
from tests.archive.factories import make_record

CHROME_LINES = ["浏览次数：1234", "访问量: 99 次", "【打印】【关闭】", "分享到：微信 微博 QQ空间",
                "今天是2026年11月22日 星期日", "字体：大 中 小", "您是第 12345 位访客"]
PROSE = "上述内容经主流媒体报道后累计阅读量达 10.8 亿次，有力引领社会正向舆论。" * 2


def _fp(record, text=None):
    d = record.to_dict()
    return fingerprint(d, record.text if text is None else text)


def test_chrome_lines_dropped_prose_kept():
    lines = normalise_lines("\n".join(CHROME_LINES + [PROSE, "  一、总体情况  "]))
    assert lines == [unicodedata.normalize("NFKC", PROSE).replace(" ", ""), "一、总体情况"]


paragraph_text = st.text(alphabet="政府信息公开年度报告本机关依法处理件数一二三", min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(st.lists(paragraph_text, min_size=1, max_size=8), st.lists(st.sampled_from(CHROME_LINES), max_size=4),
       st.sampled_from([" ", "\t", "\u3000", "\n"]))
def test_fingerprint_ignores_chrome_and_whitespace(paras, chrome, space):
    record = make_record(text="\n\n".join(paras))
    noisy = "\n".join(chrome) + "\n" + "\n\n".join(space.join(p) for p in paras) + "\n" + "\n".join(chrome)
    assert _fp(record) == _fp(record, noisy)


@settings(max_examples=60, deadline=None)
@given(st.lists(paragraph_text, min_size=1, max_size=8), st.data())
def test_fingerprint_sees_every_content_change(paras, data):
    record = make_record(text="\n\n".join(paras))
    i = data.draw(st.integers(0, len(paras) - 1))
    changed = list(paras)
    changed[i] = changed[i] + "另"
    assert _fp(record) != _fp(record, "\n\n".join(changed))
    key = data.draw(st.sampled_from(sorted(record.facts)))
    other = make_record(text=record.text)
    other.facts[key] = record.facts[key] + 1
    assert _fp(record) != _fp(other)


def test_int_and_float_of_same_number_are_one_fact():
    a, b = make_record(), make_record()
    b.facts = {k: float(v) for k, v in b.facts.items()}
    assert _fp(a) == _fp(b)
    assert fact_changes(a.to_dict(), b.to_dict()) == {}


def test_fact_changes_old_new_and_missing():
    old = {"facts": {"a/b/c": 1, "a/b/d": 2, "x/y/money": 1.5}, "raw": {"x/y/money": "15000 元", "t/r/c": "10 项"}}
    new = {"facts": {"a/b/c": 1, "a/b/e": 3, "x/y/money": 1.5}, "raw": {"x/y/money": "15000元", "t/r/c": "11 项"}}
    assert fact_changes(old, new) == {"a/b/d": [2, None], "a/b/e": [None, 3], "t/r/c": ["10 项", "11 项"]}


def test_paragraph_diff_hunks():
    old = "甲段\n\n乙段\n\n丙段\n\n浏览次数：3"
    new = "甲段\n\n乙段（更正）\n\n丙段\n\n丁段\n\n浏览次数：4"
    assert paragraph_diff(old, new) == [
        {"op": "replace", "at": 1, "old": ["乙段"], "new": ["乙段（更正）"]},
        {"op": "insert", "at": 3, "old": [], "new": ["丁段"]},
    ]
    assert paragraph_diff(old, old) == []
    assert paragraphs(old) == ["甲段", "乙段", "丙段"]


def test_section_changes():
    assert section_changes({"sections": ["a", "b"]}, {"sections": ["a", "c"]}) == {"added": ["c"], "removed": ["b"]}


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200)
       | st.text(alphabet="，。：；（）！？ＡＢ１２３　\u3000年度报告公开申请ｶﾞ\u0301\u0308ﾟa é", max_size=200))
@settings(max_examples=500, deadline=None)
def test_fast_nfkc_is_nfkc(text):
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_fast_nfkc_on_the_seed_reports(data_dir):
    for path in sorted((data_dir / "seeds").glob("*.txt")) + sorted((data_dir / "real").glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        assert nfkc(text) == unicodedata.normalize("NFKC", text), path.name


def test_nfkc_is_unicodedata_nfkc():
    """The fast NFKC of Chinese text is NFKC, character for character (every BMP character,
    and mixes of the fullwidth forms it maps with text it must leave)."""
    import random
    import unicodedata

    from archive.normalize import _NFKC_COMMON, _nfkc_common, nfkc

    every = "".join(chr(code) for code in range(1, 0x10000) if not 0xD800 <= code < 0xE000)
    assert _nfkc_common(every) == every.translate(_NFKC_COMMON)
    pool = "中文報告 ，。、；：（）\u3000ＡＢ１２３ﾊﾟ\uffe0\uffe5\uffee\uffefa1\n" + "".join(map(chr, range(0xFF00, 0xFFF0)))
    rnd = random.Random(5)
    for _ in range(3000):
        text = "".join(rnd.choice(pool) for _ in range(rnd.randint(0, 40)))
        assert nfkc(text) == unicodedata.normalize("NFKC", text), text
