"""Pure diffs between two versions of a report: ``(old, new) -> changes``."""
from __future__ import annotations

import difflib

from archive.normalize import paragraphs
from archive.prose import prose


def fact_changes(old: dict, new: dict) -> dict[str, list]:
    """Changed cells, ``key -> [old, new]`` (``None`` where a cell is absent).

    Facts first; a raw cell text counts only for keys that hold no number on either side
    (a money cell keeps its text in ``raw`` too, and its number is what matters).
    """
    old_facts, new_facts = old.get("facts") or {}, new.get("facts") or {}
    changes: dict[str, list] = {}
    for key in sorted(old_facts.keys() | new_facts.keys()):
        a, b = old_facts.get(key), new_facts.get(key)
        if not _same(a, b):
            changes[key] = [a, b]
    old_raw, new_raw = old.get("raw") or {}, new.get("raw") or {}
    for key in sorted(old_raw.keys() | new_raw.keys()):
        if key in old_facts or key in new_facts:
            continue
        a, b = old_raw.get(key), new_raw.get(key)
        if a != b:
            changes[key] = [a, b]
    return changes


def field_changes(old: dict, new: dict) -> dict[str, list]:
    """Changed record fields other than the tables: template, published, title, violations."""
    out = {}
    for name in ("template", "published", "title", "violations"):
        if old.get(name) != new.get(name):
            out[name] = [old.get(name), new.get(name)]
    return out


def section_changes(old: dict, new: dict) -> dict[str, list[str]]:
    """Sections added and removed (by title)."""
    a, b = old.get("sections") or [], new.get("sections") or []
    return {"added": [s for s in b if s not in a], "removed": [s for s in a if s not in b]}


def paragraph_diff(old_text: str, new_text: str) -> list[dict]:
    """What changed between two texts, paragraph by paragraph.

    Each hunk is ``{"op": "replace"|"insert"|"delete", "at": index in the old text,
    "old": [paragraphs], "new": [paragraphs]}``; unchanged paragraphs are left out. The
    texts are compared as prose (archive.prose): their tables are diffed cell by cell.
    """
    a, b = paragraphs(prose(old_text)), paragraphs(prose(new_text))
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    hunks = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        hunks.append({"op": op, "at": i1, "old": a[i1:i2], "new": b[j1:j2]})
    return hunks


def version_diff(old_record: dict, old_text: str, new_record: dict, new_text: str) -> dict:
    """Everything that changed: ``changes`` (cells), ``fields``, ``sections``, ``paragraphs``."""
    return {
        "changes": fact_changes(old_record, new_record),
        "fields": field_changes(old_record, new_record),
        "sections": section_changes(old_record, new_record),
        "paragraphs": paragraph_diff(old_text, new_text),
    }


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return a == b
