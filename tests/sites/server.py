"""The fixture server: static files of ``build.py``'s portals plus simulated behaviours.

Simulated: conditional requests (ETag/Last-Modified → 304, from the static handler), a
page that answers 503 once then 200, a slow page, a ``?page=N`` listing that never ends,
anti-bot challenge pages (瑞数 412 with ``$_ts``, 加速乐 521 with ``__jsl_clearance``),
Hanweb's ``dataproxy.jsp``; robots.txt is a static file with a disallowed path.
Every request path is logged (``server.log``) so that tests can check what was fetched.
"""
from __future__ import annotations

import html
import json
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from crawler.sample_portal import StaticHandler, serve

RUISHU = (b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
          b'<script type="text/javascript">$_ts=window[\'$_ts\'];if(!$_ts)$_ts=window[\'$_ts\']={};'
          b"$_ts.nsd=12345;$_ts.cd=\"qEcrrpAlWGqcqsAE\";</script><script src=\"/4QbVtADbnLVIc.js\"></script>"
          b"</head><body></body></html>")
JIASULE = (b"<html><body><script>document.cookie=('_')+('_jsl_clearance')+('=1700000000.123|0|abc');"
           b"location.href=location.pathname+location.search</script></body></html>")


class FixtureHandler(StaticHandler):
    """Static portals plus the behaviours above (configured per server in ``behaviours``)."""

    behaviours: dict = {}
    log: list = []
    counts: Counter = Counter()
    lock = threading.Lock()

    def do_GET(self):  # noqa: N802
        parts = urlsplit(self.path)
        with self.lock:
            self.log.append(self.path)
            self.counts[parts.path] += 1
            seen = self.counts[parts.path]
        behaviour = self.behaviours.get(parts.path)
        if behaviour == "ruishu" or (parts.path.startswith("/blocked/") and self.behaviours.get("/blocked/") != "ok"):
            self.send_bytes(412, RUISHU, "text/html", {"Set-Cookie": "__jsluid_s=abc123; path=/"})
            return
        if behaviour == "jiasule" or parts.path.startswith("/jsl/"):
            self.send_bytes(521, JIASULE, "text/html", {"Set-Cookie": "__jsluid_h=abc; path=/"})
            return
        if behaviour == "503-once" and seen == 1:
            self.send_bytes(503, b"<html><body>Service Unavailable</body></html>", "text/html")
            return
        if behaviour == "slow":
            time.sleep(1.0)
        if behaviour == "gone":
            self.send_bytes(404, b"<html><body>404</body></html>", "text/html")
            return
        if parts.path.endswith("/module/web/jpage/dataproxy.jsp"):
            self.dataproxy(parse_qs(parts.query))
            return
        if parts.path == "/page/InfoPublic.aspx":
            self.endless(parse_qs(parts.query))
            return
        if parts.path == "/api-gateway/jpaas-publish-server/front/page/build/unit":
            self.jpaas(parse_qs(parts.query))
            return
        if parts.path.startswith("/gd/gkmlpt/api/all/"):
            self.gkmlpt(parts.path.rsplit("/", 1)[-1], parse_qs(parts.query))
            return
        if parts.path == "/trsapi/trs-search/list2.trsapi":
            self.trsapi(parse_qs(parts.query))
            return
        super().do_GET()

    # --- list APIs (shapes as the real CMSs answer; API_PAGE_SIZE entries a page) ---

    def _records(self, name: str, page: int) -> tuple[list[dict], int]:
        from build import API_PAGE_SIZE

        records = json.loads((self.root / name).read_text(encoding="utf-8"))
        return records[(page - 1) * API_PAGE_SIZE:page * API_PAGE_SIZE], len(records)

    def send_json(self, data) -> None:
        self.send_bytes(200, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8")

    def jpaas(self, query) -> None:
        """Hanweb JPaaS unit build: ``{"data": {"html": …}}``, the pager as attributes."""
        from build import API_PAGE_SIZE

        if query.get("pageId", [""])[0] != "c52d8862a87d454582ed7c46513978d9" or "webId" not in query:
            self.send_json({"success": False, "message": "参数错误", "data": None})
            return
        page = json.loads(query.get("paramJson", ['{"pageNo":1}'])[0]).get("pageNo", 1)
        shown, total = self._records("jpaas/records.json", int(page))
        items = "".join(f'<li><a href="{r["url"]}" title="{html.escape(r["title"])}" target="_blank">'
                        f'{html.escape(r["title"])}</a><span>{r["date"]}</span></li>' for r in shown)
        fragment = (f'<div class="page-content"><ul>{items}</ul></div>'
                    f'<div class="pagination" rows="{API_PAGE_SIZE}" count="{total}" pageNo="{page}"></div>')
        self.send_json({"success": True, "message": "操作成功", "data": {"html": fragment}})

    def gkmlpt(self, column: str, query) -> None:
        """gkmlpt ``api/all/<column>``: ``{"classify": …, "articles": […]}``; past the end, no articles."""
        from build import GKMLPT_COLUMN, GKMLPT_SID

        if column != str(GKMLPT_COLUMN) or query.get("sid", [""])[0] != GKMLPT_SID:
            self.send_bytes(404, b"<html>404</html>", "text/html")
            return
        page = int(query.get("page", ["1"])[0] or 1)
        shown, total = self._records("gd/records.json", max(page, 1))
        base = f"http://{self.headers.get('Host')}"
        articles = [{"id": r["seed"], "title": r["title"], "date": 1700000000, "publisher": "示例市",
                     "identifier": f"11440000MB0000000X/{r['seed']}", "url": base + r["url"]} for r in shown]
        self.send_json({"classify": {"id": GKMLPT_COLUMN, "name": "政府信息公开年报", "parent": 0,
                                     "post_count": total}, "articles": articles})

    def trsapi(self, query) -> None:
        """TRS ``list2.trsapi``: documents and a ``pagebar``; the page past the last repeats it."""
        from build import API_PAGE_SIZE, TRS_CHANNEL

        if query.get("channelid", [""])[0] != TRS_CHANNEL or query.get("classsql", [""])[0] != "chnlid=1813":
            self.send_json({"code": 1, "msg": "channelid error"})
            return
        records = json.loads((self.root / "trsapi/records.json").read_text(encoding="utf-8"))
        pages = max(1, -(-len(records) // API_PAGE_SIZE))
        page = min(int(query.get("page", ["1"])[0] or 1), pages)
        shown, total = self._records("trsapi/records.json", page)
        data = [{"doctitle": r["title"], "docpuburl": r["url"], "docreltime": r["date"]} for r in shown]
        self.send_json({"code": 0, "data": data,
                        "pagebar": {"page": page, "pagesize": API_PAGE_SIZE, "pagecount": pages, "total": total}})

    def dataproxy(self, query) -> None:
        records = json.loads((self.root / "hanweb/records.json").read_text(encoding="utf-8"))
        start, end = int(query["startrecord"][0]), int(query["endrecord"][0])
        # Real groups overlap by one record at each boundary.
        chosen = records[max(start - 2, 0):end]
        body = (f"<?xml version='1.0' encoding='UTF-8'?><datastore><totalrecord>{len(records)}</totalrecord>"
                "<recordset>" + "".join(f"<record><![CDATA[{r}]]></record>" for r in chosen)
                + "</recordset></datastore>")
        self.send_bytes(200, body.encode("utf-8"), "text/xml; charset=utf-8")

    def endless(self, query) -> None:
        """``?page=N``: 2 real pages; every page after repeats the last and links to the next."""
        records = json.loads((self.root / "page/records.json").read_text(encoding="utf-8"))
        records = [r.replace('href="./', 'href="/page/info/').replace("/nowhere/", "/page/info/") for r in records]
        page = int(query.get("page", ["1"])[0])
        per = 2
        last = max(1, (len(records) + per - 1) // per)
        shown = records[(min(page, last) - 1) * per:min(page, last) * per]
        links = "".join(f'<a href="InfoPublic.aspx?cid=1&amp;page={n}">{n}</a>' for n in range(1, last + 1))
        body = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>'
                f'<ul class="list">{"".join(shown)}</ul><div class="pager">{links}'
                f'<a href="InfoPublic.aspx?cid=1&amp;page={page + 1}">下一页</a></div></body></html>')
        self.send_bytes(200, body.encode("utf-8"), "text/html; charset=utf-8")


def start(root: Path, behaviours: dict | None = None):
    """Serve the portals in ``root``: ``(server, base_url, handler_class)``."""
    handler = type("Fixture", (FixtureHandler,), {"behaviours": dict(behaviours or {}), "log": [],
                                                  "counts": Counter(), "lock": threading.Lock()})
    server, base = serve(root, handler)
    return server, base, server.RequestHandlerClass
