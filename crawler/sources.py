"""The sources file: which portals to crawl (TOML, one ``[[source]]`` table each).

A source needs only a name and its start URLs (a portal's home page or its annual-report
column); discovery needs no per-site selectors. Optional keys::

    [[source]]
    name = "beijing-gaj"                       # unique, used in --source and in the archive
    start_urls = ["https://gaj.beijing.gov.cn/zfxxgk/index.html"]
    agency = "北京市公安局"                      # when the whole site is one agency's
    region = "北京市"
    allow = ["/zfxxgk/"]                        # regular expressions a followed URL must match (any)
    deny = ["/gate/big5/"]                      # ... and must not match
    max_pages = 50                              # listing pages of the source, all columns (default 200)
    max_depth = 6                               # folder depth from the start page (default NIANBAO_MAX_DEPTH)
    max_new_reports = 3000                      # new reports in one crawl (default NIANBAO_MAX_NEW_REPORTS)
    render = true                               # its pages need a browser (default: only those that show it)
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_MAX_PAGES = 200


class SourcesError(ValueError):
    """The sources file is missing, not TOML, or has an invalid entry (the message says which)."""


@dataclass
class Source:
    """One portal (or one agency's column) to crawl."""

    name: str
    start_urls: list[str]
    agency: str | None = None
    region: str | None = None
    allow: list[str] = field(default_factory=list)
    deny: list[str] = field(default_factory=list)
    max_pages: int = DEFAULT_MAX_PAGES
    render: bool = False  # render its pages in the browser (else only the pages that need it)
    max_depth: int | None = None  # None: NIANBAO_MAX_DEPTH
    max_new_reports: int | None = None  # None: NIANBAO_MAX_NEW_REPORTS

    def allows(self, url: str) -> bool:
        """Whether ``url`` passes this source's allow/deny patterns."""
        if any(re.search(p, url) for p in self.deny):
            return False
        return not self.allow or any(re.search(p, url) for p in self.allow)

    def to_dict(self) -> dict:
        """Plain data (for ``--json`` output and for Scrapy request meta)."""
        return asdict(self)


def default_sources_path() -> Path:
    """The sources file shipped with the package (real portals, see its comments)."""
    return Path(str(resources.files("crawler") / "sources.toml"))


def _check_url(url: object, where: str) -> str:
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise SourcesError(f"{where}: {url!r} is not an http(s) URL")
    return url


def _source(entry: object, where: str) -> Source:
    if not isinstance(entry, dict):
        raise SourcesError(f"{where}: expected a table")
    unknown = set(entry) - {"name", "start_urls", "agency", "region", "allow", "deny", "max_pages", "render",
                            "max_depth", "max_new_reports"}
    if unknown:
        raise SourcesError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    name = entry.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[\w.\-]+", name):
        raise SourcesError(f"{where}: 'name' must be a word (letters, digits, '-', '_', '.'), got {name!r}")
    urls = entry.get("start_urls")
    if isinstance(urls, str):
        urls = [urls]
    if not isinstance(urls, list) or not urls:
        raise SourcesError(f"{where} ({name}): 'start_urls' must be a non-empty list of URLs")
    urls = [_check_url(u, f"{where} ({name})") for u in urls]
    for key in ("allow", "deny"):
        patterns = entry.get(key, [])
        if isinstance(patterns, str):
            patterns = [patterns]
        for pattern in patterns:
            try:
                re.compile(pattern)
            except (re.error, TypeError) as exc:
                raise SourcesError(f"{where} ({name}): bad {key} pattern {pattern!r}: {exc}") from None
        entry[key] = list(patterns)
    max_pages = entry.get("max_pages", DEFAULT_MAX_PAGES)
    if not isinstance(max_pages, int) or max_pages < 1:
        raise SourcesError(f"{where} ({name}): 'max_pages' must be a positive integer")
    for key in ("agency", "region"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            raise SourcesError(f"{where} ({name}): '{key}' must be a string")
    for key in ("max_depth", "max_new_reports"):
        if entry.get(key) is not None and (not isinstance(entry[key], int) or entry[key] < 1):
            raise SourcesError(f"{where} ({name}): '{key}' must be a positive integer")
    render = entry.get("render", False)
    if not isinstance(render, bool):
        raise SourcesError(f"{where} ({name}): 'render' must be true or false")
    return Source(name=name, start_urls=urls, agency=entry.get("agency"), region=entry.get("region"),
                  allow=entry["allow"], deny=entry["deny"], max_pages=max_pages, render=render,
                  max_depth=entry.get("max_depth"), max_new_reports=entry.get("max_new_reports"))


def parse_sources(text: str, where: str = "sources") -> list[Source]:
    """Sources from TOML text. Raises :class:`SourcesError` with the place of the problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{where}: not valid TOML ({exc})") from None
    entries = data.get("source", [])
    if not isinstance(entries, list):
        raise SourcesError(f"{where}: expected [[source]] tables")
    sources = [_source(dict(e), f"{where}: source #{i + 1}") for i, e in enumerate(entries)]
    seen: set[str] = set()
    for s in sources:
        if s.name in seen:
            raise SourcesError(f"{where}: the name {s.name!r} is used twice")
        seen.add(s.name)
    return sources


def load_sources(path: str | Path | None = None) -> list[Source]:
    """Sources from a file (the packaged default when ``path`` is None)."""
    path = Path(path) if path else default_sources_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourcesError(f"cannot read the sources file {path}: {exc.strerror or exc}") from None
    return parse_sources(text, str(path))


def select(sources: list[Source], names: tuple[str, ...] | list[str]) -> list[Source]:
    """The named sources (all when ``names`` is empty); an unknown name is an error."""
    if not names:
        return sources
    by_name = {s.name: s for s in sources}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise SourcesError(f"no source named {', '.join(missing)} (see `nianbao sources list`)")
    return [by_name[n] for n in names]


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def source_toml(source: Source, comment: str | None = None) -> str:
    """A ``[[source]]`` table for ``source`` (only the keys that differ from the defaults)."""
    lines = [f"# {comment}"] if comment else []
    lines += ["[[source]]", f"name = {_toml_str(source.name)}",
              "start_urls = [" + ", ".join(_toml_str(u) for u in source.start_urls) + "]"]
    for key in ("agency", "region"):
        if getattr(source, key):
            lines.append(f"{key} = {_toml_str(getattr(source, key))}")
    for key in ("allow", "deny"):
        if getattr(source, key):
            lines.append(f"{key} = [" + ", ".join(_toml_str(p) for p in getattr(source, key)) + "]")
    if source.max_pages != DEFAULT_MAX_PAGES:
        lines.append(f"max_pages = {source.max_pages}")
    if source.render:
        lines.append("render = true")
    for key in ("max_depth", "max_new_reports"):
        if getattr(source, key) is not None:
            lines.append(f"{key} = {getattr(source, key)}")
    return "\n".join(lines) + "\n"


def name_from_url(url: str) -> str:
    """A source name made from a URL's host (``gaj.beijing.gov.cn`` → ``gaj.beijing``)."""
    host = (urlsplit(url).hostname or "source").lower()
    host = re.sub(r"^www\.", "", host)
    host = re.sub(r"\.gov\.cn$|\.com\.cn$|\.cn$|\.com$", "", host)
    return re.sub(r"[^\w.\-]", "-", host) or "source"


def add_source(path: str | Path, source: Source, comment: str | None = None) -> None:
    """Append ``source`` to the sources file at ``path`` (created if missing); names stay unique."""
    path = Path(path)
    existing = load_sources(path) if path.exists() else []
    if any(s.name == source.name for s in existing):
        raise SourcesError(f"{path}: a source named {source.name!r} exists already")
    parse_sources(source_toml(source))  # validates
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if text and not text.endswith("\n"):
        text += "\n"
    path.write_text(text + ("\n" if text else "") + source_toml(source, comment), encoding="utf-8")
