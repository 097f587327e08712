"""Records and documents for archive tests, generated from the canonical keys (not the seeds)."""
from __future__ import annotations

import random

from parsers.keys import REQUEST_COLUMNS, split_key, template_keys
from parsers.record import Record

SECTIONS = ["总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况",
            "政府信息公开行政复议、行政诉讼情况", "存在的主要问题及改进情况", "其他需要报告的事项"]


def make_record(agency: str = "测试市公安局", year: int = 2021, *, seed: int = 0, template: str = "2021",
                text: str | None = None, **facts_override) -> Record:
    """A plausible record: every template cell filled with a seeded number."""
    rnd = random.Random(f"{agency}/{year}/{seed}")
    facts: dict[str, int | float] = {}
    for key in template_keys(template):
        table, row, column = split_key(key)
        if table == "requests" and column != "total":
            continue
        facts[key] = rnd.randint(0, 500)
    for column in REQUEST_COLUMNS[:-1]:
        facts[f"requests/new/{column}"] = rnd.randint(0, 50)
    facts.update({k.replace("__", "/"): v for k, v in facts_override.items()})
    if text is None:
        text = "\n\n".join([f"{agency}{year}年政府信息公开工作年度报告"] + [
            f"{i + 1}、{title}。本年度{agency}依法做好{title}工作，共办理{rnd.randint(1, 999)}件。"
            for i, title in enumerate(SECTIONS)])
    return Record(agency=agency, year=year, template=template, published=f"{year + 1}-01-15",
                  sections=list(SECTIONS), facts=facts, raw={}, violations=[], title=f"{agency}{year}年报",
                  text=text, format="html")


def page(record: Record, chrome: str = "") -> bytes:
    """HTML bytes standing for a fetched page of ``record`` (plus optional chrome)."""
    body = "".join(f"<p>{p}</p>" for p in record.text.split("\n\n"))
    return f"<html><body>{chrome}{body}</body></html>".encode()
