"""The parse step that runs in the worker processes of the parse pipeline.

Module-level functions only (they are pickled by reference into the pool's workers).
"""
from __future__ import annotations


def warm_up() -> bool:
    """Import the parsers in a fresh worker before the first real page arrives."""
    import parsers  # noqa: F401
    try:
        import parsers.api  # noqa: F401
    except ImportError:
        pass
    return True


def parse_job(data: bytes, name: str) -> tuple[dict | None, str | None]:
    """``parsers.parse`` in a worker: (record dict with text, None) or (None, a one-line error)."""
    from parsers import ParseError, parse

    try:
        record = parse(data, name)
    except ParseError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the crawl; it is recorded
        return None, f"parser failure ({type(exc).__name__}: {exc})"
    return record.to_dict(include_text=True), None
