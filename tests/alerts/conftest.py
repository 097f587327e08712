"""Alerts fixtures: a fresh archive on SQLite and PostgreSQL, a real webhook receiver on 127.0.0.1."""
from __future__ import annotations

import json
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from archive import db
from archive.alerts.settings import AlertSettings

EVENT_NO = re.compile(r"事件编号：#(\d+)")

# Short delays so that retries and backoff take fractions of a second in tests.
FAST = AlertSettings(max_attempts=3, retry_base=0.05, retry_max=0.2, send_tries=2, send_wait=0.01,
                     lease=30, batch=5)


@pytest.fixture
def SqliteSession(sqlite_url):
    """SQLite only: for behaviour that does not depend on the database (keeps the suite fast)."""
    factory = db.open_archive(sqlite_url)
    yield factory
    db.engine_for(db.database_url(sqlite_url)).dispose()


@pytest.fixture
def settings() -> AlertSettings:
    return FAST


class Receiver:
    """A webhook endpoint as apprise's ``json://`` posts to it.

    Each POST to ``/<name>`` is recorded as ``(name, event id, title, body)``; ``fail[name] = n``
    makes the next *n* posts to that path answer 500 (``-1``: always). ``acked`` holds only
    the posts answered 200, ``received`` every post that reached the handler.
    ``on_request(n)`` (optional) runs before answering the n-th post, e.g. to kill a sender.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[str, int | None, str, str]] = []
        self.acked: list[tuple[str, int | None, str, str]] = []
        self.fail: dict[str, int] = {}
        self.on_request = None
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                name = self.path.strip("/")
                match = EVENT_NO.search(payload.get("message", ""))
                entry = (name, int(match.group(1)) if match else None, payload.get("title", ""),
                         payload.get("message", ""))
                with receiver.lock:
                    receiver.received.append(entry)
                    count = len(receiver.received)
                    left = receiver.fail.get(name, 0)
                    if left > 0:
                        receiver.fail[name] = left - 1
                hook = receiver.on_request
                if hook is not None and hook(count):
                    self.close_connection = True
                    return  # the hook decided this post is never answered
                if receiver.delay:
                    import time

                    time.sleep(receiver.delay)
                if left != 0:
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b"boom")
                    return
                # Recorded before answering: the sender may look as soon as it has the answer.
                with receiver.lock:
                    receiver.acked.append(entry)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 64
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        """The apprise URL of path ``/name`` on this receiver."""
        return f"json://127.0.0.1:{self.port}/{name}"

    def acked_pairs(self) -> Counter:
        """(path, event id) -> times acknowledged."""
        with self.lock:
            return Counter((name, event_id) for name, event_id, _, _ in self.acked)

    def received_pairs(self) -> Counter:
        with self.lock:
            return Counter((name, event_id) for name, event_id, _, _ in self.received)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()
