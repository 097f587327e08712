"""The parser's bounds: part of its contract, so that no input can freeze it.

A crawler reads what strangers publish. Each bound sits far above what a real report
needs (a report is 2-100 pages, its tables a few hundred cells) and far below what
exhausts a worker; going over one raises a named
:class:`~parsers.errors.LimitExceeded` error with one readable line. Checks run before
the expensive work they protect (span expansion, decompression, libxml2 parsing).
"""
from __future__ import annotations

import re

from parsers.errors import TooManyAttributes

MAX_INPUT_BYTES = 100 * 1024 * 1024
"""Any document (a long PDF with images stays far below)."""
MAX_MARKUP_BYTES = 16 * 1024 * 1024
"""HTML, text, JSON, MHT: extraction time grows with the page (a real one is < 2 MB)."""
MAX_TABLE_CELLS = 100_000
"""Cells of one table after rowspan/colspan/gridSpan expansion (a report's largest: ~250)."""
MAX_DOCUMENT_CELLS = 400_000
"""Cells of all tables of one document, expanded."""
MAX_ZIP_ENTRIES = 5_000
"""Parts of a DOCX (a real one: 10-300, images included)."""
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
"""All parts of a DOCX, inflated (declared sizes; zipfile never inflates past them)."""
MAX_XML_PART_BYTES = 64 * 1024 * 1024
"""One XML part of a DOCX, inflated (its parsed tree takes several times that)."""
MAX_ATTRIBUTES = 5_000
"""Attributes on one element (libxml2's duplicate check is quadratic: 200,000 take minutes)."""
MAX_DEPTH = 500
"""Nesting of elements (HTML) or MIME parts (MHT); libxml2 stops XML at 256 without huge_tree."""
MAX_MULTIPARTS = 20
"""``multipart/*`` containers in an MHT (Word writes one; email's parser recurses into each)."""
MAX_PDF_PAGES = 2_000
"""Pages of a PDF."""
MAX_CONVERT_BYTES = 50 * 1024 * 1024
"""An old Word file handed to LibreOffice (a real report: a few MB)."""

# A start tag, quoted values skipped whole (a ">" or "<" inside quotes does not end it);
# possessive, so that a tag of megabytes is one linear pass.
_START_TAG = re.compile(rb"<[A-Za-z][^>\"']*+(?:(?:\"[^\"]*+\"|'[^']*+')[^>\"']*+)*+")
_LONG_TAG = 32 * 1024  # shorter tags cannot hold enough attributes to matter
_ATTRIBUTE = re.compile(rb"[\s\"'/][A-Za-z_:][-\w:.]*+")
_QUOTED = re.compile(rb"\"[^\"]*+\"|'[^']*+'")


def check_attributes(data: bytes, label: str) -> None:
    """Refuse markup with an element of more than :data:`MAX_ATTRIBUTES` attributes, before
    libxml2 sees it. Byte-level and cheap: one regex pass over the start tags; only a tag
    of 32 KB or more has its attribute names counted."""
    for match in _START_TAG.finditer(data):
        if match.end() - match.start() < _LONG_TAG:
            continue
        count = len(_ATTRIBUTE.findall(_QUOTED.sub(b'""', match.group())))
        if count > MAX_ATTRIBUTES:
            raise TooManyAttributes(
                f"{label} has an element with ~{count:,} attributes (limit {MAX_ATTRIBUTES:,}): refused")
