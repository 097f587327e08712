"""nianbao parsers: bytes of a page or attachment in, a checked report record out.

A pure library (no Scrapy, no database)::

    from parsers import parse
    record = parse(open("report.html", "rb").read(), "report.html")
    record.to_dict()["facts"]["requests/new/total"]
"""
from parsers.errors import (
    CorruptDocument,
    EmptyDocument,
    EncodingError,
    ImageOnlyPDF,
    LimitExceeded,
    ParseError,
    UnsupportedFormat,
)
from parsers.record import PARSER_VERSION, Record

__all__ = [
    "parse", "Record", "PARSER_VERSION", "ParseError", "UnsupportedFormat",
    "CorruptDocument", "ImageOnlyPDF", "EmptyDocument", "EncodingError", "LimitExceeded",
]


def parse(data: bytes, name: str = "", *, content_type: str | None = None) -> Record:
    """Parse one document (bytes) into a :class:`Record`.

    ``name`` is the file name or URL; its extension (and the bytes' magic numbers)
    choose the reader. ``content_type``, the HTTP ``Content-Type`` header if the caller
    has one, counts as a charset declaration for HTML and text. Raises a
    :class:`ParseError` subclass for unreadable input.
    """
    from parsers.api import parse as _parse  # deferred: keeps `import parsers` light

    return _parse(data, name, content_type=content_type)
