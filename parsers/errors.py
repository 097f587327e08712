"""Named errors of the parsers: each says what the input is and why it cannot be read."""
from __future__ import annotations


class ParseError(Exception):
    """Base class: the input could not be turned into a record (never a finding about a report)."""


class UnsupportedFormat(ParseError):
    """A format nianbao cannot read in-process (old Word .doc, Kingsoft .wps, spreadsheets, images)."""


class CorruptDocument(ParseError):
    """The bytes claim a format (PDF, DOCX, ...) but are damaged or truncated."""


class EncryptedPDF(ParseError):
    """A PDF that needs a password to be opened."""


class ImageOnlyPDF(ParseError):
    """A PDF whose pages carry no text layer (a scan): it would need OCR."""


class EmptyDocument(ParseError):
    """No text at all could be extracted (an empty file, a JavaScript-only shell page)."""


class EncodingError(ParseError):
    """The bytes could not be decoded as text in any plausible encoding."""


class LimitExceeded(ParseError):
    """The input is over one of the parser's bounds (``parsers.limits``): too big, too deep,
    or built to make the parser work without end. Never a finding about a report."""


class InputTooLarge(LimitExceeded):
    """The bytes are more than a report document can be (``MAX_INPUT_BYTES``, ``MAX_MARKUP_BYTES``)."""


class TableTooLarge(LimitExceeded):
    """A table whose rowspan/colspan/gridSpan would expand to more cells than any report table has."""


class ArchiveTooLarge(LimitExceeded):
    """A DOCX (zip) whose parts would inflate past the bound, or with too many entries (a zip bomb)."""


class TooDeeplyNested(LimitExceeded):
    """Markup (HTML, XML, MIME parts) nested deeper than any real document."""


class TooManyAttributes(LimitExceeded):
    """An element with more attributes than any real document has (libxml2 is quadratic there)."""


class TooManyPages(LimitExceeded):
    """A PDF with more pages than a report has."""
