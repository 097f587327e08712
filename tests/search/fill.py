"""Filling test archives through the archive's one code path (``archive_document``)."""
from __future__ import annotations

import random

from archive.service import archive_document
from parsers.keys import template_keys, split_key
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
    events = archive_document(session, url=url, data=data, content_type="text/html", record=rec)
    if region is not None:
        from archive.models import Agency
        session.query(Agency).filter(Agency.name == agency).update({"region_code": region})
    return events
