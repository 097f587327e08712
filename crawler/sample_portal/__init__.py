"""The sample portal bundled for ``nianbao demo``, and the small static server that serves it.

The portal (``site/``) is a miniature government site built like the real ones: a home
page, a 政务公开 hub, a TRS-style annual-report column paged with ``createPageHTML``,
report pages (one GBK without charset, one whose report is only a PDF attachment, one
with a DOCX), and decoy notices that are not reports.

:class:`StaticHandler` answers with ETag and Last-Modified and honours conditional
requests (304), as portals' web servers do; the tests' fixture server extends it.
"""
from __future__ import annotations

import email.utils
import hashlib
import mimetypes
import posixpath
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

SITE = Path(__file__).parent / "site"


class Server(ThreadingHTTPServer):
    """A threaded HTTP server with a long accept queue (the stdlib default of 5 drops crawlers)."""

    request_queue_size = 1024
    daemon_threads = True
    allow_reuse_address = True


class StaticHandler(SimpleHTTPRequestHandler):
    """Static files with ETag/Last-Modified validators and 304 answers; quiet logs."""

    protocol_version = "HTTP/1.1"
    root: Path = SITE
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".wps": "application/octet-stream",
                      ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass

    def file_for(self, path: str) -> Path | None:
        """The file a URL path maps to (``/dir/`` → ``/dir/index.html``), never outside the root."""
        clean = posixpath.normpath(unquote(urlsplit(path).path))
        target = (self.root / clean.lstrip("/")).resolve()
        if not str(target).startswith(str(self.root.resolve())):
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None

    def send_bytes(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def serve_file(self, target: Path) -> None:
        data = target.read_bytes()
        etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
        modified = email.utils.formatdate(target.stat().st_mtime, usegmt=True)
        if self.headers.get("If-None-Match") == etag or (
                not self.headers.get("If-None-Match") and self.headers.get("If-Modified-Since") == modified):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        content_type = mimetypes.guess_type(target.name)[0] or self.extensions_map.get(target.suffix, "text/html")
        if target.suffix in (".html", ".htm", ".shtml", ".jsp", ".aspx") or content_type == "text/html":
            content_type = "text/html"  # no charset: pages declare theirs (or not) in a meta
        self.send_bytes(200, data, content_type, {"ETag": etag, "Last-Modified": modified})

    def do_GET(self):  # noqa: N802 - stdlib name
        target = self.file_for(self.path)
        if target is None:
            self.send_bytes(404, b"<html><body>404 Not Found</body></html>", "text/html")
            return
        self.serve_file(target)

    do_HEAD = do_GET


def serve(root: Path | None = None, handler: type[StaticHandler] = StaticHandler, port: int = 0):
    """Serve ``root`` on 127.0.0.1 (a free port) in a thread: ``(server, base_url)``."""
    handler = type("Handler", (handler,), {"root": Path(root or SITE)})
    server = Server(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="nianbao-site").start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
