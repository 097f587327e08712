"""The report record: what the parser produces and every other package stores and shows."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Bump when parsing changes what a record holds: the archive re-parses stored snapshots
# whose versions were made by an older parser (without raising `revised` events).
PARSER_VERSION = "1.2.1"


@dataclass
class Record:
    """One annual report, as parsed (fields of RECORD.md plus provenance)."""

    agency: str | None = None
    year: int | None = None
    template: str = "unknown"
    published: str | None = None
    sections: list[str] = field(default_factory=list)
    facts: dict[str, int | float] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    # Template rows/cells the document should hold and the parser did not read (RECORD.md).
    missing: list[str] = field(default_factory=list)
    title: str | None = None
    # The extracted body text (paragraphs separated by blank lines). Stored by the
    # archive for search and text diffs; left out of to_dict() unless asked for.
    text: str = ""
    format: str = "text"
    # Where the text came from (RECORD.md): None, the file's own text; "ocr", page images (a
    # scanned PDF); "mixed", a PDF with text whose image-only pages (``ocr_pages``) were OCR'd.
    source: str | None = None
    ocr_pages: list[int] = field(default_factory=list)  # 1-based, the pages read by OCR
    # OCR records only: each cell's OCR confidence (0-1), and the cells read too unsurely to
    # be stated as facts (key -> {"read", "confidence", "why", "alternatives"?}), see RECORD.md.
    confidence: dict[str, float] = field(default_factory=dict)
    uncertain: dict[str, dict] = field(default_factory=dict)
    # What the reader had to repair to read the document (e.g. invalid bytes replaced).
    warnings: list[str] = field(default_factory=list)
    parser_version: str = PARSER_VERSION

    def to_dict(self, *, include_text: bool = False) -> dict:
        """The record as plain JSON-able data (RECORD.md field names)."""
        data = asdict(self)
        if not include_text:
            data.pop("text")
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Record":
        """Rebuild a record from :meth:`to_dict` output (unknown keys ignored)."""
        names = cls.__dataclass_fields__.keys()
        return cls(**{k: v for k, v in data.items() if k in names})
