"""Regenerate ``crawler/sample_portal/site`` (the portal ``nianbao demo`` serves).

    .venv/bin/python tests/sites/make_sample_portal.py

A TRS-style city portal with a multi-agency annual-report column: HTML reports (one in
GBK without a charset), one report published only as a PDF, one only as a DOCX, and two
decoy notices. The reports are generated consistent records (tests/parsers/layouts).
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build  # noqa: E402

TARGET = Path(__file__).resolve().parents[2] / "crawler" / "sample_portal" / "site"

ENTRIES = [
    build.Entry("trs", "s-gaj", "示例市公安局", 2023, 101),
    build.Entry("trs", "s-gaj-2022", "示例市公安局", 2022, 102, form="html_gbk"),
    build.Entry("trs", "s-jyj", "示例市教育局", 2023, 103),
    build.Entry("trs", "s-czj", "示例市财政局", 2023, 104, form="pdf_only"),
    build.Entry("trs", "s-mzj", "示例市民政局", 2022, 105, form="docx_only"),
    build.Entry("trs", "s-zfb", "示例市人民政府办公室", 2021, 106),
]


def main() -> None:
    if TARGET.exists():
        shutil.rmtree(TARGET)
    TARGET.mkdir(parents=True)
    build.Portals(list(ENTRIES)).write(TARGET)
    for unused in ("hanweb", "next", "page", "years"):
        shutil.rmtree(TARGET / unused, ignore_errors=True)
    (TARGET / "index.html").write_bytes((TARGET / "trs" / "index.html").read_bytes())
    (TARGET / "robots.txt").write_text("User-agent: *\nDisallow: /admin/\n", encoding="utf-8")
    print(f"wrote {sum(1 for p in TARGET.rglob('*') if p.is_file())} files to {TARGET}")


if __name__ == "__main__":
    main()
