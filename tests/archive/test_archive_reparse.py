"""A new parser version re-parses stored snapshots in place: records updated, no `revised` events."""
from __future__ import annotations

import dataclasses
import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from archive import ingest
from archive.fetched import Fetched
from archive.models import Cell, Event, Version
from crawler.cli import main
from parsers.record import PARSER_VERSION

pytest.importorskip("parsers.api")
from parsers import parse  # noqa: E402

URL = "http://gov.example/xxgk/2020nb.txt"


def test_reparse_updates_old_versions_without_events(Session, db_url, data_dir):
    data = (data_dir / "seeds" / "000_13d8da7760c93c3b.txt").read_bytes()
    good = parse(data, URL)
    # What an older, buggier parser made of the same bytes.
    old = dataclasses.replace(good, parser_version="0.0.1", facts={**good.facts, "requests/new/total": 1})
    with Session.begin() as s:
        assert [e["kind"] for e in ingest.archive_document(s, Fetched(url=URL, data=data), record=old)] == ["new"]

    result = CliRunner().invoke(main, ["db", "reparse", "--db", db_url, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["versions"] == 1

    with Session() as s:
        version = s.execute(sa.select(Version)).scalar_one()
        assert version.parser_version == PARSER_VERSION and version.number == 1
        assert version.record["facts"]["requests/new/total"] == 1409
        cell = s.execute(sa.select(Cell.value).where(Cell.version_id == version.id, Cell.table_name == "requests",
                                                     Cell.row_key == "new", Cell.column_key == "total")).scalar_one()
        assert cell == 1409
        assert [k for k, in s.execute(sa.select(Event.kind))] == ["new"]

    # Parsed here (record=None), same content with page chrome: still no new version.
    with Session.begin() as s:
        chrome = b"\xe6\xb5\x8f\xe8\xa7\x88\xe6\xac\xa1\xe6\x95\xb0\xef\xbc\x9a99\n" + data  # 浏览次数：99
        assert ingest.archive_document(s, Fetched(url=URL, data=chrome)) == []
    with Session() as s:
        assert s.execute(sa.select(sa.func.count()).select_from(Version)).scalar_one() == 1


def test_newer_parser_meeting_an_old_version_reparses_it_before_comparing(Session, data_dir):
    data = (data_dir / "seeds" / "002_5ce0e844e5628c40.txt").read_bytes()
    good = parse(data, URL)
    old = dataclasses.replace(good, parser_version="0.0.1", sections=["总体情况"])
    with Session.begin() as s:
        ingest.archive_document(s, Fetched(url=URL, data=data), record=old)
    # The same report fetched again with the current parser (other bytes: a trailing newline).
    with Session.begin() as s:
        assert ingest.archive_document(s, Fetched(url=URL, data=data + b"\n")) == []
    with Session() as s:
        version = s.execute(sa.select(Version)).scalar_one()
        assert version.parser_version == PARSER_VERSION and version.record["sections"] == good.sections
