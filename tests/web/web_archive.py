"""The web tests' archive: filled through archive_document (tests/search/fill.py)."""
from __future__ import annotations

import contextlib
import importlib.util
import socket
import threading
import time
import sys
from pathlib import Path
from typing import Iterator

_spec = importlib.util.spec_from_file_location("search_fill", Path(__file__).parent.parent / "search" / "fill.py")
fill = importlib.util.module_from_spec(_spec)
sys.modules["search_fill"] = fill
_spec.loader.exec_module(fill)

XSS = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'


def populate(Session) -> dict:
    """Three agencies over several years; one report revised; one with violations; one hostile."""
    ids: dict = {}
    with Session.begin() as s:
        for year, n in [(2019, 120), (2020, 150), (2021, 90), (2022, 200)]:
            fill.add(s, "北京市公安局", year, f"北京市公安局{year}年收到申请{n}件，行政复议2件，户籍信息公开。",
                     url=f"http://gov.test/bj/{year}.html", region="110000",
                     template="2021" if year >= 2021 else "2019",
                     facts={"requests/new/total": n, "requests/granted/total": n // 2, "reviews/review/total": year - 2015,
                            "reviews/litigation_direct/total": 1})
        fill.add(s, "上海市财政局", 2021, "上海市财政局预算公开。依申请公开办理。", url="http://gov.test/sh/2021.html",
                 region="310000", violations=["requests.row_sum:granted", "reviews.row_sum:review"])
        fill.add(s, XSS + "局", 2021, f"正文含有 {XSS} 以及公安字样。", url="javascript:alert(1)")
    # A revision of 北京 2021: a new version and a `revised` event.
    with Session.begin() as s:
        fill.add(s, "北京市公安局", 2021, "北京市公安局2021年收到申请95件，行政复议2件，户籍信息公开。新增段落：信访。",
                 url="http://gov.test/bj/2021.html", template="2021",
                 facts={"requests/new/total": 95, "requests/granted/total": 45, "reviews/review/total": 6,
                        "reviews/litigation_direct/total": 1}, seed=0)
    import sqlalchemy as sa
    with Session() as s:
        for name, aid in s.execute(sa.text("SELECT name, id FROM agencies")):
            ids[name] = aid
        ids["reports"] = {(r.name, r.year): r.id for r in s.execute(sa.text(
            "SELECT a.name, r.year, r.id FROM reports r JOIN agencies a ON a.id = r.agency_id"))}
    return ids


@contextlib.contextmanager
def served(Session) -> Iterator[str]:
    """The web app over ``Session`` served by uvicorn on a free 127.0.0.1 port; yields its base URL."""
    import uvicorn

    from archive.web import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(Session), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
