"""Reports whose title, signature or headings are printed the awkward ways real ones are.

- ``wrapped_title``: the title broken over two or three lines (after the agency, after
  the year, inside 政府信息公开工作年度报告, before its last word), signed with the date
  only (so the title is the one place that names the agency);
- ``info_block``: a saved page's information block instead of a title line
  (``索引号：…`` / ``标题：…`` / ``发布机构：…`` / ``发布日期：…``, one a line or all on one);
- ``signed_attachments``: the statistics printed as attachments after the signature, the
  signing date followed on its line by the attachment list (``二〇二一年一月七日 附件1：…``);
- ``fake_bold_text``: title and headings as text extraction gives fake bold (every
  character two or three times: ``一一一、、、总总总体体体情情情况况况``);
- ``fake_bold_pdf``: a PDF whose title and headings are drawn character by character
  two or three times with a small offset (the PDF's own fake bold).

Each keeps every cell, the agency, the year, the signing date and the sections of the
report, so the round trip checks them all.
"""
from __future__ import annotations

import random
import re
import zlib

from .content import blocks
from .model import SourceReport, tables
from .render_pdf import FONT, pdf_bytes
from .render_text import render_text, table_lines


def _rng(report: SourceReport, salt: str) -> random.Random:
    return random.Random(zlib.crc32(repr((report.agency, report.year, sorted(report.values.items()), salt)).encode()))


def _with_title(report: SourceReport, title_lines: list[str], layout: str = "tabs") -> str:
    text = render_text(report, layout)
    first, rest = text.split("\n", 1)
    assert first == report.title
    return "\n".join(title_lines) + "\n" + rest


def wrapped_title_bytes(report: SourceReport) -> bytes:
    rng = _rng(report, "wrapped_title")
    agency, year = report.agency, f"{report.year}年"
    splits = [
        [agency, f"{year}政府信息公开工作年度报告"],
        [f"{agency}{year}", "政府信息公开工作年度报告"],
        [f"{agency}{year}政府信息公开", "工作年度报告"],
        [f"{agency}{year}政府信息公开工作年度", "报告"],
        [agency, f"{year}政府信息公开", "工作年度报告"],
    ]
    lines = rng.choice(splits)
    if rng.random() < 0.5:  # centred titles come with layout spaces
        lines = ["　　" + line for line in lines]
    text = _with_title(report, lines, rng.choice(["tabs", "pipes"]))
    # Signed with the date only: the title is the one place that names the agency.
    signature = f"\n{agency}\n\n{report.signed_text()}"
    assert signature in text
    return text.replace(signature, f"\n\n{report.signed_text()}").encode("utf-8")


def info_block_bytes(report: SourceReport) -> bytes:
    rng = _rng(report, "info_block")
    code = f"{rng.randint(10000000, 99999999)}/{report.year + 1}-{rng.randint(1, 99999):05d}"
    published = f"{report.year + 1}-01-{rng.randint(20, 28):02d}"
    label = rng.choice(["标题", "标　题", "名称", "信息名称"])
    colon = rng.choice(["：", ":"])
    fields = [f"索引号{colon}{code}", f"{label}{colon}{report.title}", f"发布机构{colon}{report.agency}",
              f"发布日期{colon}{published}"]
    if rng.random() < 0.4:
        lines = ["　".join(fields)]
    else:
        lines = fields
    return _with_title(report, lines).encode("utf-8")


def signed_attachments_bytes(report: SourceReport) -> bytes:
    """Sections in place, each table replaced by a reference; the tables after the signature."""
    rng = _rng(report, "signed_attachments")
    grids = tables(report)
    names = {"active": "主动公开政府信息情况统计表", "requests": "收到和处理政府信息公开申请情况统计表",
             "reviews": "政府信息公开行政复议、行政诉讼情况统计表"}
    order = ["active", "requests", "reviews"]
    out: list[str] = []
    body = [b for b in blocks(report)]
    signed = report.signed_text()
    assert signed and body[-1] == ("p", signed)
    for kind, text in body[:-1]:
        if kind == "table":
            out += [f"具体情况见附件{order.index(text) + 1}。", ""]
        else:
            out += [text, ""]
    listing = "附件" + rng.choice(["1：", "1.", "："]) + names["active"]
    out.append(signed + rng.choice([" ", "　", "  "]) + listing)
    out.append("")
    for n, name in enumerate(order, 1):
        out += [f"附件{n}", "", names[name], ""]
        out += table_lines(grids[name], "tabs")
        out.append("")
    return "\n".join(out).encode("utf-8")


_HEADING_LINE = re.compile(r"^[一二三四五六七八九十]、")


def _bold(text: str, k: int) -> str:
    return "".join(ch * k for ch in text)


def fake_bold_text_bytes(report: SourceReport) -> bytes:
    k = _rng(report, "fake_bold_text").choice([2, 3])
    lines = render_text(report, "tabs").split("\n")
    out = [_bold(line, k) if (n == 0 or _HEADING_LINE.match(line)) else line for n, line in enumerate(lines)]
    return "\n".join(out).encode("utf-8")


def _fake_bold_canvas(copies: int, offset: float):
    """A reportlab canvas that draws title and heading lines character by character,
    ``copies`` times each with ``offset`` pt between copies (fake bold)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    class FakeBoldCanvas(Canvas):
        def drawString(self, x, y, text, *args, **kwargs):  # noqa: N802 - reportlab's name
            core = text.lstrip("\u3000")
            if not (_HEADING_LINE.match(core) or "年度报告" in core):
                return super().drawString(x, y, text, *args, **kwargs)
            size = self._fontsize
            for ch in text:
                for copy in range(copies):
                    super().drawString(x + copy * offset, y, ch)
                x += stringWidth(ch, FONT, size)
            return None

    return FakeBoldCanvas


def fake_bold_pdf_bytes(report: SourceReport) -> bytes:
    rng = _rng(report, "fake_bold_pdf")
    canvas = _fake_bold_canvas(rng.choice([2, 3]), rng.choice([0.2, 0.3, 0.5]))
    return pdf_bytes(report, canvas_class=canvas)


# (name, make, file name, blanks drawable, slow): registered in layouts/__init__.py.
LAYOUT_SPECS = [
    ("text_wrapped_title", wrapped_title_bytes, "report.txt", True, False),
    ("text_info_block", info_block_bytes, "report.txt", True, False),
    ("text_signed_attachments", signed_attachments_bytes, "report.txt", True, False),
    ("text_fake_bold", fake_bold_text_bytes, "report.txt", True, False),
    ("pdf_fake_bold", fake_bold_pdf_bytes, "report.pdf", True, True),
]
