"""`nianbao ingest` on real reports (tests/data/seeds) and over HTTP from a local server."""
from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from archive import cli as archive_cli
from archive.models import Document, Snapshot, Version
from crawler.cli import main

pytest.importorskip("parsers.api")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def seeds(tmp_path, data_dir):
    target = tmp_path / "seeds"
    shutil.copytree(data_dir / "seeds", target)
    return target


def test_ingest_seed_directory_then_again_is_a_no_op(Session, db_url, seeds):
    result = invoke("ingest", str(seeds), "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    events = json.loads(result.stdout)
    assert sorted((e["agency"], e["year"]) for e in events) == [
        ("北京市人民政府办公厅", 2020), ("北京市公安局", 2020), ("蚌埠市公安局", 2020), ("西安市公安局", 2020)]
    # The report that does not name its agency is kept as a document and says why.
    assert "001_5fde6840f557cb37.txt: stored, no report: not a report (no agency)" in result.stderr
    again = invoke("ingest", str(seeds), "--db", db_url, "--json")
    assert again.exit_code == 0 and json.loads(again.stdout) == []
    fixed = invoke("ingest", str(seeds / "001_5fde6840f557cb37.txt"), "--agency", "济源示范区公安局", "--db", db_url,
                   "--json")
    assert [(e["kind"], e["agency"], e["year"]) for e in json.loads(fixed.stdout)] == [("new", "济源示范区公安局", 2020)]
    with Session() as s:
        assert s.execute(sa.select(sa.func.count()).select_from(Version)).scalar_one() == 5
        assert s.execute(sa.select(sa.func.count()).select_from(Snapshot)).scalar_one() == 5


def test_chrome_is_no_version_but_a_changed_table_cell_is(Session, db_url, seeds):
    path = seeds / "000_13d8da7760c93c3b.txt"
    original = path.read_text(encoding="utf-8")
    assert invoke("ingest", str(path), "--db", db_url).exit_code == 0
    path.write_text("浏览次数：4711   【打印】 【关闭】\n" + original + "\n分享到：微信 微博\n", encoding="utf-8")
    chrome = invoke("ingest", str(path), "--db", db_url, "--json")
    assert chrome.exit_code == 0 and json.loads(chrome.stdout) == []
    row = "一、本年新收政府信息公开申请数量\t\t1400\t8\t0\t0\t1\t0\t1409"
    assert row in original
    path.write_text(original.replace(row, row.replace("1400\t8", "1401\t8").replace("\t1409", "\t1410")),
                    encoding="utf-8")
    revised = json.loads(invoke("ingest", str(path), "--db", db_url, "--json").stdout)
    assert [e["kind"] for e in revised] == ["revised"]
    assert revised[0]["changes"]["requests/new/total"] == [1409, 1410]
    assert revised[0]["changes"]["requests/new/natural_person"] == [1400, 1401]
    diff = json.loads(invoke("diff", "北京市公安局", "2020", "--db", db_url, "--json").stdout)
    assert diff["changes"]["requests/new/total"] == [1409, 1410]
    with Session() as s:
        assert s.execute(sa.select(sa.func.count()).select_from(Snapshot)).scalar_one() == 3
        assert [n for n, in s.execute(sa.select(Version.number).order_by(Version.number))] == [1, 2]


def test_unreadable_input_is_one_line_and_the_rest_goes_on(Session, db_url, seeds, tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    good = seeds / "002_5ce0e844e5628c40.txt"
    result = invoke("ingest", str(bad), str(good), "--db", db_url)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "broken.pdf" in errors[0] and "Traceback" not in result.output
    assert "new       西安市公安局 2020" in result.stdout
    with Session() as s:
        stored = s.execute(sa.select(Document.parse_error).where(Document.url.like("%broken.pdf"))).scalar_one()
    assert stored  # the bytes are archived with the reason
    assert "no such file" in invoke("ingest", str(tmp_path / "missing.txt"), "--db", db_url).output


@pytest.fixture
def http_root(tmp_path, data_dir):
    root = tmp_path / "site"
    root.mkdir()
    shutil.copy(data_dir / "seeds" / "003_1dd0d26f392e9724.txt", root / "2020nb.txt")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_ingest_url_over_http(Session, db_url, http_root, monkeypatch):
    url = f"{http_root}/2020nb.txt"
    events = json.loads(invoke("ingest", url, "--db", db_url, "--json").stdout)
    assert [(e["kind"], e["agency"], e["url"]) for e in events] == [("new", "蚌埠市公安局", url)]
    with Session() as s:
        doc = s.execute(sa.select(Document).where(Document.url == url)).scalar_one()
        assert doc.last_modified and doc.content_type.startswith("text/plain")
    missing = invoke("ingest", f"{http_root}/gone.html", "--db", db_url)
    assert missing.exit_code == 1 and "HTTP 404" in missing.output
    monkeypatch.setattr(archive_cli, "MAX_DOWNLOAD", 1000)
    too_big = invoke("ingest", url, "--db", db_url)
    assert too_big.exit_code == 1 and "larger than" in too_big.output
