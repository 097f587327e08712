"""Hostile documents (tests/parsers/hostile.py): each gives a record or a named one-line
error, quickly, whatever it was built to do to a parser. Worst time and peak memory,
each in a fresh process: tests/benchmarks/bench_hostile.py."""
from __future__ import annotations

import time

import pytest
from hostile import HOSTILE

import parsers
from parsers import errors

EXPECTED = {
    "html_spans": errors.TableTooLarge,
    "html_span_digits": parsers.Record,
    "html_attributes": errors.TooManyAttributes,
    "html_attributes_quoted": errors.TooManyAttributes,
    "html_deep": errors.EmptyDocument,  # libxml2 stops at its depth bound; no text is left
    "html_script_escapes": parsers.Record,
    "html_too_big": errors.InputTooLarge,
    "html_bad_bytes": parsers.Record,
    "json_deep": parsers.Record,
    "mht_deep": errors.TooDeeplyNested,
    "docx_gridspan": errors.TableTooLarge,
    "docx_vmerge": parsers.Record,
    "docx_bomb": errors.ArchiveTooLarge,
    "docx_entries": errors.ArchiveTooLarge,
    "docx_deep": errors.TooDeeplyNested,
    "docx_attributes": errors.TooManyAttributes,
    "pdf_pages": errors.TooManyPages,
}
# Generous: the machine is shared; alone each takes well under 2 s (bench_hostile.py).
SECONDS = 30


def test_every_hostile_document_has_an_expectation():
    assert set(EXPECTED) == set(HOSTILE)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_document_gives_a_record_or_a_named_error(name):
    data, file_name = HOSTILE[name]()
    started = time.perf_counter()
    try:
        outcome = parsers.parse(data, file_name)
    except parsers.ParseError as exc:
        outcome = exc
        message = str(exc)
        assert message and "\n" not in message and len(message) < 300, message
    elapsed = time.perf_counter() - started
    assert isinstance(outcome, EXPECTED[name]), f"{name}: {type(outcome).__name__}: {outcome}"
    assert elapsed < SECONDS, f"{name} took {elapsed:.1f} s"


def test_a_stray_byte_is_replaced_with_a_warning_not_an_error():
    data, name = HOSTILE["html_bad_bytes"]()
    record = parsers.parse(data, name)
    assert record.agency == "某县人民政府" and record.year == 2021
    assert record.warnings and "U+FFFD" in record.warnings[0]
    assert parsers.parse(data.replace(b"\xff", b""), name).warnings == []


def test_vertical_merges_repeat_the_text_above():
    from parsers.formats import read_document

    document = read_document(*HOSTILE["docx_vmerge"]())
    assert len(document.tables) == 1
    grid = document.tables[0]
    assert len(grid) == 401 and all(row == ["合并"] * 30 for row in grid)


def test_limit_errors_are_parse_errors():
    for cls in (errors.InputTooLarge, errors.TableTooLarge, errors.ArchiveTooLarge, errors.TooDeeplyNested,
                errors.TooManyAttributes, errors.TooManyPages):
        assert issubclass(cls, errors.LimitExceeded) and issubclass(cls, parsers.ParseError)
