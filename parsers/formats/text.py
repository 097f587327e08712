"""Plain text and markdown reports.

The lines are kept as they are — tab-separated rows, ``| a | b |`` pipe rows, one cell
a line, markdown headings — because the table parser reads the rows from the text
itself (``Document.tables`` stays empty). Only line endings are unified and the
invisible characters that break matching (BOM, zero-width spaces, NBSP) removed.
"""
from __future__ import annotations

import re

from parsers.document import Document
from parsers.errors import EmptyDocument
from parsers.formats.encoding import decode_text

_INVISIBLE = re.compile("[\ufeff\u200b\u200c\u200d\u2060]")
_WS = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
# A line break inside a Chinese word (long labels wrap inside a cell) is not a space.
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff\uff01-\uff5e“”、。])\s+(?=[\u3400-\u9fff\uff01-\uff5e“”、。])")


def normalize_cell(text: str) -> str:
    """One table cell's text on one line: whitespace runs to one space, none between Chinese characters."""
    return _CJK_GAP.sub("", _WS.sub(" ", text).strip())


# Fake bold: a heading printed by drawing every character k times with a small offset reads
# back as "一一一、、、总总总体体体情情情况况况". The hint: two CJK characters in a row, each doubled.
_FAKE_BOLD_HINT = re.compile(r"([\u3400-\u9fff、，。：（）])\1+([\u3400-\u9fff、，。：（）])\2")
_RUN = re.compile(r"(.)\1*", re.S)
_CJK_MARK = re.compile(r"[\u3400-\u9fff、，。：（）]")


def collapse_fake_bold(line: str) -> str:
    """Undo fake bold in a line: a stretch of at least three characters, each repeated the
    same k times (2-4; a doubled character 2k times), with at least two Chinese ones among
    them, is printed once. Digits alone never trigger it (112233 stays a number)."""
    runs = [(m.group(1), len(m.group())) for m in _RUN.finditer(line)]
    out: list[str] = []
    i = 0
    while i < len(runs):
        best_j, best_k = i, 0
        for k in (2, 3, 4):
            if runs[i][1] % k:
                continue
            j = i
            while j < len(runs) and runs[j][1] % k == 0:
                j += 1
            stretch = runs[i:j]
            if (j - i >= 3 and sum(1 for ch, _ in stretch if _CJK_MARK.match(ch)) >= 2
                    and sum(n == k for _, n in stretch) * 2 > len(stretch) and j - i > best_j - i):
                best_j, best_k = j, k
        if best_k:
            out.extend(ch * (n // best_k) for ch, n in runs[i:best_j])
            i = best_j
        else:
            out.append(runs[i][0] * runs[i][1])
            i += 1
    return "".join(out)


def normalize_text(text: str) -> str:
    """Unify line endings, drop invisible characters, NBSP to space, trailing spaces off,
    fake-bold headings printed once."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text).replace("\u00a0", " ")
    if _FAKE_BOLD_HINT.search(text):
        text = "\n".join(collapse_fake_bold(line) if _FAKE_BOLD_HINT.search(line) else line
                         for line in text.split("\n"))
    # Trailing tabs stay: they are blank cells at the end of a tab-separated row.
    return "\n".join(line.rstrip(" ") for line in text.split("\n")).strip("\n")


def read(data: bytes, name: str = "", content_type: str | None = None) -> Document:
    """Read a ``.txt`` / ``.md`` report (``content_type``: the HTTP header, if known).

    Raises EncodingError or EmptyDocument.
    """
    decoded, warnings = decode_text(data, content_type)
    text = normalize_text(decoded)
    if not text.strip():
        raise EmptyDocument(f"{name or 'the text file'} is empty (no text after decoding)")
    return Document(text=text, format="text", warnings=warnings)


_TITLE_JUNK = re.compile(r"^(?:Microsoft\s+Word\s*-\s*|WPS\s*文字\s*-\s*)|\.(?:docx?|wps|pdf|html?)$", re.I)


def metadata_title(title: str | None) -> str | None:
    """A document-property title worth keeping: Chinese text, without "Microsoft Word - " or a file extension."""
    if not title:
        return None
    title = _TITLE_JUNK.sub("", _WS.sub(" ", title).strip()).strip()
    return title if re.search(r"[\u3400-\u9fff]", title) else None
