"""HTML report pages (government portal articles).

One lxml parse of the decoded page (never raw bytes: lxml and trafilatura both guess
encodings wrongly on GBK pages), then:

- every data ``<table>`` is read as a grid with rowspan/colspan expanded (trafilatura's
  own table rendering loses the spans) and replaced in the tree by a placeholder
  paragraph;
- trafilatura extracts the body text from that same tree (page chrome, navigation,
  sidebars and footers removed), and each placeholder line is replaced by its table's
  rows, tab-separated, so the text keeps the document order;
- title and publication date come from the CMS metas (``ArticleTitle``, ``PubDate``),
  else ``<h1>``/``<title>`` and a ``发布时间：`` line;
- a report the page holds only as data — HTML in a JavaScript string (``var content =
  '<table>…'``, ``document.write(…)``), a ``<textarea>`` or a template script — is decoded
  (:mod:`parsers.formats.embedded`) and put into the page where its script stands, unless
  the page shows that text already. A document that is nothing but JavaScript is read the
  same way.

Visit counters (``浏览次数：123``) are removed before extraction: the archive hashes the
text, and page chrome must not make a report look revised.
"""
from __future__ import annotations

import functools
import logging
import re

import lxml.html
from lxml import etree

from parsers.document import Document, Grid
from parsers import limits
from parsers.errors import EmptyDocument, InputTooLarge, TableTooLarge
from parsers.formats import embedded
from parsers.formats.encoding import decode_text
from parsers.formats.text import normalize_cell, normalize_text
from parsers.recognize import PAGE_DATE

log = logging.getLogger(__name__)

_PLACEHOLDER = "NIANBAOTABLE{}X"
_PLACEHOLDER_LINE = re.compile(r"^[ \t]*NIANBAOTABLE(\d+)X[ \t]*$", re.M)
_PLACEHOLDER_ANY = re.compile(r"NIANBAOTABLE(\d+)X")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_WS = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
# A visit counter: label, colon, an optional number — the whole text of an element, or a
# trailing part of an info line ("来源：xx　浏览次数：123").
_COUNTER_LABEL = r"(?:浏览|访问|阅读|点击)(?:次数|量|数|人次)"
_COUNTER_TEXT = re.compile(rf"^\s*[【\[]?\s*{_COUNTER_LABEL}\s*[:：]\s*[\d,]*\s*(?:次)?\s*[】\]]?\s*$")
_COUNTER_INLINE = re.compile(rf"[【\[]?\s*{_COUNTER_LABEL}\s*[:：]\s*[\d,]*\s*次?\s*[】\]]?")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_BLOCK_IN_CELL = {"br", "p", "div", "li"}


def _iso(y: str, m: str, d: str) -> str | None:
    year, month, day = int(y), int(m), int(d)
    if 1990 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return None


# A document that is JavaScript source, not markup (a .js file, a script endpoint).
_JS_SOURCE = re.compile(r"^\s*(?:var|let|const|function|document\.write|window\.|\$\(|jQuery|\(function)\b")


@functools.cache
def _parser() -> lxml.html.HTMLParser:
    """lxml.html's parser with the same element classes, looked up in C.

    lxml.html picks each element's class in a Python callback (``HtmlElementClassLookup``),
    run every time an element is touched from Python: ~40% of the cost of walking a page's
    tables. A namespace lookup (the five form classes by tag, ``HtmlElement`` for the rest)
    gives the same classes without it.
    """
    lookup = etree.ElementNamespaceClassLookup(etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity))
    lookup.get_namespace(None).update(lxml.html.HtmlElementClassLookup._default_element_classes)
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
    parser.set_element_class_lookup(lookup)
    return parser


def parse_tree(text: str) -> lxml.html.HtmlElement:
    """Parse decoded HTML (an XML declaration is dropped: lxml refuses it on str input).

    Bare JavaScript source is wrapped in a script element, so that the strings it holds
    are found like those of a page's scripts.
    """
    text = _XML_DECL.sub("", text, count=1)
    if _JS_SOURCE.match(text):
        text = f"<html><body><script>{text}</script></body></html>"
    try:
        tree = lxml.html.document_fromstring(text, parser=_parser())
    except (etree.ParserError, ValueError):
        tree = None
    if tree is None:
        raise EmptyDocument("the HTML page has no content")
    return tree


# --- tables ----------------------------------------------------------------------------

def _rows(table: etree._Element) -> list[etree._Element]:
    """The table's own rows (not those of nested tables)."""
    return table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")


def cell_text(cell: etree._Element) -> str:
    """A cell's text, whitespace-normalised; <br>/<p> break to a space (none between two
    Chinese characters); nested tables skipped."""
    if not len(cell):  # text only, no walk (a table has hundreds of cells)
        return normalize_cell(cell.text or "")
    parts: list[str] = []
    _cell_parts(cell, parts)
    return normalize_cell("".join(parts))


def _cell_parts(el: etree._Element, parts: list[str]) -> None:
    """The texts of ``el`` in document order (see :func:`cell_text`), appended to ``parts``."""
    if el.text:
        parts.append(el.text)
    for child in el:
        tag = child.tag
        if tag == "table":
            parts.append(" ")
        elif tag in _BLOCK_IN_CELL:
            parts.append(" ")
            _cell_parts(child, parts)
            parts.append(" ")
        elif tag != "script" and tag != "style":  # comments too (a tag that is not a str): their text
            _cell_parts(child, parts)
        tail = child.tail
        if tail:
            parts.append(tail)


_SPAN = re.compile(r"\s*(\d+)")


def _span(cell: etree._Element, name: str) -> int:
    """A rowspan/colspan attribute as written by hand-made CMS pages ("2", " 2 ", "2;", junk → 1)."""
    value = cell.get(name)
    if not value:
        return 1
    match = _SPAN.match(value)
    if not match:
        return 1
    digits = match.group(1).lstrip("0")
    # int() refuses 4,300+ digits; anything past 3 digits is over the cap anyway.
    return 500 if len(digits) > 3 else max(1, min(int(digits or "0"), 500))


def _table_cells(rows: list[etree._Element]) -> list[list[tuple[etree._Element, int, int]]]:
    """Each row's ``<td>``/``<th>`` cells with their rowspan (not yet cut at the table's
    end) and colspan: one pass over the tree, read by both the size check and the grid."""
    return [[(cell, _span(cell, "rowspan"), _span(cell, "colspan")) for cell in row.iterchildren("td", "th")]
            for row in rows]


def _expanded_size(cells: list[list[tuple[etree._Element, int, int]]]) -> int:
    """How many grid slots the table's cells cover once their spans are expanded (an upper
    bound, counted before anything is expanded)."""
    total = 0
    n = len(cells)
    for r, row in enumerate(cells):
        for _, rowspan, colspan in row:
            total += min(rowspan, n - r) * colspan
    return total


def table_grid(table: etree._Element, label: str = "the HTML page") -> Grid:
    """A table as a grid: rowspan/colspan expanded, covered cells repeating the spanning text.

    Raises :class:`~parsers.errors.TableTooLarge` when the expansion would pass
    ``limits.MAX_TABLE_CELLS`` (``rowspan=500 colspan=500`` on every cell of a small page).
    """
    rows = _rows(table)
    cells = _table_cells(rows)
    size = _expanded_size(cells)
    if size > limits.MAX_TABLE_CELLS:
        raise TableTooLarge(f"{label} has a table whose spans expand to {size:,} cells "
                            f"(limit {limits.MAX_TABLE_CELLS:,}): refused")
    n = len(rows)
    filled: list[dict[int, str]] = [{} for _ in range(n)]  # per row: column -> text
    width = 0
    for r, row in enumerate(cells):
        slots = filled[r]
        c = 0
        for cell, rowspan, colspan in row:
            while c in slots:
                c += 1
            text = cell_text(cell)
            if rowspan == 1 and colspan == 1:
                slots[c] = text
            else:
                for below in filled[r:r + rowspan]:
                    for dc in range(colspan):
                        below[c + dc] = text
            c += colspan
            if c > width:
                width = c
    if width * n > limits.MAX_TABLE_CELLS:  # ragged rows: the dense grid is bigger than the cells
        raise TableTooLarge(f"{label} has a table of {n:,} rows × {width:,} columns "
                            f"(limit {limits.MAX_TABLE_CELLS:,} cells): refused")
    grid = []
    for slots in filled:
        line = [""] * width
        for c, text in slots.items():
            line[c] = text
        # Rows that are entirely blank (spacer rows) carry nothing.
        if any(line):
            grid.append(line)
    return grid


def _is_data_table(table: etree._Element, grid: Grid) -> bool:
    """Layout tables (wrapping other tables, or a single cell) are not statistics tables."""
    if table.xpath(".//table"):
        return False
    return len(grid) >= 2 or (len(grid) == 1 and len(grid[0]) >= 2)


def _grid_lines(grid: Grid) -> str:
    return "\n".join("\t".join(row) for row in grid)


# --- metadata --------------------------------------------------------------------------

def _meta(tree: etree._Element, *names: str) -> str | None:
    for name in names:
        for el in tree.xpath(f"//meta[@name='{name}' or @property='{name}']"):
            content = (el.get("content") or "").strip()
            if content:
                return content
    return None


def _title(tree: etree._Element) -> str | None:
    title = _meta(tree, "ArticleTitle", "articletitle")
    if title:
        return _WS.sub(" ", title).strip()
    for xpath in ("//h1", "//title"):
        for el in tree.xpath(xpath):
            text = _WS.sub(" ", el.text_content()).strip()
            if text:
                return text
    return None


def _published(tree: etree._Element) -> str | None:
    value = _meta(tree, "PubDate", "pubdate", "publishdate", "firstpublishedtime", "article:published_time")
    if value and (m := _DATE.search(value)):
        return _iso(*m.groups())
    body = tree.find("body")
    text = _WS.sub(" ", body.text_content() if body is not None else "")
    if m := PAGE_DATE.search(text):
        return _iso(*m.groups())
    return None


# --- a report held in scripts -----------------------------------------------------------

_TEMPLATE_TYPES = {"text/html", "text/template", "text/x-template", "text/x-html", "text/x-jquery-tmpl"}
_SQUASH = re.compile(r"[\s\u00a0\u3000]+")
_VISIBLE = etree.XPath("//body//text()[not(ancestor::script) and not(ancestor::style)"
                       " and not(ancestor::textarea) and not(ancestor::noscript)]")


def _shown(fragment_text: str, visible: str) -> bool:
    """Does the page show this text already? (two of three samples of it found in ``visible``)"""
    text = _SQUASH.sub("", fragment_text)
    if len(text) < 24:
        return True  # too little to be worth adding
    middle = len(text) // 2
    samples = (text[:12], text[middle:middle + 12], text[-12:])
    return sum(sample in visible for sample in samples) >= 2


def inline_embedded(tree: etree._Element) -> int:
    """Put the report HTML that scripts, template scripts and ``<textarea>`` hold into the page.

    Each fragment replaces the element that held it (a script in ``<head>``: appended to
    the body); a fragment whose text the page already shows is left out. Returns the
    number of fragments put in.
    """
    found: list[tuple[etree._Element, list[str]]] = []
    for el in tree.iter("script", "textarea"):
        source = el.text or ""
        if len(source) < embedded.MIN_CJK:
            continue
        kind = (el.get("type") or "").strip().lower()
        if el.tag == "textarea" or kind in _TEMPLATE_TYPES:
            fragments = [source] if embedded.is_report_html(source) else []
        else:
            fragments = embedded.script_html(source)
        if fragments:
            found.append((el, fragments))
    body = tree.find("body")
    if not found or body is None:
        return 0
    visible = _SQUASH.sub("", "".join(_VISIBLE(tree)))
    added = 0
    for el, fragments in found:
        for fragment in fragments:
            try:
                holder = lxml.html.fragment_fromstring(fragment, create_parent="div")
            except (etree.ParserError, ValueError):
                continue
            text = holder.text_content()
            if _shown(text, visible):
                continue
            visible += _SQUASH.sub("", text)
            if any(a is body for a in el.iterancestors()):
                el.addprevious(holder)
            else:
                body.append(holder)
            added += 1
        if el.getparent() is not None:
            el.drop_tree()  # its tail text stays
    return added


# --- page chrome ------------------------------------------------------------------------

_COUNTER_NODES = etree.XPath("//body//text()[contains(., '浏览') or contains(., '访问') or contains(., '阅读')"
                             " or contains(., '点击')]")
_STOP = {"body", "html", "td", "th", "tr", "tbody", "thead", "table"}
_DIGITS = re.compile(r"^\s*[\d,]*\s*次?\s*$")


def _drop_counters(tree: etree._Element) -> None:
    """Remove visit counters: the element that is only a counter (``<span>浏览次数：<b>12</b></span>``),
    else the counter part of an info line, with a number kept in the next element."""
    for node in _COUNTER_NODES(tree):
        if not _COUNTER_INLINE.search(node):
            continue
        parent = node.getparent()
        holder = parent if node.is_text else parent.getparent()
        target, el = None, holder
        while el is not None and el.tag not in _STOP:
            text = el.text_content()
            if len(text) > 60:
                break
            if _COUNTER_TEXT.match(text):
                target = el
            el = el.getparent()
        if target is not None and target.getparent() is not None:
            target.drop_tree()  # keeps the tail text
            continue
        new = _COUNTER_INLINE.sub("", node)
        if node.is_text:
            parent.text = new
            follower = parent[0] if len(parent) else None
        else:
            parent.tail = new
            follower = parent.getnext()
        # "浏览次数：<span>123</span>": the number lives in the next element.
        if (str(node).rstrip().endswith(("：", ":")) and follower is not None
                and isinstance(follower.tag, str) and _DIGITS.match(follower.text_content())):
            follower.drop_tree()


_LAYOUT_PARTS = {"table": "div", "tbody": "div", "thead": "div", "tfoot": "div", "tr": "div", "td": "div",
                 "th": "div", "caption": "div", "colgroup": None, "col": None}


def _unwrap_layout_tables(tree: etree._Element) -> None:
    """Turn the tables left after the data tables were taken out (page layout: a sidebar
    column beside the article, a one-cell frame) into plain blocks; trafilatura would
    flatten a layout row into one ``| sidebar | article |`` line."""
    for table in tree.xpath("//body//table"):
        for el in [table, *table.iter()]:
            if not isinstance(el.tag, str) or el.tag not in _LAYOUT_PARTS:
                continue
            new_tag = _LAYOUT_PARTS[el.tag]
            if new_tag is None:
                el.drop_tree()
            else:
                el.tag = new_tag
                for attribute in ("rowspan", "colspan", "width", "valign", "align"):
                    el.attrib.pop(attribute, None)


_MIN_BODY = 40
_BLOCKS = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "section", "article", "table"}


def _plain_text(tree: etree._Element) -> str:
    """The page body's text with a line break after every block element (no trafilatura)."""
    body = tree.find("body")
    if body is None:
        return ""
    for el in body.iter("script", "style", "noscript"):
        el.text = ""
    for el in body.iter(*_BLOCKS):
        el.tail = "\n" + (el.tail or "")
    lines = (_WS.sub(" ", line).strip() for line in body.text_content().split("\n"))
    return "\n".join(line for line in lines if line)


def _clean_text(text: str) -> str:
    lines = [line for line in text.split("\n") if not _COUNTER_TEXT.match(line)]
    return "\n".join(lines)


# --- the reader ---------------------------------------------------------------------------

@functools.cache
def _extractor():
    """trafilatura's options, built once: ``extract(include_tables=True, include_comments=False,
    favor_recall=True, output_format="txt", deduplicate=False)`` reads its settings file's
    values into a new ``Extractor`` on every call (~0.4 ms a page). No metadata is asked
    for, so its date bounds (set from today) are never read."""
    from trafilatura.settings import Extractor

    return Extractor(output_format="txt", recall=True, comments=False, tables=True, dedup=False)


def read(data: bytes, name: str = "", content_type: str | None = None) -> Document:
    """Read an HTML page: body text, tables as grids, title and publication date.

    ``content_type`` is the HTTP Content-Type header, if known (its charset counts as a
    declaration). Raises EncodingError or EmptyDocument.
    """
    markup, warnings = decode_text(data, content_type)
    document = read_markup(markup, name)
    document.warnings += warnings
    return document


def read_markup(markup: str, name: str = "", *, title: str | None = None,
                published: str | None = None) -> Document:
    """Read decoded HTML (see :func:`read`); ``title``/``published`` are used when the page has none."""
    import trafilatura  # deferred: importing it costs ~0.3 s

    label = name or "the HTML page"
    if len(markup) > limits.MAX_MARKUP_BYTES:
        raise InputTooLarge(f"{label} is {len(markup):,} characters of markup "
                            f"(limit {limits.MAX_MARKUP_BYTES:,}): refused")
    limits.check_attributes(markup.encode("utf-8", "surrogatepass"), label)
    tree = parse_tree(markup)
    inline_embedded(tree)
    title = _title(tree) or title
    published = _published(tree) or published
    _drop_counters(tree)

    grids: list[Grid] = []
    cells = 0
    for table in tree.xpath("//body//table"):
        if table.getparent() is None or table.xpath(".//table"):
            continue  # layout tables: their data tables are read on their own
        grid = table_grid(table, label)
        cells += sum(len(row) for row in grid)
        if cells > limits.MAX_DOCUMENT_CELLS:
            raise TableTooLarge(f"{label} has more than {limits.MAX_DOCUMENT_CELLS:,} table cells: refused")
        if not _is_data_table(table, grid):
            continue
        placeholder = lxml.html.Element("p")
        placeholder.text = _PLACEHOLDER.format(len(grids))
        placeholder.tail = table.tail
        table.getparent().replace(table, placeholder)
        grids.append(grid)
    _unwrap_layout_tables(tree)

    body = trafilatura.extract(tree, options=_extractor()) or ""
    if len(_PLACEHOLDER_ANY.sub("", body).strip()) < _MIN_BODY:
        # trafilatura gives up on pages that are mostly tables (its minimum text size):
        # keep the whole page text then, chrome and all, rather than lose the report.
        body = _plain_text(tree)
    seen: set[int] = set()

    def put_table(match: re.Match) -> str:
        index = int(match.group(1))
        seen.add(index)
        return _grid_lines(grids[index]) if index < len(grids) else ""

    body = _PLACEHOLDER_LINE.sub(put_table, body)
    # A placeholder glued into a paragraph (rare markup): the table still gets its own lines.
    body = _PLACEHOLDER_ANY.sub(lambda m: "\n" + put_table(m) + "\n", body)
    missing = [i for i in range(len(grids)) if i not in seen]
    if missing and grids:
        log.debug("%s: %d tables outside the extracted body", name, len(missing))
    text = normalize_text(_clean_text(body))
    if not text.strip() and not grids:
        raise EmptyDocument(f"{name or 'the HTML page'} has no readable text (empty, or a JavaScript-only page)")
    return Document(text=text, tables=grids, title=title, published=published, format="html")
