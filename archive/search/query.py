"""Reading a user's search text into terms: no query language reaches the database.

The text is split on whitespace into terms that must all occur; a double-quoted span is
one term (spaces kept). Every term is later quoted as an FTS5 phrase (``"`` doubled) or a
``LIKE`` pattern (``%``/``_``/``\\`` escaped), so input such as ``AND``, ``body:公安局`` or
``依申请-公开`` is searched for literally. What cannot be searched raises :class:`QueryError`
with a one-line message.
"""
from __future__ import annotations

import unicodedata

MAX_QUERY_CHARS = 200
MAX_TERMS = 8


class QueryError(ValueError):
    """A search text that cannot be searched (empty, unbalanced quotes, too long ...).

    ``str()`` is the English line for the CLI; ``chinese`` the same for the Chinese pages.
    """

    def __init__(self, message: str, chinese: str | None = None):
        super().__init__(message)
        self.chinese = chinese or message


def _searchable(term: str) -> bool:
    """True when the term holds a letter or digit (CJK characters count as letters)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in term)


def parse_query(text: str | None) -> list[str]:
    """Split ``text`` into search terms (all of which must occur in a hit).

    >>> parse_query('公安  "行政 复议"')
    ['公安', '行政 复议']
    """
    if text is None:
        raise QueryError("empty query: give a word to search for, e.g. 复议", "请输入要搜索的词，如：复议")
    # Only whitespace is normalised: the index holds the text as printed (full-width
    # punctuation included), so folding （ to ( would miss it.
    text = "".join(" " if ch.isspace() or unicodedata.category(ch) == "Cc" else ch for ch in text).strip()
    if not text:
        raise QueryError("empty query: give a word to search for, e.g. 复议", "请输入要搜索的词，如：复议")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long ({len(text)} characters, at most {MAX_QUERY_CHARS})",
                         f"搜索词太长（{len(text)} 个字符，最多 {MAX_QUERY_CHARS} 个）")
    if text.count('"') % 2:
        raise QueryError('unbalanced quote in query: close the " or remove it', '引号不成对：请补全或删去 "')
    terms: list[str] = []
    for i, part in enumerate(text.split('"')):
        if i % 2:  # inside quotes: one term
            part = " ".join(part.split())
            if part:
                terms.append(part)
        else:
            terms.extend(part.split())
    terms = list(dict.fromkeys(terms))  # drop repeats, keep order
    if not terms:
        raise QueryError("empty query: give a word to search for, e.g. 复议", "请输入要搜索的词，如：复议")
    searchable = [t for t in terms if _searchable(t)]
    if not searchable:
        # e.g. `*` or `-`: punctuation alone is no word (and wildcards are not supported).
        raise QueryError(f"nothing to search for in {text!r}: give a word, e.g. 复议 "
                         "(wildcards and operators are not supported)",
                         f"“{text[:40]}”中没有可搜索的词：请输入文字，如：复议（不支持通配符和运算符）")
    terms = searchable  # stray punctuation between words (`公安 - 复议`) is dropped
    if len(terms) > MAX_TERMS:
        raise QueryError(f"too many terms ({len(terms)}, at most {MAX_TERMS})",
                         f"搜索词太多（{len(terms)} 个，最多 {MAX_TERMS} 个）")
    return terms


def fts_phrase(term: str) -> str:
    """``term`` as one FTS5 phrase string (a literal: quotes doubled)."""
    return '"' + term.replace('"', '""') + '"'


def like_pattern(term: str) -> str:
    """``%term%`` for ``LIKE ... ESCAPE '\\'`` with the wildcards in ``term`` escaped."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def spaced(term: str) -> str:
    """One token per character, as the character index stores text (``公安`` -> ``公 安``)."""
    return " ".join(term)
