"""Archive benchmark (a script, not collected by pytest).

    .venv/bin/python tests/benchmarks/bench_archive.py [--records 1000] [--batch 100] [--reports 100000]
        [--no-pg] [--no-reads]

1. Ingest throughput: pre-parsed records (about 250 cells and 2,000 characters of text
   each, generated from the canonical keys), new documents of new reports, into SQLite and
   PostgreSQL: ``archive_document`` one transaction a record, and ``archive_documents`` in
   transactions of ``--batch`` records (the search index maintained by its triggers in the
   same transaction). Baselines in the same run, in interleaved rounds:

   - the floor (:class:`RawArchiveFloor`): raw ``sqlite3`` inserts of the same rows, every
     one the archive writes for these documents (agency, snapshot compressed as stored,
     report, document, both snapshot links, version with its record JSON dumped once, cells,
     event; the search index filled by the same triggers at head, in the same transaction),
     one transaction a record (the floor ratios are against) and in batches. After the
     run the floor's database is compared with the archive's, table by table (rows and a
     digest of their content) and FTS5 index by index; any difference ends the run with an
     error (an unfair floor);
   - the old, partial floor (:class:`RawSQLiteWriter`, reports, versions and cells only, no
     search index), printed for comparison with earlier runs;
   - the bare Core inserts.

   Then PostgreSQL with 1, 2 and 4 ingest processes writing at once.
2. Reads on an archive of 100,000 reports (bulk-inserted): ``history`` and
   ``reports --agency`` (``archive.queries``), median and p95 over random agencies.
   Baseline: a primary-key lookup of one report in the same database.
"""
from __future__ import annotations

import argparse
import os
import queue
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from archive import db, ingest, queries, versions  # noqa: E402
from archive.fetched import Fetched  # noqa: E402
from archive.models import Agency, Cell, Document, Report, Snapshot, Version, utcnow  # noqa: E402
from archive.search import schema  # noqa: E402
from parsers.keys import template_keys  # noqa: E402
from parsers.record import Record  # noqa: E402

PG_ADMIN = os.environ.get("NIANBAO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SECTIONS = ["总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况",
            "政府信息公开行政复议、行政诉讼情况", "存在的主要问题及改进情况", "其他需要报告的事项"]
KEYS = template_keys("2021")


def make_record(i: int, rnd: random.Random) -> Record:
    agency = f"基准测试第{i:06d}号局"
    facts = {k: rnd.randint(0, 900) for k in KEYS}
    text = "\n\n".join(f"{t}。" + "本机关依法依规做好政府信息公开工作，" * 18 + f"共{rnd.randint(1, 999)}件。"
                       for t in SECTIONS)
    return Record(agency=agency, year=2020 + i % 4, template="2021", published="2024-01-20", sections=SECTIONS,
                  facts=facts, raw={}, violations=[], title=agency, text=text, format="html")


def page(record: Record) -> bytes:
    return ("<html><body>" + "".join(f"<p>{p}</p>" for p in record.text.split("\n\n")) + "</body></html>").encode()


Doc = tuple[int, Record, bytes]  # (index, pre-parsed record, page bytes)


def _fetched(i: int, data: bytes) -> Fetched:
    return Fetched(url=f"http://bench.example/{i}.html", data=data)


class ArchiveWriter:
    """The archive's ingest on a fresh archive at head: ``archive_document`` one transaction a
    record (``batch=1``), or ``archive_documents`` in transactions of ``batch`` records;
    ``search=False`` drops the search index's triggers (the archive alone)."""

    def __init__(self, url: str, batch: int = 1, search: bool = True):
        db.upgrade(url, "head")
        if not search:
            with db.engine_for(url).begin() as conn:
                schema.drop_triggers(conn)
        self.Session = sessionmaker(db.engine_for(url), expire_on_commit=False)
        self.batch = batch

    def write(self, docs: list[Doc]) -> None:
        for start in range(0, len(docs), self.batch):
            part = docs[start:start + self.batch]
            with self.Session.begin() as session:
                if self.batch == 1:
                    for i, record, data in part:
                        ingest.archive_document(session, _fetched(i, data), record=record)
                else:
                    ingest.archive_documents(session, [(_fetched(i, data), record) for i, record, data in part])


class BareWriter:
    """Baseline: the same version row and cells through SQLAlchemy Core, no archive logic."""

    def __init__(self, url: str):
        db.upgrade(url, "0001_initial")
        self.engine = db.engine_for(url)
        with self.engine.begin() as conn:
            conn.execute(sa.insert(Snapshot.__table__), [{"sha256": "0" * 64, "size": 0, "compression": "zlib",
                                                         "data": b"", "created_at": utcnow()}])
            self.agency_id = conn.execute(sa.insert(Agency.__table__).values(name="基线局", created_at=utcnow())
                                          .returning(Agency.__table__.c.id)).scalar_one()

    def write(self, docs: list[Doc]) -> None:
        for i, record, _data in docs:
            with self.engine.begin() as conn:
                report_id = conn.execute(sa.insert(Report.__table__).values(
                    agency_id=self.agency_id, year=10_000 + i, version_count=1, first_seen=utcnow(),
                    updated_at=utcnow()).returning(Report.__table__.c.id)).scalar_one()
                version_id = conn.execute(sa.insert(Version.__table__).values(
                    report_id=report_id, number=1, record=record.to_dict(), text=record.text, parser_version="b",
                    fingerprint="0" * 64, sha256="0" * 64, first_seen=utcnow())
                    .returning(Version.__table__.c.id)).scalar_one()
                conn.execute(sa.insert(Cell.__table__), [dict(zip(versions.CELL_COLUMNS, row)) for row in versions.cell_tuples(version_id, record.to_dict())])


class RawArchiveFloor:
    """Floor (complete): every row the archive writes for these documents, through the bare
    ``sqlite3`` driver, one transaction a record (``batch=1``) or ``batch`` records a
    transaction, the cheapest direct code would do: the writer holds the write lock, so it
    numbers the rows itself (no ``RETURNING``, no look-ups), and writes each table's rows of
    a transaction in one ``executemany``. For each document: its agency (with the
    region code and level its name tells, ``regions.infer_region``), the snapshot (SHA-256,
    size, the bytes ``zlib.compress``-ed at level 6 as ``archive.snapshots`` stores them), the
    report (owner host; version count 1), the document (its fingerprint, parser version and
    report), the document's snapshot link, the version (its record JSON dumped once, as the
    archive's engine dumps it: ``ensure_ascii=False``; its text, fingerprint), the version's
    snapshot link, the cells (``versions.cell_tuples``, one ``executemany``), the report's
    pointers to its version and document (one UPDATE: the search index's triggers at head,
    the same as the archive's, fill ``search_documents`` and both FTS5 tables in the same
    transaction) and the ``new`` event. The content fingerprint is made by the archive's own
    function (``normalize.fingerprint``): the row holds it, so any writer of the row must
    compute it. What the floor leaves out is the archive's machinery: look-ups of what
    exists already, locks, ``ON CONFLICT`` clauses, SQLAlchemy, the events' dicts.

    :func:`check_same_rows` compares its database with the archive's after the run."""

    def __init__(self, path: str, batch: int = 1):
        import sqlite3

        db.upgrade(f"sqlite:///{path}", "head")
        db.dispose(f"sqlite:///{path}")
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("foreign_keys=ON", "synchronous=NORMAL"):  # WAL: set by the upgrade, persistent
            self.conn.execute(f"PRAGMA {pragma}")
        schema.register_functions(self.conn)  # nianbao_spaced, called by the FTS triggers
        self.batch = batch

    def write(self, docs: list[Doc]) -> None:
        import hashlib
        import json
        import zlib

        from archive.normalize import fingerprint
        from archive.regions import infer_region

        execute, executemany = self.conn.execute, self.conn.executemany
        for start in range(0, len(docs), self.batch):
            part = docs[start:start + self.batch]
            execute("BEGIN IMMEDIATE")
            # The only writer (it holds the write lock): it numbers its rows itself, and
            # writes each table's rows of the transaction in one executemany.
            agency_id, report_id, document_id, version_id, event_id = execute(
                "SELECT (SELECT coalesce(max(id), 0) FROM agencies), (SELECT coalesce(max(id), 0) FROM reports), "
                "(SELECT coalesce(max(id), 0) FROM documents), (SELECT coalesce(max(id), 0) FROM versions), "
                "(SELECT coalesce(max(id), 0) FROM events)").fetchone()
            agencies, snaps, reports, documents, links, rows, vlinks, cells, pointers, events = \
                [], [], [], [], [], [], [], [], [], []
            for i, record, data in part:
                agency_id, report_id, document_id, version_id, event_id = \
                    agency_id + 1, report_id + 1, document_id + 1, version_id + 1, event_id + 1
                at = f"{utcnow():%Y-%m-%d %H:%M:%S.%f}"
                url = f"http://bench.example/{i}.html"
                digest = hashlib.sha256(data).hexdigest()
                rec = versions.record_dict(record)
                text = record.text
                fp = fingerprint(rec, text)
                name, year, parser_version = rec["agency"], rec["year"], record.parser_version
                agencies.append((agency_id, name, *infer_region(name), at))
                snaps.append((digest, len(data), zlib.compress(data, 6), at))
                reports.append((report_id, agency_id, year, at, at))
                documents.append((document_id, url, report_id, at, at, at, digest, fp, parser_version))
                links.append((document_id, digest, at, at))
                rows.append((version_id, report_id, json.dumps(rec, ensure_ascii=False), text, parser_version, fp,
                             document_id, digest, at))
                vlinks.append((version_id, digest, at))
                cells += versions.cell_tuples(version_id, rec)
                pointers.append((version_id, document_id, report_id))
                events.append((event_id, at, report_id, agency_id, year, url, version_id))
            executemany("INSERT INTO agencies (id, name, region_code, level, created_at) VALUES (?, ?, ?, ?, ?)",
                        agencies)
            executemany("INSERT INTO snapshots (sha256, size, compression, data, created_at) "
                        "VALUES (?, ?, 'zlib', ?, ?)", snaps)
            executemany("INSERT INTO reports (id, agency_id, year, version_count, first_seen, updated_at, owner_host) "
                        "VALUES (?, ?, ?, 1, ?, ?, 'bench.example')", reports)
            executemany("INSERT INTO documents (id, url, report_id, first_seen, last_seen, last_checked, sha256, "
                        "fingerprint, parser_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", documents)
            executemany("INSERT INTO document_snapshots VALUES (?, ?, ?, ?)", links)
            executemany("INSERT INTO versions (id, report_id, number, record, text, parser_version, fingerprint, "
                        "document_id, sha256, first_seen) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?)", rows)
            executemany("INSERT INTO version_snapshots VALUES (?, ?, ?)", vlinks)
            executemany("INSERT INTO cells VALUES (?, ?, ?, ?, ?, ?)", cells)
            # The report's pointers: the search index's triggers fire here.
            executemany("UPDATE reports SET latest_version_id = ?, document_id = ? WHERE id = ?", pointers)
            executemany("INSERT INTO events (id, kind, at, report_id, agency_id, year, url, baseline, version_id, "
                        "changes, detail) VALUES (?, 'new', ?, ?, ?, ?, ?, 0, ?, 'null', 'null')", events)
            execute("COMMIT")


class RawSQLiteWriter:
    """The old, partial floor (kept for comparison with earlier runs): the report, version
    row and cells only, through the bare sqlite3 driver: no search index, no agency,
    document, snapshot, links or event, no fingerprint. One transaction a record, or a
    transaction of ``batch`` records."""

    def __init__(self, path: str, batch: int = 1):
        import sqlite3

        db.upgrade(f"sqlite:///{path}", "0001_initial")
        db.dispose(f"sqlite:///{path}")
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute("INSERT INTO snapshots VALUES ('0', 0, 'zlib', x'', '2020-01-01')")
        self.conn.execute("INSERT INTO agencies (name, created_at) VALUES ('基线局', '2020-01-01')")
        self.batch = batch

    def write(self, docs: list[Doc]) -> None:
        import json

        conn = self.conn
        for start in range(0, len(docs), self.batch):
            conn.execute("BEGIN IMMEDIATE")
            for i, record, _data in docs[start:start + self.batch]:
                # The record's fields as the archive takes them (versions.record_dict: no deep
                # copy, made once); to_dict() twice cost the floor ~1.8 ms a record of copying
                # that the archive does not do, which flattered every ratio against it.
                rec = versions.record_dict(record)
                rid = conn.execute("INSERT INTO reports (agency_id, year, version_count, first_seen, updated_at) "
                                   "VALUES (1, ?, 1, '2020-01-01', '2020-01-01') RETURNING id", (i,)).fetchone()[0]
                vid = conn.execute(
                    "INSERT INTO versions (report_id, number, record, text, parser_version, fingerprint, "
                    "sha256, first_seen) VALUES (?, 1, ?, ?, 'b', '0', '0', '2020-01-01') RETURNING id",
                    (rid, json.dumps(rec, ensure_ascii=False), record.text)).fetchone()[0]
                conn.executemany("INSERT INTO cells VALUES (?, ?, ?, ?, ?, ?)", versions.cell_tuples(vid, rec))
            conn.execute("COMMIT")


FTS_PROBES = {"search_fts": '"依法依规做好"', "search_chars_fts": '"依 法 依 规"'}  # phrases in every bench text


def table_census(path: str) -> dict[str, tuple[int, str]]:
    """What a SQLite archive holds, to compare two databases written from the same documents:
    for each table, (rows, a digest of their content: every column but ids and timestamps,
    which stand as NULL or not); for each FTS5 table, (rows in its index, rows its probe
    phrase matches)."""
    import hashlib
    import sqlite3

    conn = sqlite3.connect(path)
    conn.create_function("nianbao_spaced", 1, schema.spaced)
    tables = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                          "ORDER BY name").fetchall()
    virtual = [name for name, sql in tables if sql.upper().startswith("CREATE VIRTUAL TABLE")]
    out: dict[str, tuple[int, str]] = {}
    for name, _sql in tables:
        if name in virtual or any(name.startswith(v + "_") for v in virtual):
            continue
        columns = conn.execute(f'PRAGMA table_info("{name}")').fetchall()
        masked = [c[0] for c in columns if c[1] == "id" or c[1].endswith("_id") or c[2].upper() == "DATETIME"]
        rows = sorted(repr(tuple((v is not None) if k in masked else v for k, v in enumerate(row)))
                      for row in conn.execute(f'SELECT * FROM "{name}"'))
        out[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()[:12])
    for name in virtual:
        indexed = conn.execute(f'SELECT count(*) FROM "{name}_docsize"').fetchone()[0]
        probe = FTS_PROBES.get(name)
        matched = conn.execute(f'SELECT count(*) FROM "{name}" WHERE "{name}" MATCH ?', (probe,)).fetchone()[0] \
            if probe else -1
        out[f"{name} (FTS5)"] = (indexed, f"{matched} match")
    conn.close()
    return out


def check_same_rows(floor_path: str, others: dict[str, str]) -> None:
    """Print what each database holds beside the floor's; exit non-zero when any differs
    from it (the floor would not write the rows the archive writes: an unfair floor)."""
    censuses = {"floor": table_census(floor_path), **{label: table_census(path) for label, path in others.items()}}
    names = list(dict.fromkeys(name for census in censuses.values() for name in census))
    print("same rows? per table: rows, content digest (ids and times as NULL or not); FTS5: indexed rows, "
          "probe matches")
    print(f"  {'table':<24}" + "".join(f"{label:>34}" for label in censuses))
    differ = []
    for name in names:
        cells = [census.get(name) for census in censuses.values()]
        print(f"  {name:<24}" + "".join(f"{(f'{c[0]} {c[1]}' if c else 'missing'):>34}" for c in cells))
        if any(c != cells[0] for c in cells[1:]):
            differ.append(name)
    if differ:
        sys.exit(f"UNFAIR FLOOR: the floor's database differs from the archive's in {', '.join(differ)}")
    print("  the same rows in every table and the same search index: the floor is complete")


def bench_ingest(writers: dict[str, object], records: list[Record], rounds: int = 10) -> dict[str, float]:
    """Records/s of each writer, measured in interleaved rounds (so that the load of a shared
    machine drifts over all of them alike, and their ratios stay meaningful)."""
    docs = [(i, r, page(r)) for i, r in enumerate(records)]
    spent = dict.fromkeys(writers, 0.0)
    size = max(1, len(docs) // rounds)
    for start in range(0, len(docs), size):
        chunk = docs[start:start + size]
        for name, writer in writers.items():
            t0 = time.perf_counter()
            writer.write(chunk)
            spent[name] += time.perf_counter() - t0
    return {name: len(docs) / seconds for name, seconds in spent.items()}


def _pg_worker(url: str, docs: list[Doc], batch: int, start, out) -> None:
    """One ingest process: open the archive, wait for the others, ingest its share."""
    writer = ArchiveWriter(url, batch)
    start.wait()
    t0 = time.time()
    writer.write(docs)
    out.put((t0, time.time()))


def bench_pg_workers(url: str, records: list[Record], workers: int, batch: int) -> float:
    """Records/s of ``workers`` processes ingesting disjoint documents into one PostgreSQL
    archive at once (each in transactions of ``batch``), from the first start to the last end."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    db.upgrade(url, "head")
    docs = [(i, r, page(r)) for i, r in enumerate(records)]
    start, out = ctx.Barrier(workers), ctx.Queue()
    procs = [ctx.Process(target=_pg_worker, args=(url, docs[k::workers], batch, start, out)) for k in range(workers)]
    for proc in procs:
        proc.start()
    spans = []
    while len(spans) < workers:
        try:
            spans.append(out.get(timeout=5))
        except queue.Empty:
            if any(proc.exitcode not in (None, 0) for proc in procs):
                start.abort()
                raise RuntimeError("an ingest process failed (its traceback is above)") from None
    for proc in procs:
        proc.join()
    return len(docs) / (max(end for _, end in spans) - min(begin for begin, _ in spans))


def bulk_archive(url: str, n_reports: int, years: int = 5) -> list[str]:
    """Bulk-insert ``n_reports`` reports (``years`` per agency) with latest versions; agency names."""
    db.open_archive(url)
    engine = db.engine_for(url)
    rnd = random.Random(7)
    n_agencies = n_reports // years
    names = [f"{rnd.choice('东西南北中')}{i:06d}县{rnd.choice(['公安局', '人民政府', '财政局', '教育局'])}"
             for i in range(n_agencies)]
    now = utcnow()
    figure_keys = [k for k in KEYS if k.endswith("/total")]
    chunk = 5000
    with engine.begin() as conn:
        conn.execute(sa.insert(Snapshot.__table__), [{"sha256": "f" * 64, "size": 0, "compression": "zlib",
                                                     "data": b"", "created_at": now}])
        for start in range(0, n_agencies, chunk):
            conn.execute(sa.insert(Agency.__table__), [{"id": start + i + 1, "name": name, "created_at": now}
                                                       for i, name in enumerate(names[start:start + chunk])])
        for start in range(0, n_reports, chunk):
            ids = range(start + 1, min(start + chunk, n_reports) + 1)
            conn.execute(sa.insert(Report.__table__), [
                {"id": rid, "agency_id": (rid - 1) // years + 1, "year": 2019 + (rid - 1) % years,
                 "version_count": 1, "first_seen": now, "updated_at": now} for rid in ids])
            conn.execute(sa.insert(Document.__table__), [
                {"id": rid, "url": f"http://bulk.example/{rid}.html", "report_id": rid, "first_seen": now,
                 "last_seen": now, "last_checked": now, "sha256": "f" * 64} for rid in ids])
            conn.execute(sa.insert(Version.__table__), [
                {"id": rid, "report_id": rid, "number": 1, "parser_version": "bulk", "fingerprint": "f" * 64,
                 "sha256": "f" * 64, "document_id": rid, "first_seen": now, "text": "",
                 "record": {"agency": names[(rid - 1) // years], "year": 2019 + (rid - 1) % years,
                            "template": "2021", "published": None, "sections": SECTIONS,
                            "facts": {k: rnd.randint(0, 900) for k in figure_keys}, "raw": {}, "violations": [],
                            "title": None, "format": "html", "parser_version": "bulk"}} for rid in ids])
            conn.execute(sa.update(Report.__table__).where(Report.__table__.c.id.in_(list(ids)))
                         .values(latest_version_id=Report.__table__.c.id, document_id=Report.__table__.c.id))
        if conn.dialect.name == "postgresql":
            for table in ("agencies", "reports", "versions", "documents"):
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("ANALYZE"))
        else:
            conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return names


def timed(fn, samples: int) -> tuple[float, float]:
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def bench_reads(url: str, n_reports: int, samples: int) -> dict[str, tuple[float, float]]:
    t0 = time.perf_counter()
    names = bulk_archive(url, n_reports)
    print(f"  bulk archive of {n_reports:,} reports built in {time.perf_counter() - t0:.1f} s")
    Session = db.open_archive(url)
    rnd = random.Random(11)
    out = {}
    with Session() as session:
        # Warm up the connection and caches once.
        queries.history(session, names[0])
        out["pk lookup (baseline)"] = timed(
            lambda: session.execute(sa.select(Report).where(Report.id == rnd.randint(1, n_reports))).scalar_one(),
            samples)
        out["history AGENCY"] = timed(lambda: queries.history(session, rnd.choice(names)), samples)
        out["reports --agency A"] = timed(lambda: queries.list_reports(session, agency=rnd.choice(names)), samples)
        out["reports --agency A --year Y"] = timed(
            lambda: queries.list_reports(session, agency=rnd.choice(names), year=2021), samples)
    return out


def pg_database() -> str | None:
    try:
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        name = f"nianbao_bench_archive_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
                                 "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"))
        admin.dispose()
        return PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    except sa.exc.OperationalError as exc:
        print(f"PostgreSQL not reachable ({exc.orig}); skipping it")
        return None


def drop_pg(url: str) -> None:
    db.engine_for(url).dispose()
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1000, help="records to ingest per backend")
    parser.add_argument("--batch", type=int, default=100, help="records a transaction for archive_documents")
    parser.add_argument("--reports", type=int, default=100_000, help="reports in the read benchmark")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-reads", action="store_true", help="only the ingest benchmarks")
    args = parser.parse_args()

    rnd = random.Random(1)
    records = [make_record(i, rnd) for i in range(args.records)]
    cells = sum(len(r.facts) for r in records) / len(records)
    print(f"ingest: {args.records} pre-parsed records, {cells:.0f} cells and "
          f"{sum(len(r.text) for r in records) / len(records):.0f} characters each; batches of {args.batch}")
    with tempfile.TemporaryDirectory() as tmp:
        pg_urls = []
        if not args.no_pg:
            pg_urls = [u for u in (pg_database() for _ in range(8)) if u]
        try:
            n = args.batch
            floor_name, batched_floor_name = "SQLite raw sqlite3, all rows, 1/txn (floor)", \
                f"SQLite raw sqlite3, all rows, {n}/txn"
            partial_name = "SQLite raw sqlite3, partial (old floor), 1/txn"
            one_name, many_name = "SQLite archive_document + search", f"SQLite archive_documents {n}/txn + search"
            writers = {
                floor_name: RawArchiveFloor(f"{tmp}/floor.db"),
                batched_floor_name: RawArchiveFloor(f"{tmp}/floor_batch.db", n),
                partial_name: RawSQLiteWriter(f"{tmp}/raw.db"),
                "SQLite bare Core inserts, 1/txn": BareWriter(f"sqlite:///{tmp}/bare.db"),
                "SQLite archive_document, no search": ArchiveWriter(f"sqlite:///{tmp}/alone.db", search=False),
                one_name: ArchiveWriter(f"sqlite:///{tmp}/one.db"),
                many_name: ArchiveWriter(f"sqlite:///{tmp}/many.db", n),
            }
            if len(pg_urls) == 8:
                writers.update({
                    "PostgreSQL bare Core inserts, 1/txn": BareWriter(pg_urls[0]),
                    "PostgreSQL archive_document + search": ArchiveWriter(pg_urls[1]),
                    f"PostgreSQL archive_documents {n}/txn + search": ArchiveWriter(pg_urls[2], n),
                })
            rates = bench_ingest(writers, records)
            floor, batched_floor, partial = rates[floor_name], rates[batched_floor_name], rates[partial_name]
            print(f"  {'':<46} {'records/s':>9}  {'/floor':>6}  {f'/floor {n}/txn':>12}  {'/partial floor':>14}")
            for name, rate in rates.items():
                print(f"  {name:<46} {rate:9.0f}  {rate / floor:6.2f}  {rate / batched_floor:12.2f}  "
                      f"{rate / partial:14.2f}")
            print("  (floor: every row the archive writes, search index included, through the bare sqlite3 driver;"
                  " partial: reports, versions and cells only)")
            check_same_rows(f"{tmp}/floor.db", {"floor batched": f"{tmp}/floor_batch.db",
                                                "archive_document": f"{tmp}/one.db",
                                                "archive_documents": f"{tmp}/many.db"})
            if len(pg_urls) == 8:
                print(f"PostgreSQL, parallel ingest processes (archive_documents, {n}/txn, search index), "
                      f"{args.records} records each run:")
                single = None
                for workers, url in zip((1, 2, 4), pg_urls[4:7]):
                    rate = bench_pg_workers(url, records, workers, n)
                    single = single or rate
                    print(f"  {workers} worker{'s' if workers > 1 else ' '}  {rate:7.0f} records/s   "
                          f"x{rate / single:4.2f} of 1 worker   /SQLite floor {rate / floor:5.2f}")
            if args.no_reads:
                return
            backends = [("SQLite", f"sqlite:///{tmp}/reads.db")]
            if len(pg_urls) == 8:
                backends.append(("PostgreSQL", pg_urls[3]))
            for name, reads_url in backends:
                print(f"reads on {name} ({args.samples} samples each, ms):")
                results = bench_reads(reads_url, args.reports, args.samples)
                base = results["pk lookup (baseline)"][0]
                for label, (median, p95) in results.items():
                    print(f"  {label:<28} median {median:7.2f}   p95 {p95:7.2f}   median/baseline {median / base:6.1f}")
        finally:
            for url in pg_urls:
                drop_pg(url)


if __name__ == "__main__":
    main()
