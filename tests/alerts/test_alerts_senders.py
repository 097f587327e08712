"""Senders in separate processes: one killed mid-way loses nothing and sends nothing twice;
two at once never send the same row (SKIP LOCKED on PostgreSQL, conditional UPDATE on SQLite)."""
from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from archive.alerts.models import Delivery
from archive.alerts.outbox import deliver_pending, enqueue_new_events
from archive.models import utcnow
from tests.alerts.alerts_data import publish, subscribe

ROOT = Path(__file__).resolve().parents[2]
SENDER = """
import json, os, sys, time
from archive import db
from archive.alerts.outbox import deliver_pending
from archive.alerts.settings import AlertSettings
settings = AlertSettings(**json.loads(sys.argv[2]))
sessions = db.open_archive(sys.argv[1])
if len(sys.argv) > 3:  # start together: wait for the go file
    print("ready", flush=True)
    while not os.path.exists(sys.argv[3]):
        time.sleep(0.01)
print(json.dumps(deliver_pending(sessions, settings=settings, check_deadline=False)))
"""


def _sender(db_url: str, settings, go: Path | None = None) -> subprocess.Popen:
    fields = {k: v for k, v in dataclasses.asdict(settings).items() if k != "deadline"}
    args = [sys.executable, "-c", SENDER, db_url, json.dumps(fields)] + ([str(go)] if go else [])
    return subprocess.Popen(args, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _fill(Session, receiver, events: int, *, enqueue: bool = True) -> set[tuple[str, int]]:
    with Session.begin() as s:
        subscribe(s, receiver.url("a"))
        subscribe(s, receiver.url("b"))
    ids = []
    with Session.begin() as s:
        for n in range(events):
            ids.append(publish(s, f"第{n}区人民政府", 2023)[0]["id"])
        if enqueue:
            enqueue_new_events(s)
    return {(name, event_id) for name in ("a", "b") for event_id in ids}


def test_sender_killed_mid_way_loses_nothing_and_sends_nothing_twice(db_url, Session, receiver, settings):
    expected = _fill(Session, receiver, 6)
    proc: dict[str, subprocess.Popen] = {}

    def kill_on_fifth(count: int) -> bool:
        if count != 5:
            return False
        os.kill(proc["p"].pid, signal.SIGKILL)  # the sender dies waiting for this answer
        return True

    receiver.on_request = kill_on_fifth
    lease = dataclasses.replace(settings, lease=3.0, send_tries=1)  # long enough to outlive the checks below
    proc["p"] = _sender(db_url, lease)
    proc["p"].wait(timeout=60)
    assert proc["p"].returncode == -signal.SIGKILL, proc["p"].stderr.read()
    receiver.on_request = None
    with Session() as s:
        rows = list(s.scalars(sa.select(Delivery)))
    assert Counter(r.status for r in rows) == Counter({"sent": 4, "pending": 8})
    in_flight = [r for r in rows if r.status == "pending" and r.attempts == 1]
    assert in_flight, "the killed sender's claimed rows stay claimed until their lease ends"
    # A run before the lease ends leaves the claimed rows alone ...
    early = deliver_pending(Session, settings=lease, check_deadline=False)
    assert early["sent"] == 8 - len(in_flight)
    # ... and picks them up once it has ended.
    time.sleep(max(0.0, max(r.claimed_until for r in in_flight).timestamp() - utcnow().timestamp()) + 0.05)
    late = deliver_pending(Session, settings=lease, check_deadline=False)
    assert late["sent"] == len(in_flight)
    acked = receiver.acked_pairs()
    assert set(acked) == expected and set(acked.values()) == {1}
    # Exactly one message reached the receiver twice: the one it never answered.
    assert sum(receiver.received_pairs().values()) == len(expected) + 1
    with Session() as s:
        assert {r.status for r in s.scalars(sa.select(Delivery))} == {"sent"}


def test_two_concurrent_senders_never_send_a_row_twice(db_url, Session, receiver, settings, tmp_path):
    expected = _fill(Session, receiver, 20, enqueue=False)  # the senders race on the fan-out too
    receiver.delay = 0.005  # keep both senders busy at the same time
    settings = dataclasses.replace(settings, batch=3)
    go = tmp_path / "go"
    procs = [_sender(db_url, settings, go) for _ in range(2)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    go.touch()
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        outs.append(json.loads(out.strip().splitlines()[-1]))
    received = receiver.received_pairs()
    assert set(received) == expected and set(received.values()) == {1}  # sent once, not only acknowledged once
    assert sum(o["sent"] for o in outs) == sum(o["enqueued"] for o in outs) == len(expected)
    assert all(o["lost"] == 0 and o["failed"] == 0 for o in outs)
    assert all(o["sent"] > 0 for o in outs), outs  # both really took part
    with Session() as s:
        assert {(r.status, r.attempts) for r in s.scalars(sa.select(Delivery))} == {("sent", 1)}
