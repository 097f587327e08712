"""`nianbao parse`: JSON for scripts, a readable summary, one-line errors with exit 2."""
from __future__ import annotations

import json

from click.testing import CliRunner

from crawler.cli import main
from tests.conftest import DATA

SEED = DATA / "seeds" / "000_13d8da7760c93c3b.txt"


def run(*args: str):
    return CliRunner().invoke(main, ["parse", *args])


def test_json_is_one_record():
    result = run(str(SEED), "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    truth = json.loads((DATA / "truth" / "000_13d8da7760c93c3b.json").read_text(encoding="utf-8"))
    assert record["facts"] == truth["facts"]
    assert record["agency"] == "北京市公安局" and record["published"] == "2021-01-07"
    assert "北京市公安局" in result.stdout  # ensure_ascii=False
    assert "text" not in record


def test_json_with_text():
    record = json.loads(run(str(SEED), "--json", "--text").stdout)
    assert "依申请公开情况" in record["text"]


def test_summary_lays_out_the_tables():
    result = run(str(SEED))
    assert result.exit_code == 0
    out = result.stdout
    for expected in ("北京市公安局", "2021-01-07", "收到和处理政府信息公开申请情况", "自然人", "1409",
                     "行政检查", "10 大项 80 小项", "arithmetic: all rules hold"):
        assert expected in out


def test_summary_highlights_violations(tmp_path):
    text = SEED.read_text(encoding="utf-8").replace("⇥", "\t").replace(
        "(一) 予以公开\t128\t1\t0\t0\t1\t0\t130", "(一) 予以公开\t128\t1\t0\t0\t1\t0\t131")
    path = tmp_path / "broken.txt"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["parse", str(path)], color=True)
    assert "requests.row_sum:granted" in result.stdout
    assert "\x1b[" in result.stdout  # styled
    record = json.loads(run(str(path), "--json").stdout)
    assert "requests.row_sum:granted" in record["violations"]


def test_unknown_document_exits_zero(tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text("关于做好2021年政府信息公开工作年度报告编制工作的通知\n\n各单位：请按时报送。\n", encoding="utf-8")
    result = run(str(path), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["template"] == "unknown"


def _one_error_line(result, path) -> str:
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"nianbao: error: {path}: ")
    assert result.stdout == ""
    return lines[0]


def test_missing_file(tmp_path):
    path = tmp_path / "nope.txt"
    assert "No such file" in _one_error_line(run(str(path)), path)


def test_directory(tmp_path):
    _one_error_line(run(str(tmp_path), "--json"), tmp_path)


def test_unreadable_formats(tmp_path):
    for name, data in (("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
                       ("scan.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100),
                       ("empty.txt", b""),
                       ("broken.pdf", b"%PDF-1.4\n garbage")):
        path = tmp_path / name
        path.write_bytes(data)
        _one_error_line(run(str(path), "--json"), path)


def test_help_has_an_example():
    result = CliRunner().invoke(main, ["parse", "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and "--json" in result.output


def test_summary_prints_sub_items_under_their_parent_row():
    out = CliRunner().invoke(main, ["parse", str(SEED)]).output
    lines = [line.strip() for line in out.splitlines()]
    order = [next(i for i, line in enumerate(lines) if line.startswith(label))
             for label in ("其他对外管理服务事项", "└ 行政检查", "└ 行政确认", "行政处罚")]
    assert order == sorted(order)
    assert "90554" in lines[order[1]]
