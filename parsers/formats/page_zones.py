"""Where a line sits on a page: the header band, the footer band or the body.

Page furniture (page numbers, running headers) is looked for only in these bands; the PDF
text path and the OCR path (a scanned page's lines) place their lines the same way.
"""
from __future__ import annotations

# Fractions of the page height, from the top: above TOP is the header band, below BOTTOM the footer's.
TOP_BAND, BOTTOM_BAND = 0.07, 0.92


def zone(top: float, height: float) -> str | None:
    """``"top"`` or ``"bottom"`` for a line whose top is in the header or footer band, else ``None``."""
    if top < height * TOP_BAND:
        return "top"
    if top > height * BOTTOM_BAND:
        return "bottom"
    return None
