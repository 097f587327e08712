"""The content fingerprint: what counts as a change of a report (and what is page chrome).

Two fetches of a report make the same fingerprint when its facts, its raw cell texts,
its sections, its signing date and its text are the same once page chrome is dropped:
visit counters (浏览次数: 1234), print/share/close buttons, "today is ..." dates, font
size pickers. Whitespace never counts (Chinese text has no meaningful spaces, and
re-rendered pages move line breaks and indentation around), nor do line breaks.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata

# A line of page chrome: short, and names a counter, a button or the date of access.
# Long lines are report prose ("……累计阅读量达 10.8 亿次") and are always kept.
_CHROME = re.compile(
    r"浏览次数|浏览量|访问量|访问次数|访问人次|点击数|点击量|点击次数|点击率|阅读次数|阅读数|阅读量"
    r"|打印本页|【打印】|打印|分享到|分享|关闭窗口|【关闭】|收藏本页|加入收藏|字体[:：]|字号[:：]|【大】|【中】|【小】"
    r"|扫一扫|今天是|当前时间|访问日期|您是第|位访客|上一篇|下一篇|返回顶部|网站地图|无障碍|适老化|用户登录"
)
_MAX_CHROME_LINE = 60
_SPACE = re.compile(r"\s+")


# The NFKC form of the characters Chinese reports are full of (fullwidth punctuation,
# digits and letters, the ideographic space), applied with str.translate: where the result
# is NFKC already it is NFKC(text), each character having become its own NFKC form; that
# skips unicodedata.normalize, a tenth of an ingest. Anything else takes the long way.
_NFKC_COMMON = {code: unicodedata.normalize("NFKC", chr(code)) for code in (0x3000, *range(0xFF01, 0xFFEF))
                if unicodedata.normalize("NFKC", chr(code)) != chr(code)}


# str.translate looks every character of a non-ASCII text up in the mapping, some 0.15 µs
# each (0.3 ms of a 2,000-character report); splitting at the characters that may change
# (found by the regex engine in C, the range that _NFKC_COMMON was made from) and mapping
# only those is a quarter of that, and the same string, character for character.
_NFKC_SPLIT = re.compile("([\u3000\uff01-\uffee])")
_NFKC_BY_CHAR = {chr(code): _NFKC_COMMON.get(code, chr(code)) for code in (0x3000, *range(0xFF01, 0xFFEF))}


def _nfkc_common(text: str) -> str:
    """``text.translate(_NFKC_COMMON)``, faster."""
    parts = _NFKC_SPLIT.split(text)
    if len(parts) == 1:
        return text
    parts[1::2] = [_NFKC_BY_CHAR[char] for char in parts[1::2]]
    return "".join(parts)


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, faster on Chinese text."""
    quick = _nfkc_common(text)
    return quick if unicodedata.is_normalized("NFKC", quick) else unicodedata.normalize("NFKC", text)


def normalise_lines(text: str) -> list[str]:
    """The text's lines as compared: NFKC, whitespace removed, empty and chrome lines dropped."""
    lines = []
    for line in nfkc(text or "").splitlines():
        line = _SPACE.sub("", line)
        if not line:
            continue
        if len(line) <= _MAX_CHROME_LINE and _CHROME.search(line):
            continue
        lines.append(line)
    return lines


def paragraphs(text: str) -> list[str]:
    """The text's paragraphs for diffs (one a line, blank and chrome lines dropped, spaces kept)."""
    out = []
    for line in (text or "").splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        squeezed = _SPACE.sub("", unicodedata.normalize("NFKC", stripped))
        if len(squeezed) <= _MAX_CHROME_LINE and _CHROME.search(squeezed):
            continue
        out.append(stripped)
    return out


def fingerprint(record: dict, text: str) -> str:
    """SHA-256 of the report's content: facts, raw, sections, published date, normalised text.

    Not in it: the title (portals decorate it), the format, the parser version, the
    violations (they follow from the facts).
    """
    content = {
        "agency": record.get("agency"),
        "year": record.get("year"),
        "template": record.get("template"),
        "published": record.get("published"),
        "sections": [_SPACE.sub("", s) for s in record.get("sections") or []],
        "facts": {k: _number(v) for k, v in (record.get("facts") or {}).items()},
        "raw": {k: _SPACE.sub("", str(v)) for k, v in (record.get("raw") or {}).items()},
        # Joined: where a page breaks its lines is layout, not content.
        "text": "".join(normalise_lines(text)),
    }
    blob = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _number(value):
    # 12 and 12.0 are the same fact.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def without_nul(value):
    """``value`` with NUL characters removed from every string in it (dicts, lists, tuples).

    PostgreSQL can store no NUL in text or JSONB (``DataError``); a hostile or broken
    document may hold some. They are dropped from what is stored as text on both backends
    (the same record either way); the snapshot keeps the bytes as they came.
    """
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, (dict, list, tuple)) and "\\x00" not in repr(value):
        # repr() writes a NUL as \x00, in C: a record without one (nearly all) is not walked.
        return value
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(without_nul(v) for v in value)
    return value
