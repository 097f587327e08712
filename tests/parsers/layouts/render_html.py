"""A report as a government portal page: CMS chrome around the article, the template's
tables with their real rowspan/colspan, in UTF-8 or GBK (with no charset, or a wrong one).
"""
from __future__ import annotations

from html import escape

from .content import blocks
from .model import SourceReport, Table, tables

_CHROME_TOP = """<div class="header"><div class="logo">{site}</div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/hdjl/">互动交流</a></li><li><a href="/bsfw/">办事服务</a></li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/ndbg/">政府信息公开年报</a></div>
"""
_SIDEBAR = """<div class="sidebar"><h3>相关年报</h3><ul>
<li><a href="/zwgk/ndbg/1.html">{agency}{prev}年政府信息公开工作年度报告</a><span>{prev1}-01-20</span></li>
<li><a href="/zwgk/ndbg/2.html">{agency}{prev0}年政府信息公开工作年度报告</a><span>{prev}-01-18</span></li>
</ul></div>"""
_FOOTER = """<div class="footer"><p>主办单位：{agency}　网站标识码：1100000012　京ICP备05060933号</p>
<p>地址：北京市东城区前门东大街9号　邮编：100740</p></div>"""


def table_html(table: Table, *, fancy: bool = True) -> str:
    """One table as HTML with spans; ``fancy`` wraps cell text the way Word-made CMS pages do."""
    out = ['<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse">',
           "<tbody>"]
    for row in table:
        out.append("<tr>")
        for cell in row:
            attrs = ""
            if cell.rowspan > 1:
                attrs += f' rowspan="{cell.rowspan}"'
            if cell.colspan > 1:
                attrs += f' colspan="{cell.colspan}"'
            text = escape(cell.text)
            if fancy and text:
                # Long labels wrap with <br>; every cell text sits in <p><span> as Word exports it.
                if len(text) > 14:
                    text = text[:10] + "<br/>\n" + text[10:]
                text = f'<p class="MsoNormal" align="center"><span style="font-size:10.5pt">{text}</span></p>'
            elif not text:
                text = "&nbsp;" if fancy else ""
            out.append(f'<td valign="middle"{attrs}>{text}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def render_html(report: SourceReport, *, pubdate: str | None = "auto", counter: bool = True,
                fancy: bool = True, layout_table: str | None = None, charset: str | None = "utf-8") -> str:
    """The page as a string. ``charset`` is what the ``<meta>`` declares (None: no declaration).

    ``pubdate`` goes into the PubDate meta and the 发布时间 line ("auto": a few days after signing).
    ``layout_table``: ``"frame"`` wraps the whole page in a one-cell layout table, ``"columns"``
    puts the sidebar and the article side by side in one, as older CMSs do.
    """
    if pubdate == "auto":
        pubdate = f"{report.year + 1}-01-25"
    grids = tables(report)
    body = []
    for kind, text in blocks(report):
        if kind == "title":
            body.append(f'<h1 class="article-title">{escape(text)}</h1>')
            info = []
            if pubdate:
                info.append(f"<span>发布时间：{pubdate}</span>")
            info.append(f"<span>来源：{escape(report.agency)}</span>")
            if counter:
                info.append('<span>浏览次数：<span id="hits">1234</span></span>')
            body.append(f'<div class="info">{"　".join(info)}</div>')
            body.append('<div class="TRS_Editor" id="zoom">')
        elif kind == "heading":
            body.append(f'<p style="text-indent:2em"><strong>{escape(text)}</strong></p>')
        elif kind == "p":
            body.append(f'<p style="text-indent:2em">{escape(text)}</p>')
        else:
            body.append(table_html(grids[text], fancy=fancy))
    body.append("</div>")
    if counter:
        body.append('<p class="count">访问量：<span>5678</span></p>')
    head = [f'<meta charset="{charset}">' if charset else "",
            f'<title>{escape(report.title)}_{escape(report.agency)}</title>',
            f'<meta name="ArticleTitle" content="{escape(report.title)}">']
    if pubdate:
        head.append(f'<meta name="PubDate" content="{pubdate} 09:30">')
    site = escape(report.agency)
    prev = report.year - 1
    article = "\n".join(body)
    sidebar = _SIDEBAR.format(agency=site, prev=prev, prev0=prev - 1, prev1=report.year)
    if layout_table == "columns":  # sidebar and article side by side in a layout table
        main = (f'<table width="100%" border="0"><tr><td width="25%" valign="top">{sidebar}</td>'
                f'<td valign="top"><div class="article">{article}</div></td></tr></table>')
    else:
        main = f'<div class="main"><div class="article">{article}</div>{sidebar}</div>'
    page_body = _CHROME_TOP.format(site=site) + main + _FOOTER.format(agency=site)
    if layout_table == "frame":
        page_body = f'<table width="100%"><tr><td>{page_body}</td></tr></table>'
    return ("<!DOCTYPE html>\n<html><head>" + "\n".join(head) + "</head>\n<body>\n" + page_body
            + "\n</body></html>\n")


def html_bytes(report: SourceReport, encoding: str = "utf-8", *, declare: str | None = "same", **kw) -> bytes:
    """The page encoded in ``encoding``; ``declare`` is the meta charset ("same", None, or a wrong label)."""
    charset = encoding if declare == "same" else declare
    return render_html(report, charset=charset, **kw).encode(encoding)
