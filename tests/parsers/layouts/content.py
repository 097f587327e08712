"""The body of a generated report as a sequence of blocks, shared by every renderer.

Blocks are ``("title", text)``, ``("heading", text)``, ``("p", text)`` and
``("table", name)``. Narrative paragraphs carry numbers (``共收到申请1409件``) that
a parser must not take for table cells.
"""
from __future__ import annotations

from parsers import keys as K

from .model import SourceReport

SECTIONS = ("总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况",
            "政府信息公开行政复议、行政诉讼情况", "存在的主要问题及改进情况", "其他需要报告的事项")
_NUMERALS = "一二三四五六"


def blocks(report: SourceReport) -> list[tuple[str, str]]:
    """The report's blocks in reading order."""
    v = report.values
    y = report.year
    new_total = v.get(K.key("requests", "new", "total"), 0)
    out: list[tuple[str, str]] = [
        ("title", report.title),
        ("p", f"本报告依据《中华人民共和国政府信息公开条例》第五十条之规定编制。报告所列数据的统计期限自"
              f"{y}年1月1日起至{y}年12月31日止。报告电子版可在{report.agency}门户网站下载。"),
        ("heading", f"{_NUMERALS[0]}、{SECTIONS[0]}"),
        ("p", f"{y}年，{report.agency}共收到政府信息公开申请{new_total}件，主动公开政府信息687条，"
              f"组织业务培训3次，参训人员120人次。全年网站访问量达10.8万次。"),
        ("p", "（一）主动公开情况。围绕重点领域持续做好信息发布，共发布政策解读26篇，回应社会关切15次，"
              "第三季度集中发布专题信息48条。责任人王堃同志牵头落实。"),
    ]
    out += [("p", para) for para in report.narrative]
    out += [
        ("heading", f"{_NUMERALS[1]}、{SECTIONS[1]}"),
        ("table", "active"),
        ("heading", f"{_NUMERALS[2]}、{SECTIONS[2]}"),
        ("table", "requests"),
        ("heading", f"{_NUMERALS[3]}、{SECTIONS[3]}"),
        ("table", "reviews"),
        ("heading", f"{_NUMERALS[4]}、{SECTIONS[4]}"),
        ("p", f"{y}年政府信息公开工作仍存在不足：一是公开的及时性有待提高，二是解读形式较为单一。"
              f"{y + 1}年将加强培训2次以上，进一步规范依申请公开办理流程。"),
        ("heading", f"{_NUMERALS[5]}、{SECTIONS[5]}"),
        ("p", "本年度未收取政府信息公开信息处理费。无其他需要报告的事项。"),
        ("p", report.agency),
    ]
    if report.signed:
        out.append(("p", report.signed_text()))
    return out
