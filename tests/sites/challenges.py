"""Fixture portals behind cookie challenges, as 瑞数 and 加速乐 put them in front of real portals.

Each portal is its own server (its own host:port, robots.txt included behind the gate)
serving a TRS-style column (``build.write_trs``: createPageHTML paging, decoys, a report
only as a PDF, a report under a path its robots.txt disallows):

- ``ruishu`` (瑞数 style): a request without a valid cookie pair is answered **412** with
  ``Set-Cookie: NBrsS=…`` and a page that defines ``$_ts`` (``nsd``, ``cd``) and loads
  ``/rsjs/c.js``; that script hashes ``cd``, ``nsd`` and ``navigator.userAgent`` into the
  ``NBrsT`` cookie and reloads;
- ``jiasule`` (加速乐 style): answered **521** with ``Set-Cookie: __jsluid_h=…`` and an
  inline script that decodes ``__jsl_clearance_s`` from shifted character codes, sets it
  and reloads; the value is signed for that ``__jsluid_h`` and User-Agent;
- ``hard``: a 412 whose script never manages to set a valid cookie (unsolvable).

A clearance is bound to the User-Agent it was issued to and expires after ``uses``
requests or ``ttl`` seconds; then the portal challenges again. Served pages, challenges
and passes are counted per path (``counts``, ``challenged``, ``passed``).
"""
from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import Counter
from http.cookies import SimpleCookie
from pathlib import Path

import build
from crawler.sample_portal import StaticHandler, serve

RS_SCRIPT = """
(function () {
  var _$a = window['$_ts'], _$b = navigator['user' + 'Agent'];
  function _$h(s) { var x = 0x811c9dc5; for (var i = 0; i < s.length; i++) { x ^= s.charCodeAt(i);
    x = Math.imul(x, 0x01000193) >>> 0; } return ('0000000' + x.toString(16)).slice(-8); }
  var _$c = _$h(_$a['cd'] + '|' + _$a['nsd'] + '|' + _$b) + _$h(_$b + _$a['cd']);
  document['coo' + 'kie'] = 'NBrsT=' + _$c + '; path=/';
  setTimeout(function () { location['rel' + 'oad'](); }, 30);
})();
"""
HARD_SCRIPT = """
(function () { document.cookie = 'NBrsT=00000000; path=/'; })();
"""


def fnv(text: str) -> str:
    """32-bit FNV-1a, as the challenge script computes it (``Math.imul``)."""
    x = 0x811C9DC5
    for ch in text:
        x ^= ord(ch)
        x = (x * 0x01000193) & 0xFFFFFFFF
    return f"{x:08x}"


def rs_token(cd: str, nsd: str, agent: str) -> str:
    return fnv(f"{cd}|{nsd}|{agent}") + fnv(agent + cd)


def jsl_clearance(secret: str, jsluid: str, agent: str, issued: int) -> str:
    sign = hashlib.sha1(f"{secret}|{jsluid}|{agent}|{issued}".encode()).hexdigest()[:32]
    return f"{issued}.{secrets.randbelow(900) + 100}|0|{sign}"


class GatedHandler(StaticHandler):
    """Static files behind a cookie challenge (configured per server, see :func:`start`)."""

    kind = "ruishu"
    uses = 5
    ttl = 600.0
    secret = "s"
    lock = threading.Lock()
    counts: Counter = Counter()  # 200 answers per path
    challenged: Counter = Counter()  # challenges per path
    issued: dict = {}  # ruishu: NBrsS → (cd, nsd); jiasule: __jsluid_h → {issued: agent}
    spent: Counter = Counter()  # uses of each clearance
    born: dict = {}  # clearance → time first used

    def _cookies(self) -> dict[str, str]:
        jar = SimpleCookie()
        try:
            jar.load(self.headers.get("Cookie", ""))
        except Exception:  # noqa: BLE001 - a malformed header is no clearance
            return {}
        return {k: m.value for k, m in jar.items()}

    def _valid(self, cookies: dict[str, str], agent: str) -> str | None:
        """The clearance this request carries, if it is valid (for this User-Agent, not spent)."""
        if self.kind in ("ruishu", "hard"):
            s, t = cookies.get("NBrsS"), cookies.get("NBrsT")
            if not s or not t or s not in self.issued:
                return None
            cd, nsd = self.issued[s]
            key = s + t
            if t != rs_token(cd, nsd, agent):
                return None
        else:
            jsluid, clearance = cookies.get("__jsluid_h"), cookies.get("__jsl_clearance_s")
            if not jsluid or not clearance or jsluid not in self.issued:
                return None
            try:
                issued = int(clearance.split(".", 1)[0])
            except ValueError:
                return None
            expected = hashlib.sha1(f"{self.secret}|{jsluid}|{agent}|{issued}".encode()).hexdigest()[:32]
            if clearance.rsplit("|", 1)[-1] != expected:
                return None
            key = jsluid + clearance
        now = time.monotonic()
        born = self.born.setdefault(key, now)
        if self.spent[key] >= self.uses or now - born > self.ttl:
            return None
        return key

    def _challenge(self, path: str, agent: str) -> None:
        self.challenged[path] += 1
        if self.kind in ("ruishu", "hard"):
            s, cd, nsd = secrets.token_hex(12), secrets.token_urlsafe(48), str(secrets.randbelow(90000) + 10000)
            self.issued[s] = (cd, nsd)
            body = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><meta content="{secrets.token_hex(60)}" r="m">'
                    "<script type=\"text/javascript\">$_ts=window['$_ts'];if(!$_ts)$_ts=window['$_ts']={};"
                    f'$_ts.nsd={nsd};$_ts.cd="{cd}";</script>'
                    f'<script type="text/javascript" charset="utf-8" src="/rsjs/{"h" if self.kind == "hard" else "c"}.js"'
                    ' r="m"></script></head><body></body></html>')
            self.send_bytes(412, body.encode(), "text/html", {"Set-Cookie": f"NBrsS={s}; path=/; HttpOnly"})
            return
        jsluid = self._cookies().get("__jsluid_h") or secrets.token_hex(16)
        self.issued.setdefault(jsluid, True)
        value = jsl_clearance(self.secret, jsluid, agent, int(time.time()))
        shift = secrets.randbelow(20) + 3
        codes = ",".join(str(ord(c) + shift) for c in value)
        body = ("<html><body><script>var _0x=[" + codes + "],_1x='';for(var i=0;i<_0x.length;i++)"
                f"_1x+=String.fromCharCode(_0x[i]-{shift});"
                "document.cookie=('_')+('_jsl_clear')+('ance_s=')+_1x+';max-age=3600;path=/';"
                "location.href=location.pathname+location.search</script></body></html>")
        self.send_bytes(521, body.encode(), "text/html",
                        {"Set-Cookie": f"__jsluid_h={jsluid}; max-age=31536000; path=/; HttpOnly"})

    def do_GET(self):  # noqa: N802 - stdlib name
        path = self.path.split("?", 1)[0]
        if path.startswith("/rsjs/"):  # the challenge's own script is served to anyone
            script = HARD_SCRIPT if path.endswith("h.js") else RS_SCRIPT
            self.send_bytes(200, script.encode(), "application/javascript")
            return
        agent = self.headers.get("User-Agent", "")
        with self.lock:
            key = self._valid(self._cookies(), agent)
            if key is None:
                self._challenge(path, agent)
                return
            self.spent[key] += 1
            self.counts[path] += 1
        super().do_GET()


def entries(prefix: str, seed: int) -> list[build.Entry]:
    """A TRS column's reports: HTML pages, one only as a PDF, one robots.txt keeps out."""
    E = build.Entry
    return [
        E("trs", f"{prefix}-1", f"示例{prefix}市公安局", 2023, seed),
        E("trs", f"{prefix}-2", f"示例{prefix}市教育局", 2023, seed + 1),
        E("trs", f"{prefix}-3", f"示例{prefix}市财政局", 2022, seed + 2, form="pdf_only"),
        E("trs", f"{prefix}-4", f"示例{prefix}市民政局", 2022, seed + 3),
        E("trs", f"{prefix}-5", f"示例{prefix}市审计局", 2021, seed + 4),
        E("trs", f"{prefix}-6", f"示例{prefix}市商务局", 2022, seed + 5, private=True),
    ]


def write(root: Path, reports: list[build.Entry]) -> list[str]:
    """The portal's files under ``root``; the URL paths of the documents a crawl should archive."""
    documents = []
    for entry in reports:
        build.write_report(root, entry)
        if entry.private:
            continue
        documents.append(entry.path())
        if entry.form == "pdf_only":
            documents.append(entry.path().rsplit("/", 1)[0] + f"/P0{entry.year + 1}{entry.seed:04d}.pdf")
    build.write_trs(root, reports)
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /trs/zwgk/gknb/private/\n", encoding="utf-8")
    return documents


def start(root: Path, kind: str, uses: int = 5, ttl: float = 600.0):
    """Serve ``root`` behind a ``kind`` challenge: ``(server, base_url, handler_class)``."""
    handler = type(f"Gated_{kind}", (GatedHandler,), {
        "kind": kind, "uses": uses, "ttl": ttl, "secret": secrets.token_hex(8), "lock": threading.Lock(),
        "counts": Counter(), "challenged": Counter(), "issued": {}, "spent": Counter(), "born": {}})
    server, base = serve(root, handler)
    return server, base, server.RequestHandlerClass
