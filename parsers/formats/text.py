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
from parsers.formats.encoding import decode

_INVISIBLE = re.compile("[\ufeff\u200b\u200c\u200d\u2060]")
_WS = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
# A line break inside a Chinese word (long labels wrap inside a cell) is not a space.
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff\uff01-\uff5e“”、。])\s+(?=[\u3400-\u9fff\uff01-\uff5e“”、。])")


def normalize_cell(text: str) -> str:
    """One table cell's text on one line: whitespace runs to one space, none between Chinese characters."""
    return _CJK_GAP.sub("", _WS.sub(" ", text).strip())


def normalize_text(text: str) -> str:
    """Unify line endings, drop invisible characters, NBSP to space, trailing spaces off."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text).replace("\u00a0", " ")
    # Trailing tabs stay: they are blank cells at the end of a tab-separated row.
    return "\n".join(line.rstrip(" ") for line in text.split("\n")).strip("\n")


def read(data: bytes, name: str = "", content_type: str | None = None) -> Document:
    """Read a ``.txt`` / ``.md`` report (``content_type``: the HTTP header, if known).

    Raises EncodingError or EmptyDocument.
    """
    text = normalize_text(decode(data, content_type))
    if not text.strip():
        raise EmptyDocument(f"{name or 'the text file'} is empty (no text after decoding)")
    return Document(text=text, format="text")


_TITLE_JUNK = re.compile(r"^(?:Microsoft\s+Word\s*-\s*|WPS\s*文字\s*-\s*)|\.(?:docx?|wps|pdf|html?)$", re.I)


def metadata_title(title: str | None) -> str | None:
    """A document-property title worth keeping: Chinese text, without "Microsoft Word - " or a file extension."""
    if not title:
        return None
    title = _TITLE_JUNK.sub("", _WS.sub(" ", title).strip()).strip()
    return title if re.search(r"[\u3400-\u9fff]", title) else None
