"""Filling test archives through the archive's one code path (``archive_document``)."""
from __future__ import annotations

import contextlib
import random

from archive.ingest import archive_document
from archive.fetched import Fetched
from parsers.keys import template_keys
from parsers.record import Record


def record(agency: str, year: int, text: str, *, template: str = "2021", violations: list[str] | None = None,
           seed: int = 0, facts: dict | None = None) -> Record:
    """A record with every template cell filled with a seeded number and the given text."""
    rnd = random.Random(f"{agency}/{year}/{seed}")
    all_facts = {k: rnd.randint(0, 300) for k in template_keys(template)}
    all_facts.update(facts or {})
    return Record(agency=agency, year=year, template=template, published=f"{year + 1}-01-20",
                  sections=["总体情况", "主动公开政府信息情况"], facts=all_facts, raw={},
                  violations=list(violations or []), title=f"{agency}{year}年政府信息公开工作年度报告",
                  text=text, format="html")


def add(session, agency: str, year: int, text: str, *, url: str | None = None, region: str | None = None,
        **kwargs) -> list[dict]:
    """Archive one report (its page bytes are the text in a <p>) and return the events."""
    rec = record(agency, year, text, **kwargs)
    url = url or f"http://gov.test/{abs(hash((agency, year))) % 10**8}/{year}.html"
    data = f"<html><body><p>{text}</p></body></html>".encode()
    events = archive_document(session, Fetched(url=url, data=data, content_type="text/html"), record=rec)
    if region is not None:
        from archive.models import Agency
        session.query(Agency).filter(Agency.name == agency).update({"region_code": region})
    return events


@contextlib.contextmanager
def fresh_database(kind: str, directory):
    """A fresh archive URL for a whole module: a SQLite file in ``directory`` or a new
    PostgreSQL database (C.UTF-8, as tests/conftest.py's ``pg_url``), dropped after."""
    import os
    import socket
    import uuid
    from urllib.parse import urlparse

    import pytest
    import sqlalchemy as sa

    from archive import db

    if kind == "sqlite":
        url = f"sqlite:///{directory / 'nianbao.db'}"
        yield url
        db.engine_for(db.database_url(url)).dispose()
        return
    admin_url = os.environ.get("NIANBAO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parts = urlparse(admin_url.replace("+psycopg", ""))
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=1).close()
    except OSError:
        pytest.skip(f"PostgreSQL not reachable at {admin_url} (set NIANBAO_TEST_PG)")
    name = f"nianbao_t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
                             "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"))
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        db.engine_for(db.database_url(url)).dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
