"""What a search is asked and what it answers: the filters, a hit, the result.

Plain dataclasses, apart from the search code so that the backends (which take the
filters) and the JSON API (whose response model is :class:`Hit` itself) import them
without importing the search.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from archive.search.snippet import Snippet


@dataclass
class Filters:
    """What a search is restricted to (``None`` means no restriction)."""

    agency: str | None = None          # substring of the agency's name (the web form)
    agency_id: int | None = None       # one agency (the CLI's --agency, resolved as everywhere)
    region: str | None = None          # prefix of the agency's region code, e.g. "11" or "110105"
    year: int | None = None
    template: str | None = None        # "2019", "2021", "legacy", "unknown"
    has_violations: bool | None = None


@dataclass
class Hit:
    """One report found: where it is, how it ranked and a snippet of its text."""

    report_id: int
    agency_id: int
    agency: str
    region: str | None
    year: int
    template: str | None
    has_violations: bool
    url: str | None
    title: str | None
    score: float
    snippet: str
    highlights: list[tuple[int, int]] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["highlights"] = [list(h) for h in self.highlights]
        return data

    @property
    def snippet_obj(self) -> Snippet:
        return Snippet(self.snippet, list(self.highlights))


@dataclass
class SearchResult:
    """Hits plus whether ranking was limited to the first :data:`archive.search.RANK_CANDIDATES` matches."""

    query: str
    terms: list[str]
    hits: list[Hit]
    truncated: bool
