"""Search and agency-page latency on a large synthetic archive, SQLite and PostgreSQL.

Builds an archive of N reports (default 100,000) of ~3,000 characters each, made from the
sentences of the seed reports plus agency names, through the real schema and triggers
(``alembic upgrade head``; versions inserted, then ``reports.latest_version_id`` set, which
fills the search index). Then times ``archive.search.search`` (top 20, ranked, snippets)
for terms of 2, 3 and 4+ characters and the agency page, and compares with a full scan of
the text (``instr``/``strpos``) as the baseline in the same process.

    .venv/bin/python tests/benchmarks/bench_search.py --reports 100000
    .venv/bin/python tests/benchmarks/bench_search.py --reports 5000 --backend sqlite

An archive already built for the same N is reused (``--rebuild`` to start over).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from archive import db  # noqa: E402
from archive.search import schema, search  # noqa: E402

SEEDS = ROOT / "tests" / "data" / "seeds"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PROVINCES = ["北京市", "天津市", "河北省", "山西省", "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省",
             "山东省", "河南省", "湖北省", "湖南省", "广东省", "四川省", "贵州省", "云南省", "陕西省", "甘肃省"]
CITIES = ["第一", "第二", "第三", "东城", "西城", "南湖", "北山", "中原", "高新", "滨海"]
DEPARTMENTS = ["公安局", "财政局", "教育局", "民政局", "司法局", "交通运输局", "卫生健康委员会", "生态环境局",
               "住房和城乡建设局", "市场监督管理局", "人民政府办公室", "自然资源局", "审计局", "应急管理局",
               "农业农村局", "商务局", "文化和旅游局", "统计局", "医疗保障局", "税务局"]
YEARS = list(range(2019, 2025))

QUERIES = {
    2: ["公安", "复议", "诉讼", "公开", "财政", "户籍", "审计", "济源"],
    3: ["公安局", "依申请", "不予公", "办公室", "年度报", "新闻发"],
    4: ["行政复议", "政府信息公开", "主动公开政府信息", "本机关不掌握相关政府信息", "政务公开平台", "发布信息"],
}


def sentences() -> list[str]:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    parts = [s.strip() + "。" for s in re.split(r"[。\n]", text) if len(s.strip()) >= 8]
    return [" ".join(p.split()) for p in parts]


def agencies(n_reports: int) -> list[tuple[str, str]]:
    out = []
    for p_i, prov in enumerate(PROVINCES):
        for c_i, city in enumerate(CITIES):
            for d in DEPARTMENTS:
                for k in range(100):
                    name = f"{prov}{city}{'区' * (k % 3)}{k or ''}{d}"
                    out.append((name, f"{11 + p_i:02d}{c_i + 1:02d}{k:02d}"))
    need = -(-n_reports // len(YEARS))
    random.Random(1).shuffle(out)
    return out[:need]


def report_text(rnd: random.Random, agency: str, year: int, pool: list[str]) -> str:
    parts = [f"{agency}{year}年政府信息公开工作年度报告"]
    size = len(parts[0])
    while size < 3000:
        s = rnd.choice(pool)
        if rnd.random() < 0.1:
            s = agency + s
        parts.append(s)
        size += len(s)
    return "\n\n".join(parts)


def build(url: str, n: int, rnd: random.Random) -> None:
    db.upgrade(url)
    engine = db.engine_for(url)
    pool = sentences()
    names = agencies(n)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        if conn.execute(sa.text("SELECT count(*) FROM reports")).scalar_one():
            print(f"  archive already holds reports; reusing it")
            return
        conn.execute(sa.text("INSERT INTO snapshots (sha256, size, compression, data, created_at) "
                             "VALUES (:s, 0, 'zlib', :d, CURRENT_TIMESTAMP)"), {"s": "0" * 64, "d": b""})
        conn.execute(sa.text("INSERT INTO agencies (id, name, region_code, created_at) VALUES (:id, :name, :r, CURRENT_TIMESTAMP)"),
                     [{"id": i + 1, "name": a, "r": r} for i, (a, r) in enumerate(names)])
    batch, rid, bulk = [], 0, False
    for i, (agency, _) in enumerate(names):
        for year in YEARS:
            rid += 1
            if rid > n:
                break
            text = report_text(rnd, agency, year, pool)
            new_total = rnd.randint(0, 3000)
            facts = {"requests/new/total": new_total, "requests/granted/total": rnd.randint(0, new_total),
                     "requests/partially_granted/total": rnd.randint(0, 100), "requests/unavailable.not_held/total": rnd.randint(0, 200),
                     "reviews/review/total": rnd.randint(0, 30), "reviews/litigation_direct/total": rnd.randint(0, 10),
                     "reviews/litigation_after_review/total": rnd.randint(0, 5)}
            record = {"agency": agency, "year": year, "template": "2021" if year >= 2021 else "2019",
                      "violations": ["requests.row_sum:granted"] if rnd.random() < 0.1 else [], "facts": facts,
                      "raw": {}, "sections": [], "title": f"{agency}{year}年政府信息公开工作年度报告", "published": None}
            batch.append({"id": rid, "agency_id": i + 1, "year": year, "record": json.dumps(record, ensure_ascii=False),
                          "text": text, "url": f"http://gov.test/{i + 1}/{year}.html"})
        if len(batch) >= 2000 or rid >= n or i == len(names) - 1:
            t1 = time.perf_counter()
            _insert(engine, batch, bulk)
            if not bulk:
                print(f"  indexing through the triggers: {(time.perf_counter() - t1) * 1000 / len(batch):.1f} ms a report"
                      f" (first {len(batch)}, versions included)")
                if n > 2 * len(batch):
                    bulk = True
                    dropped = _bulk_begin(engine)
            print(f"\r  {min(rid, n):>7} reports  {time.perf_counter() - t0:7.1f} s", end="", flush=True)
            batch = []
        if rid >= n:
            break
    print()
    if bulk:
        t1 = time.perf_counter()
        _bulk_end(engine, dropped)
        print(f"  bulk index build: {time.perf_counter() - t1:.1f} s")
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))


def _bulk_begin(engine) -> list[str]:
    """For large N: load without per-row index maintenance, build the indexes once at the end.

    The first batch went through the triggers (timed above); the rest is loaded with the
    triggers (SQLite) or GIN indexes (PostgreSQL) off. Returns the DDL that makes them again,
    read from the database before they go (what the migrations made), for :func:`_bulk_end`:
    the searched schema is the real one.
    """
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            dropped = schema.drop_triggers(conn, [name for name in schema.triggers(conn)
                                                  if name.startswith("search_reports") or name == "search_documents_ai"])
            return [trigger.ddl for trigger in dropped.values()]
        indexes = conn.execute(sa.text("SELECT relname, pg_get_indexdef(oid) FROM pg_class "
                                       "WHERE relkind = 'i' AND relname LIKE :prefix"), {"prefix": "ix_search_fts%"}).all()
        # What pg_get_indexdef leaves out: a column's statistics target (ix_search_fts_grams's is 0).
        statistics = conn.execute(sa.text(
            "SELECT format('ALTER INDEX %I ALTER COLUMN %s SET STATISTICS %s', c.relname, a.attnum, a.attstattarget) "
            "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
            "WHERE c.relkind = 'i' AND c.relname LIKE :prefix AND a.attstattarget >= 0"), {"prefix": "ix_search_fts%"}).scalars().all()
        for name, _ddl in indexes:
            conn.exec_driver_sql(f"DROP INDEX {name}")
        return [ddl for _name, ddl in indexes] + statistics


def _bulk_end(engine, dropped: list[str]) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            first = conn.exec_driver_sql("SELECT max(report_id) FROM search_documents").scalar_one()
            conn.exec_driver_sql("""INSERT INTO search_documents (report_id, version_id, template, has_violations, body)
                SELECT v.report_id, v.id, json_extract(v.record, '$.template'),
                       json_array_length(v.record, '$.violations') > 0, v.text
                FROM reports r JOIN versions v ON v.id = r.latest_version_id WHERE r.id > ?""", (first,))
            conn.exec_driver_sql("INSERT INTO search_fts (search_fts) VALUES ('rebuild')")
            raw = conn.connection.driver_connection
            rows = raw.execute("SELECT report_id, body FROM search_documents WHERE report_id > ?", (first,))
            while chunk := rows.fetchmany(2000):
                raw.executemany("INSERT INTO search_chars_fts (rowid, body) VALUES (?, ?)",
                                [(rid, " ".join(body)) for rid, body in chunk])
        else:
            conn.exec_driver_sql("SET maintenance_work_mem = '512MB'")
        for ddl in dropped:
            conn.exec_driver_sql(ddl)


def _insert(engine, batch: list[dict], bulk: bool) -> None:
    cast = "CAST(:record AS jsonb)" if engine.dialect.name == "postgresql" else ":record"
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO reports (id, agency_id, year, version_count, first_seen, updated_at) "
                             "VALUES (:id, :agency_id, :year, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), batch)
        conn.execute(sa.text("INSERT INTO documents (id, url, report_id, content_type, first_seen, last_seen, last_checked, sha256) "
                             "VALUES (:id, :url, :id, 'text/html', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '" + "0" * 64 + "')"), batch)
        conn.execute(sa.text(f"INSERT INTO versions (id, report_id, number, record, text, parser_version, fingerprint, document_id, sha256, first_seen) "
                             f"VALUES (:id, :id, 1, {cast}, :text, '1.0.0', 'x', :id, '{'0' * 64}', CURRENT_TIMESTAMP)"), batch)
        # This is what fills the search index (the triggers on reports.latest_version_id).
        conn.execute(sa.text("UPDATE reports SET latest_version_id = id, document_id = id WHERE id BETWEEN :a AND :b"),
                     {"a": batch[0]["id"], "b": batch[-1]["id"]})


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def summary(ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return f"median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   max {ms[-1]:7.1f} ms"


def run(url: str, n: int, repeat: int) -> None:
    Session = db.open_archive(url)
    engine = db.engine_for(url)
    scan = ("SELECT count(*) FROM search_documents WHERE instr(body, :q) > 0" if engine.dialect.name == "sqlite"
            else "SELECT count(*) FROM search_documents WHERE strpos(body, :q) > 0")
    with Session() as s:
        total = s.execute(sa.text("SELECT count(*) FROM search_documents")).scalar_one()
        print(f"  {total} reports indexed")
        if engine.dialect.name == "sqlite":
            pages = {name: n for name, n in s.execute(sa.text(
                "SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE 'search%' GROUP BY name"))} if _has_dbstat(s) else {}
            if pages:
                fts = sum(v for k, v in pages.items() if k.startswith("search_fts"))
                chars = sum(v for k, v in pages.items() if k.startswith("search_chars_fts"))
                print(f"  index size: trigram {fts / 2**20:.0f} MB, characters {chars / 2**20:.0f} MB, "
                      f"search_documents {pages.get('search_documents', 0) / 2**20:.0f} MB")
        else:
            sizes = s.execute(sa.text("SELECT pg_relation_size('ix_search_fts_body_trgm'), "
                                      "pg_relation_size('ix_search_fts_grams'), "
                                      "pg_total_relation_size('search_documents')")).one()
            print(f"  index size: trigram GIN {sizes[0] / 2**20:.0f} MB, grams GIN {sizes[1] / 2**20:.0f} MB, "
                  f"search_documents total {sizes[2] / 2**20:.0f} MB")
        # Baseline: a full scan of the text for one query of each length.
        base = {}
        for length, qs in QUERIES.items():
            base[length] = statistics.median(timed(lambda: s.execute(sa.text(scan), {"q": qs[0]}).scalar_one(), 2))
        for length, qs in QUERIES.items():
            lat, counts = [], []
            for q in qs:
                search(s, q)  # warm the cache for this query once
                lat += timed(lambda: counts.append(len(search(s, q))), repeat)
            label = f"{length} chars" if length < 4 else "4+ chars"
            print(f"  search {label:9}: {summary(lat)}   (full-scan baseline {base[length]:7.1f} ms,"
                  f" x{base[length] / statistics.median(lat):.0f} faster; {min(counts)}-{max(counts)} hits)")
        filt = []
        one_agency = s.execute(sa.text("SELECT name FROM agencies ORDER BY id LIMIT 1")).scalar_one()
        for q in ["公安", "行政复议", "依申请"]:
            filt += timed(lambda: search(s, q, year=2021), repeat)
            filt += timed(lambda: search(s, q, region="11", has_violations=True), repeat)
            filt += timed(lambda: search(s, q, agency=one_agency), repeat)
            filt += timed(lambda: search(s, q, agency="公安局", template="2021"), repeat)
        print(f"  search + filters : {summary(filt)}")
        agency_ids = [r[0] for r in s.execute(sa.text("SELECT id FROM agencies ORDER BY id LIMIT 50"))]
    try:
        from fastapi.testclient import TestClient
        from archive.web import create_app
    except ImportError as exc:
        print(f"  agency page: skipped ({exc})")
        return
    client = TestClient(create_app(Session))
    client.get(f"/agencies/{agency_ids[0]}")
    lat = []
    for aid in agency_ids:
        t = time.perf_counter()
        r = client.get(f"/agencies/{aid}")
        lat.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, r.status_code
    print(f"  agency page      : {summary(lat)}")


def _has_dbstat(session) -> bool:
    try:
        session.execute(sa.text("SELECT 1 FROM dbstat LIMIT 1"))
        return True
    except sa.exc.OperationalError:
        return False


def pg_database(n: int, rebuild: bool) -> str:
    name = f"nianbao_bench_{n}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        if exists and rebuild:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            exists = False
        if not exists:
            conn.execute(sa.text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
                                 "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--dir", default="/tmp", help="where the SQLite archive file goes")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per query")
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        if backend == "sqlite":
            path = Path(args.dir) / f"nianbao_bench_{args.reports}.db"
            if args.rebuild and path.exists():
                path.unlink()
            url = f"sqlite:///{path}"
        else:
            url = pg_database(args.reports, args.rebuild)
        print(f"{backend}: {args.reports} reports")
        t = time.perf_counter()
        build(url, args.reports, random.Random(args.reports))
        print(f"  built in {time.perf_counter() - t:.1f} s")
        run(url, args.reports, args.repeat)


if __name__ == "__main__":
    main()
