"""A writer process for the reliability tests: archives a batch of generated documents.

Usage: python tests/archive/writer_process.py DB_URL --count N [--variant V] [--pause-in N]
[--start-at EPOCH]. Prints ``committed i`` after each transaction and ``inside i`` when it
pauses inside the transaction of document ``i`` (so a test can SIGKILL it right there).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from archive import db, ingest  # noqa: E402
from archive.fetched import Fetched  # noqa: E402
from tests.archive.factories import make_record, page  # noqa: E402


def batch(count: int, variant: str) -> list[tuple[str, object]]:
    """``count`` documents: the same reports for every variant, different content per variant."""
    docs = []
    for i in range(count):
        record = make_record(f"第{i:03d}号测试局", 2020 + i % 3, seed=len(variant))
        if variant:
            record.facts["requests/new/total"] = 10_000 + len(variant)
        docs.append((f"http://writer.example/{variant or 'same'}/{i}.html", record))
    return docs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--variant", default="")
    parser.add_argument("--pause-in", type=int, default=-1, help="sleep inside this document's transaction")
    parser.add_argument("--hold", type=float, default=0.0, help="seconds to hold each transaction open")
    parser.add_argument("--start-at", type=float, default=0.0, help="wait until this epoch time")
    args = parser.parse_args()
    Session = db.open_archive(args.url)
    while time.time() < args.start_at:
        time.sleep(0.005)
    for i, (url, record) in enumerate(batch(args.count, args.variant)):
        with Session.begin() as session:
            ingest.archive_document(session, Fetched(url=url, data=page(record)), record=record)
            if args.hold:
                time.sleep(args.hold)  # widen the window in which the other writer arrives
            if i == args.pause_in:
                print(f"inside {i}", flush=True)
                time.sleep(60)
        print(f"committed {i}", flush=True)


if __name__ == "__main__":
    main()
