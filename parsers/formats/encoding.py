"""Bytes to text without mojibake.

Government pages are UTF-8, GB2312/GBK/GB18030 (often with no charset or a wrong
``gb2312`` one), occasionally Big5. The order of trust (see the project's NOTES):

1. a byte-order mark;
2. a declared charset (an HTTP header passed by the caller, then ``<meta charset>`` /
   ``http-equiv``); any GB* label is decoded as GB18030 (a superset: ``.decode('gb2312')``
   fails on 镕, 喆, 堃);
3. strict UTF-8;
4. charset-normalizer's detection.

A declaration is a claim, not a fact: a declared decoding that fails strictly, or that
reads as far less plausible Chinese than an alternative, loses to that alternative.
Nothing here silently returns text full of replacement characters: a page that is valid
text but for a few bytes (one stray byte in a UTF-8 or GBK page) is read with those bytes
replaced and a warning that the record carries; if no candidate is plausible,
:class:`EncodingError` is raised.
"""
from __future__ import annotations

import codecs
import functools
import re

from parsers.errors import EncodingError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_GB_LABELS = {"gb2312", "gbk", "gb18030", "gb_2312-80", "gb_2312", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Characters that a wrong single-byte or wrong CJK codec produces from Chinese text:
# Latin-1 letters with diacritics, Hangul, Japanese kana, box drawing, private use.
_ODD = re.compile(r"[\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u3040-\u30ff\uac00-\ud7af\ue000-\uf8ff\u2500-\u257f]")


def normalize_label(label: str) -> str | None:
    """The Python codec for a charset label (GB* → gb18030), or ``None`` if unknown."""
    label = label.strip().strip("\"'").lower()
    if label in _GB_LABELS:
        return "gb18030"
    if label in {"utf8", "unicode-1-1-utf-8"}:
        label = "utf-8"
    if label in {"big5", "big5-hkscs", "cp950", "x-x-big5"}:
        return "big5hkscs"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # Browsers read latin-1/ascii labels as windows-1252; either way no Chinese page is that.
    return "gb18030" if name in {"gbk", "gb2312"} else name


def declared_charset(data: bytes, http_header: str | None = None) -> str | None:
    """The charset the HTTP header or the first 64 KB of HTML declare (normalised), if any."""
    if http_header:
        match = _HEADER_CHARSET.search(http_header)
        if match and (codec := normalize_label(match.group(1))):
            return codec
    match = _META_CHARSET.search(data[:65536])  # a page may open with tens of KB of script
    if match:
        return normalize_label(match.group(1).decode("ascii", "replace"))
    return None


@functools.cache
def _common_hanzi() -> frozenset[str]:
    """GB2312 level 1: the 3,755 most frequent hanzi of ordinary text (rows 0xB0-0xD7)."""
    chars = set()
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass  # the unassigned tail of row 0xD7
    return frozenset(chars)


@functools.cache
def _common_hanzi_re() -> re.Pattern[str]:
    """A character class of the level-1 hanzi that ``_CJK`` also matches (common ⊂ CJK)."""
    chars = sorted(ch for ch in _common_hanzi() if _CJK.match(ch))
    return re.compile("[" + "".join(chars) + "]")


# Control characters other than the whitespace ones (\t \n \f \r): text never has them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
_ASCII_RUNS = re.compile(r"[\x00-\x7f]+")


def plausibility(text: str, sample: int = 20000) -> float:
    """How much a decoded string looks like real Chinese (or ASCII) text; higher is better.

    Mojibake is mostly made of *rare* hanzi (UTF-8 read as GBK lands in GB2312 level 2
    and beyond), of replacement characters, or of Latin/Hangul/kana letters, so the
    score is the share of common hanzi minus penalties. Only meaningful to compare
    candidate decodings of the same bytes.
    """
    text = text[:sample]
    if not text:
        return 0.0
    # Counted with regexes, not per-character Python loops: a page is tens of thousands
    # of characters and this runs on every non-UTF-8 page (~15 ms a page that way).
    cjk = len(_CJK.findall(text))
    common = len(_common_hanzi_re().findall(text))
    rare = cjk - common
    bad = text.count("\ufffd") * 4 + len(_ODD.findall(text)) * 2
    control = len(_CONTROL.findall(text))
    # Per non-ASCII character, so that HTML markup does not dilute the measure.
    non_ascii = 0 if text.isascii() else len(_ASCII_RUNS.sub("", text))
    return (common - rare - bad - 4 * control) / max(non_ascii, 1)


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detected(data: bytes) -> str | None:
    """charset-normalizer's best guess, decoded strictly (GB labels widened to gb18030)."""
    from charset_normalizer import from_bytes  # deferred: import costs ~50 ms

    best = from_bytes(data).best()
    if best is None:
        return None
    codec = normalize_label(best.encoding) or best.encoding
    return _strict(data, codec) or str(best)


# A page that is valid text but for a few bytes (a stray byte in a UTF-8 or GBK page) is
# read with those bytes replaced: up to this share of its bytes (and at least a few).
_TOLERATED_SHARE = 1 / 500
_TOLERATED_MIN = 8


def _lossy(data: bytes, codec: str) -> tuple[str, str] | None:
    """``(text, warning)`` when ``data`` is ``codec`` text but for a few invalid bytes."""
    try:
        text = data.decode(codec, "replace")
    except LookupError:
        return None
    bad = text.count("\ufffd")
    if 0 < bad <= max(_TOLERATED_MIN, int(len(data) * _TOLERATED_SHARE)):
        return text, f"{bad} invalid byte sequence(s) in {codec} text replaced with U+FFFD"
    return None


def decode_text(data: bytes, http_header: str | None = None) -> tuple[str, list[str]]:
    """Decode document bytes to text; also return warnings (bytes that had to be replaced).

    See the module docstring for the order of trust. Text that is valid in one encoding
    but for a few bytes is read in that encoding, the bad bytes replaced (U+FFFD), with a
    warning; only bytes that are not text in any plausible encoding raise
    :class:`EncodingError`.
    """
    candidates: list[tuple[str, str | None]] = []  # (text, warning)
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = _strict(data[len(bom):], codec)
            if text is not None:
                return text, []
            if lossy := _lossy(data[len(bom):], codec):
                candidates.append(lossy)
            break  # a BOM followed by garbage: fall through to the other candidates
    declared = declared_charset(data, http_header)
    if declared:
        text = _strict(data, declared)
        if text is not None:
            candidates.insert(0, (text, None))
    utf8 = _strict(data, "utf-8")
    if utf8 is not None:
        candidates.append((utf8, None))
    else:
        # Strict UTF-8 failing is strong evidence for GB18030 on a Chinese page; detection
        # still gets a vote (Big5, or a page that is neither).
        gb = _strict(data, "gb18030")
        if gb is not None:
            candidates.append((gb, None))
        if gb is None or plausibility(gb) < 0.2:
            detected = _detected(data)
            if detected is not None:
                candidates.append((detected, None))
            # Valid text but for a few bytes, in the declared encoding, UTF-8 or GB18030.
            for codec in dict.fromkeys(c for c in (declared, "utf-8", "gb18030") if c):
                if lossy := _lossy(data, codec):
                    candidates.append(lossy)
    if not candidates:
        raise EncodingError(f"{len(data)} bytes that decode as no known text encoding")
    # The first candidate (declared, else UTF-8) wins unless another is clearly more plausible.
    best, warning = candidates[0]
    best_score = None  # scored only when a different candidate is to be compared with it
    for other, other_warning in candidates[1:]:
        if other == best:
            continue
        if best_score is None:
            best_score = plausibility(best)
        score = plausibility(other)
        if score > best_score + 0.01:
            best, warning, best_score = other, other_warning, score
    if warning is None and "\ufffd" in best and best.count("\ufffd") > max(3, len(best) // 200):
        raise EncodingError("the text decodes only with many replacement characters (unknown encoding)")
    # (no hanzi at all is checked first: it is found at once on a Chinese page, the count is a full pass)
    if not _CJK.search(best) and len(_ODD.findall(best)) > max(8, len(best) // 20):
        raise EncodingError("the bytes decode only as implausible text (unknown encoding)")
    return best, [warning] if warning else []


def decode(data: bytes, http_header: str | None = None) -> str:
    """Decode document bytes to text (:func:`decode_text` without its warnings).

    ``http_header`` is a ``Content-Type`` header value (``text/html; charset=gbk``) if
    the caller has one. Raises :class:`EncodingError` when no decoding is plausible.
    """
    return decode_text(data, http_header)[0]
