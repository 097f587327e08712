"""Alerts benchmark (a script, not collected by pytest).

    .venv/bin/python tests/benchmarks/bench_alerts.py [--events 5000] [--deliveries 300] [--no-pg]

1. Fan-out: ``enqueue_new_events`` over N events (200 agencies with region codes) against
   five subscriptions (all, a region, an agency, a kind, a keyword). Baseline in the same
   run: the bare inserts of the same number of fan-out marks and delivery rows.
2. Delivery: ``deliver_pending`` of D deliveries to a webhook receiver on 127.0.0.1
   (claim, lease renewal and outcome each in their own transaction). Baseline in the same
   run: D bare apprise sends (``archive.alerts.send.send``) to the same receiver.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from archive import db# noqa: E402
from archive.alerts.filters import Filters  # noqa: E402
from archive.alerts.models import Delivery, FannedOut, Subscription  # noqa: E402
from archive.alerts.outbox import deliver_pending, enqueue_new_events  # noqa: E402
from archive.alerts.send import send  # noqa: E402
from archive.alerts.settings import AlertSettings  # noqa: E402
from archive.alerts.subscriptions import add_subscription  # noqa: E402
from archive.models import Agency, Event, utcnow  # noqa: E402

PG_ADMIN = os.environ.get("NIANBAO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
KINDS = ("new", "revised", "withdrawn", "restored")


class _Ok(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def _receiver() -> tuple[ThreadingHTTPServer, str]:
    class Server(ThreadingHTTPServer):
        request_queue_size = 64
        daemon_threads = True

    server = Server(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"json://127.0.0.1:{server.server_port}/hook"


def _agencies(Session) -> list[int]:
    with Session.begin() as s:
        agencies = [Agency(name=f"基准第{i:03d}市公安局", region_code=f"{11 + i % 30}{i:04d}", created_at=utcnow())
                    for i in range(200)]
        s.add_all(agencies)
        s.flush()
        return [a.id for a in agencies]


def _events(Session, agencies: list[int], n: int) -> None:
    with Session.begin() as s:
        s.execute(sa.insert(Event), [
            {"kind": KINDS[i % 4], "at": utcnow(), "agency_id": agencies[i % 200], "year": 2020 + i % 5,
             "url": f"http://gov.example/{i}.html", "baseline": False} for i in range(n)])


def bench_fanout(url: str, n: int) -> None:
    Session = db.open_archive(url)
    agencies = _agencies(Session)
    with Session.begin() as s:
        hook = "json://127.0.0.1:9/hook"
        for filters in (Filters.build(), Filters.build(region="11"), Filters.build(agency="基准第007市公安局"),
                        Filters.build(kinds=["revised"]), Filters.build(keyword="第01")):
            add_subscription(s, hook, filters)
    _events(Session, agencies, n)
    t = time.perf_counter()
    with Session.begin() as s:
        made = enqueue_new_events(s)
    fan = time.perf_counter() - t
    # Baseline: the same number of marks and deliveries, inserted in bulk without any matching.
    with Session.begin() as s:
        ids = list(s.scalars(sa.select(Event.id).order_by(Event.id)))
        sub = s.scalar(sa.select(Subscription.id))
        s.execute(sa.delete(Delivery))
        s.execute(sa.delete(FannedOut))
    t = time.perf_counter()
    with Session.begin() as s:
        s.execute(sa.insert(FannedOut), [{"event_id": i, "at": utcnow()} for i in ids])
        s.execute(sa.insert(Delivery), [{"event_id": ids[k % len(ids)], "subscription_id": sub + k // len(ids),
                                         "status": "pending", "attempts": 0, "next_attempt_at": utcnow(),
                                         "created_at": utcnow()} for k in range(made)])
    bare = time.perf_counter() - t
    print(f"  fan-out of {n} events x 5 subscriptions -> {made} deliveries: {fan:.2f} s "
          f"({n / fan:,.0f} events/s); bare inserts {bare:.2f} s; ratio {fan / bare:.1f}x")
    db.dispose(url)


def bench_delivery(url: str, d: int) -> None:
    server, hook = _receiver()
    Session = db.open_archive(url)
    with Session.begin() as s:
        add_subscription(s, hook, Filters.build())
    _events(Session, _agencies(Session), d)
    settings = AlertSettings(send_tries=1)
    t = time.perf_counter()
    counts = deliver_pending(Session, settings=settings, check_deadline=False)
    outbox = time.perf_counter() - t
    assert counts["sent"] == d, counts
    t = time.perf_counter()
    for i in range(d):
        assert send(hook, "【年报】基准", f"事件编号：#{i}", tries=1).ok
    bare = time.perf_counter() - t
    print(f"  delivery of {d}: outbox {d / outbox:,.0f} msg/s ({outbox:.2f} s, fan-out included); "
          f"bare apprise sends {d / bare:,.0f} msg/s; ratio {outbox / bare:.2f}x")
    server.shutdown()
    db.dispose(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--deliveries", type=int, default=300)
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite")
        bench_fanout(f"sqlite:///{tmp}/fan.db", args.events)
        bench_delivery(f"sqlite:///{tmp}/send.db", args.deliveries)
    if args.no_pg:
        return
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    for label, fn, n in (("fan-out", bench_fanout, args.events), ("delivery", bench_delivery, args.deliveries)):
        name = f"nianbao_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
                                 "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"))
        try:
            if label == "fan-out":
                print("PostgreSQL")
            fn(PG_ADMIN.rsplit("/", 1)[0] + "/" + name, n)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
