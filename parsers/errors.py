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
