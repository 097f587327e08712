"""Snippets: a short window of a hit's text around the first match, with every match marked.

Made in Python from the stored text for both backends, so the two give the same snippets
and the markup is added by whoever displays it (HTML escaping stays the template's job).
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field

WINDOW = 120  # characters shown around the first match
# ASCII-only case folding keeps offsets valid (str.lower() can change a string's length).
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


@dataclass
class Snippet:
    """``text`` with the matched spans ``highlights`` (``[start, end)`` offsets into ``text``)."""

    text: str
    highlights: list[tuple[int, int]] = field(default_factory=list)

    def marked(self, before: str = "【", after: str = "】") -> str:
        """The text with each highlight wrapped in ``before``/``after`` (for terminals)."""
        out, pos = [], 0
        for start, end in self.highlights:
            out += [self.text[pos:start], before, self.text[start:end], after]
            pos = end
        out.append(self.text[pos:])
        return "".join(out)

    def segments(self) -> list[tuple[str, bool]]:
        """``(text, is_match)`` pieces in order, for templates that escape each piece."""
        out, pos = [], 0
        for start, end in self.highlights:
            if start > pos:
                out.append((self.text[pos:start], False))
            out.append((self.text[start:end], True))
            pos = end
        if pos < len(self.text):
            out.append((self.text[pos:], False))
        return out


def _spans(haystack: str, needle: str) -> list[tuple[int, int]]:
    spans, start = [], haystack.find(needle)
    while start >= 0 and needle:
        spans.append((start, start + len(needle)))
        start = haystack.find(needle, start + len(needle))
    return spans


def make_snippet(body: str, terms: list[str], window: int = WINDOW) -> Snippet:
    """The window of ``body`` around the first occurrence of any term, matches marked.

    Matching ignores ASCII case (as the SQLite index does). Whitespace runs are shown as
    one space so that a snippet is one line.
    """
    flat = " ".join(body.split())
    folded = flat.translate(ASCII_LOWER)
    spans = sorted({s for t in terms for s in _spans(folded, " ".join(t.split()).translate(ASCII_LOWER))},
                   key=lambda s: (s[0], -s[1]))
    if not spans:
        return Snippet(flat[:window] + ("…" if len(flat) > window else ""))
    first = spans[0][0]
    start = max(0, first - window // 4)
    end = min(len(flat), start + window)
    start = max(0, min(start, end - window))
    # Keep matches that fit wholly inside the window; drop overlaps (earliest, then longest, wins).
    chosen: list[tuple[int, int]] = []
    for s, e in spans:
        if s >= start and e <= end and (not chosen or s >= chosen[-1][1]):
            chosen.append((s, e))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(flat) else ""
    shift = len(prefix) - start
    return Snippet(prefix + flat[start:end] + suffix, [(s + shift, e + shift) for s, e in chosen])
