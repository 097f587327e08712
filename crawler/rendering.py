"""Which pages need a real browser, told from their static HTML (no browser needed to decide).

The crawler reads pages as plain HTML and renders with headless Chromium
(:mod:`crawler.browser`) only the pages that need it:

- a listing whose static HTML has no report link but builds its list by script: an
  empty list container (``<ul id="list"></ul>``) or a script that fetches or writes the
  list (``$.ajax``, ``fetch(``, ``XMLHttpRequest``, ``innerHTML``, ``document.write``,
  ``laypage``…);
- a report page whose body is written by a script from a string (``document.write`` /
  ``innerHTML`` of an escaped HTML string), its visible text being only the template;
- a page answering with a recognised challenge (:mod:`crawler.antibot`,
  :mod:`crawler.challenges`);
- every page of a source marked ``render = true``.

This module is the one vocabulary of those signs; it imports neither Scrapy nor Playwright.
"""
from __future__ import annotations

import re

# request.meta["nianbao_render"]: why a request goes through the browser.
RENDER_LIST = "list"  # a listing built by script: rendered, its script paging walked
RENDER_PAGE = "page"  # one page whose content a script writes
RENDER_CHALLENGE = "challenge"  # a cookie challenge solved in the browser
RENDER_KINDS = (RENDER_LIST, RENDER_PAGE, RENDER_CHALLENGE)


class BrowserUnavailable(Exception):
    """The page needs a browser and there is none (chromium missing or failed to start)."""


# Scripts that load or write a list (AJAX, templating, pagers drawn by script).
_LIST_SCRIPT = re.compile(
    r"\$\.(ajax|get|post|getJSON)\s*\(|\bfetch\s*\(|XMLHttpRequest|\baxios\b|\.innerHTML\s*[+]?=|"
    r"document\.write\s*\(|\.html\s*\(\s*[\w'\"]|\.append\s*\(|\blaypage\b|\blaytpl\b|template\s*\(|"
    r"\bnew\s+Vue\b|createApp\s*\(|jqPaginator|pagination\s*\(|trsapi|jpaas|gkmlpt|pagebar",
    re.I,
)
# Ids and classes of list containers as CMS templates name them.
_LIST_CONTAINER = re.compile(
    r"^(list|lists?[-_]?\w*|\w*[-_]?list|news\w*|xxgk\w*|gkml\w*|info\w*|article[-_]?list|data[-_]?\w*|"
    r"content[-_]?list|ul[-_]?\w*|tab[-_]?con\w*|con[-_]?list)$",
    re.I,
)
_CONTAINER_TAGS = ("ul", "ol", "tbody", "table", "div", "dl", "section")
# String literals in a script (single or double quoted, escapes allowed).
_STRING = re.compile(r"\"((?:[^\"\\\n]|\\.){40,})\"|'((?:[^'\\\n]|\\.){40,})'", re.S)
_WRITES = re.compile(r"document\.write(ln)?\s*\(|\.innerHTML\s*[+]?=|\.html\s*\(|insertAdjacentHTML", re.I)
_MARKUP_OR_HAN = re.compile(r"<\w|\\u003c|\\x3c|&lt;|[\u4e00-\u9fff]|\\u[4-9][0-9a-f]{3}", re.I)


def _scripts(tree) -> list[str]:
    return [s.text or "" for s in tree.iter("script") if (s.get("type") or "text/javascript").lower()
            in ("text/javascript", "application/javascript", "module", "")]


def _visible_text(tree) -> str:
    parts = []
    for el in tree.iter():
        if el.tag in ("script", "style", "noscript", "template") or not isinstance(el.tag, str):
            continue
        if el.text:
            parts.append(el.text)
        if el.tail and el.getparent() is not None and el.getparent().tag not in ("script", "style"):
            parts.append(el.tail)
    return re.sub(r"\s+", "", "".join(parts))


def empty_list_containers(tree) -> int:
    """How many list containers (by id/class) the page has with no link or item inside."""
    count = 0
    for el in tree.iter(*_CONTAINER_TAGS):
        names = [el.get("id") or ""] + (el.get("class") or "").split()
        if not any(_LIST_CONTAINER.match(n) for n in names if n):
            continue
        if next(el.iter("a", "li", "tr"), None) is None and len(_visible_text(el)) < 20:
            count += 1
    return count


def list_built_by_script(tree) -> bool:
    """A page whose list is built by a script: an empty list container, or a list script
    and hardly any links of its own (the caller has found no report link on it)."""
    scripts = _scripts(tree)
    src_scripts = [s.get("src") or "" for s in tree.iter("script") if s.get("src")]
    has_list_script = any(_LIST_SCRIPT.search(s) for s in scripts) or any(
        re.search(r"jpaas|gkmlpt|trsapi|laypage|pagination|list", s, re.I) for s in src_scripts)
    if empty_list_containers(tree) and (has_list_script or src_scripts):
        return True
    return has_list_script and sum(1 for _ in tree.iter("a")) < 15


def body_written_by_script(tree) -> bool:
    """A page whose body is written by a script from a string (``document.write`` or
    ``innerHTML`` of escaped HTML): the script's strings hold more text than the page shows."""
    written = 0
    for script in _scripts(tree):
        if not _WRITES.search(script):
            continue
        for match in _STRING.finditer(script):
            literal = match.group(1) or match.group(2) or ""
            if _MARKUP_OR_HAN.search(literal):
                written += len(literal)
    if written < 500:
        return False
    # The template around it (header, navigation, footer) shows less than the script holds.
    return len(_visible_text(tree)) < written
