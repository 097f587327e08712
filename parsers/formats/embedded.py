"""Reports held inside something else: HTML in a JavaScript string, or a value of a JSON document.

Some portals ship the article as data and let the browser draw it::

    <script>var content = '<p>一、总体情况<\\/p><table>…';  $('#zoom').html(content);</script>
    <script>document.write("<table class=\\"MsoNormalTable\\">…");</script>
    {"code": 0, "data": {"title": "…年度报告", "content": "<p>\\u4e00\\u3001…"}}

The page's visible body then holds nothing but chrome. These helpers find such strings
and decode them with real decoders — :func:`json.loads` for JSON (and for a double-quoted
JavaScript literal that is valid JSON), a careful unescape of every JavaScript escape form
otherwise — so that the HTML reader parses the report as if it were on the page.

Pure functions; no I/O. Bounded: scanning is one regular-expression pass over the script.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

from parsers.titles import REPORT_WORDS

# JavaScript tokens that matter here: comments (so that a quote in a comment does not open
# a string) and string literals of the three kinds. The loops are unrolled
# ("normal* (escape normal*)*") so that a 100 KB literal is matched without backtracking.
_JS_TOKENS = re.compile(
    r"//[^\n]*"
    r"|/\*[\s\S]*?(?:\*/|$)"
    r"|'[^'\\\n]*(?:\\[\s\S][^'\\\n]*)*'"
    r'|"[^"\\\n]*(?:\\[\s\S][^"\\\n]*)*"'
    r"|`[^`\\]*(?:\\[\s\S][^`\\]*)*`"
)
_JS_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]{1,6}\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[0-7]{1,3}|\r\n|[\s\S])")
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v",
                   "\n": "", "\r": "", "\r\n": "", "\u2028": "", "\u2029": ""}
# Code between two literals that continues one string: `'a' + 'b'`, `s += 'a'; s += 'b'`,
# `html.push('a'); html.push('b')` and `['a', 'b'].join('')`.
_JOINS = re.compile(r"^(?:\s*[+,]\s*|\s*\)?\s*;?\s*(?:[\w$.\[\]]+\s*(?:\+=|\.push\(|\.append\()\s*)?)$")
_DECODER_CALL = re.compile(r"(?:unescape|decodeURIComponent|decodeURI)\s*\(\s*$")
_PERCENT_U = re.compile(r"%u([0-9a-fA-F]{4})")
# A string worth a look holds a tag (possibly escaped) and Chinese text (possibly escaped).
_MARKUP = re.compile(r"<\s*/?\s*(?:p|div|table|tr|td|span|br|h[1-6]|section|article|strong|font)\b", re.I)
_CJK = re.compile(r"[\u3400-\u9fff]")
_HINT_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z]|\\u003[cC]|\\x3[cC]|%3[cC]|&lt;")
_HINT_CJK = re.compile(r"[\u3400-\u9fff]|\\u[4-9][0-9a-fA-F]{3}|%u[4-9]|%E[4-9]")
# Enough Chinese text to be a report's body (or a part of it), not a menu entry.
MIN_CJK = 40


def decode_js_string(literal: str) -> str:
    """The value of one JavaScript string literal, quotes included (``'a\\'b'`` → ``a'b``).

    Every escape form of the language: ``\\n`` and friends, ``\\xHH``, ``\\uHHHH`` (surrogate
    pairs joined), ``\\u{H…}``, legacy octal, line continuations, and ``\\<any>`` → ``<any>``
    (so ``\\/`` → ``/``, ``\\'`` → ``'``). A double-quoted literal that is valid JSON goes
    through :func:`json.loads`.
    """
    quote, body = literal[:1], literal[1:-1]
    if quote == '"':
        try:
            return json.loads(literal)
        except ValueError:
            pass  # a JavaScript-only escape (\x3c, \', octal): decoded below

    def one(match: re.Match) -> str:
        esc = match.group(1)
        if esc in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[esc]
        if esc.startswith("u{"):
            code = int(esc[2:-1], 16)
            return chr(code) if code <= 0x10FFFF else "\ufffd"
        if esc[0] in "ux" and len(esc) > 1:
            return chr(int(esc[1:], 16))
        if esc[0] in "01234567":
            return "\0" if esc == "0" else chr(int(esc, 8) & 0xFF)
        return esc

    text = _JS_ESCAPE.sub(one, body)
    # \ud83d\ude00 came out as two lone surrogates: join them (or replace a lone one).
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _unescape_percent(text: str) -> str:
    """``unescape('%u4E00%3Cp%3E')`` / ``decodeURIComponent('%E4%B8%80')``."""
    return unquote(_PERCENT_U.sub(lambda m: chr(int(m.group(1), 16)), text))


def js_strings(script: str) -> Iterator[str]:
    """The string values a script builds, in order: literals joined by ``+``, ``+=``,
    ``.push(…)`` or a list are one value; comments are skipped; the argument of
    ``unescape()`` / ``decodeURIComponent()`` is percent-decoded."""
    parts: list[str] = []
    end = 0
    for match in _JS_TOKENS.finditer(script):
        token = match.group()
        if token[0] == "/":
            continue  # a comment
        between = script[end:match.start()]
        value = decode_js_string(token)
        if _DECODER_CALL.search(between):
            value = _unescape_percent(value)
        if parts and not _JOINS.match(between):
            yield "".join(parts)
            parts = []
        parts.append(value)
        end = match.end()
    if parts:
        yield "".join(parts)


def might_hold_html(script: str) -> bool:
    """Cheap test: does this script text contain something like a tag and Chinese text?"""
    return bool(_HINT_MARKUP.search(script) and _HINT_CJK.search(script))


def is_report_html(value: str) -> bool:
    """A decoded string that is HTML markup with a report's worth of Chinese text in it."""
    return bool(_MARKUP.search(value)) and len(_CJK.findall(value)) >= MIN_CJK


def script_html(script: str) -> list[str]:
    """The HTML fragments with report text that a script holds in its string values."""
    if not might_hold_html(script):
        return []
    return [value for value in js_strings(script) if is_report_html(value)]


# --- JSON documents ----------------------------------------------------------------------------

_JSONP = re.compile(r"^\s*[\w$.]+\s*\(\s*([\[{][\s\S]*[\]}])\s*\)\s*;?\s*$")
_TITLE_KEY = re.compile(r"title|biaoti|^bt$|wzbt|subject|^name$|docname|headline", re.I)
_DATE_KEY = re.compile(r"(?:publish|pub|release|issue|fb|fa?bu|create|doc).*(?:date|time|sj|rq)|^(?:date|fbsj|fbrq|pubdate)$",
                       re.I)
_DATE_VALUE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_BEIJING = timezone(timedelta(hours=8))  # epoch timestamps of Chinese portals mean Beijing dates


def load_json(text: str) -> object | None:
    """A JSON (or JSONP ``callback({...})``) document's value, None when the text is not one."""
    stripped = text.strip().lstrip("\ufeff")
    if not stripped or stripped[0] not in "[{":
        match = _JSONP.match(stripped)
        if not match:
            return None
        stripped = match.group(1)
    try:
        return json.loads(stripped)
    except (ValueError, RecursionError):
        return None


def _walk(value: object, key: str = "", depth: int = 0) -> Iterator[tuple[str, object]]:
    """(key, scalar) pairs of a JSON value, depth-first in document order (bounded depth)."""
    if depth > 64:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, str(k), depth + 1)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, key, depth + 1)
    else:
        yield key, value


def _date(value: object) -> str | None:
    """An ISO date from a JSON date value: a date string, or epoch seconds/milliseconds."""
    if isinstance(value, str) and (m := _DATE_VALUE.search(value)):
        y, mo, d = (int(g) for g in m.groups())
        if 1990 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31:
            return f"{y:04d}-{mo:02d}-{d:02d}"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        seconds = value / 1000 if value > 1e11 else value
        try:
            when = datetime.fromtimestamp(seconds, tz=_BEIJING)
        except (OverflowError, OSError, ValueError):
            return None
        if 1990 <= when.year <= 2100:
            return when.date().isoformat()
    return None


def json_report(value: object) -> tuple[str, bool, str | None, str | None] | None:
    """The report a JSON value carries: ``(body, is_html, title, published)``, or None.

    The body is the string with the most Chinese text (HTML preferred over plain text);
    the title a ``title``-like key's value (one naming a 年度报告 preferred); the date a
    ``publishDate``-like key's value (a date string or an epoch timestamp).
    """
    best_html, best_text = ("", 0), ("", 0)
    titles: list[str] = []
    published = None
    for key, scalar in _walk(value):
        if isinstance(scalar, str):
            cjk = len(_CJK.findall(scalar))
            if _MARKUP.search(scalar):
                if cjk > best_html[1]:
                    best_html = (scalar, cjk)
            elif cjk > best_text[1]:
                best_text = (scalar, cjk)
            if _TITLE_KEY.search(key) and 0 < len(scalar) <= 200 and cjk:
                titles.append(scalar)
        if published is None and _DATE_KEY.search(key):
            published = _date(scalar)
    title = next((t for t in titles if REPORT_WORDS.search(t)), titles[0] if titles else None)
    if best_html[1] >= MIN_CJK or (best_html[1] and best_html[1] >= best_text[1]):
        return best_html[0], True, title, published
    if best_text[1]:
        return best_text[0], False, title, published
    return None
