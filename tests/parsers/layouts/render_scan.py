"""A report as a scanned PDF: its PDF pages rendered to images, degraded as a scanner and a
JPEG encoder degrade them, and wrapped as an image-only PDF (no text layer), as agencies post
the signed paper copy.
"""
from __future__ import annotations

import io
from dataclasses import dataclass


@dataclass(frozen=True)
class Scan:
    """How the paper was scanned."""

    dpi: int = 200
    angle: float = 0.4  # degrees, counter-clockwise: the sheet lay slightly askew
    blur: float = 0.6  # Gaussian radius in pixels: focus and paper texture
    quality: int = 60  # JPEG quality: the noise of a compressed scan


def scan_images(pdf: bytes, scan: Scan = Scan()) -> list:
    """The pages of ``pdf`` as degraded grayscale Pillow images."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    document = pdfium.PdfDocument(pdf)
    images = []
    try:
        for index in range(len(document)):
            page = document[index]
            image = page.render(scale=scan.dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            image = image.rotate(scan.angle, resample=Image.BICUBIC, fillcolor=255)
            image = image.filter(ImageFilter.GaussianBlur(scan.blur))
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=scan.quality)
            images.append(Image.open(io.BytesIO(buffer.getvalue())))
    finally:
        document.close()
    return images


def scanned_pdf(pdf: bytes, scan: Scan = Scan(), pages: slice = slice(None)) -> bytes:
    """An image-only PDF of the (selected) pages of ``pdf`` as scanned with ``scan``."""
    images = scan_images(pdf, scan)[pages]
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=scan.dpi, save_all=True, append_images=images[1:])
    return out.getvalue()


def mixed_pdf(pdf: bytes, scan: Scan = Scan(), scanned: tuple[int, ...] = (1,)) -> bytes:
    """``pdf`` with the pages ``scanned`` (0-based) replaced by their scans (image-only pages):
    a text PDF into which someone put a scanned page, as agencies do with a signed table."""
    import pypdfium2 as pdfium

    original = pdfium.PdfDocument(pdf)
    out = pdfium.PdfDocument.new()
    try:
        for index in range(len(original)):
            if index in scanned:
                images = pdfium.PdfDocument(scanned_pdf(pdf, scan, pages=slice(index, index + 1)))
                out.import_pages(images, [0])
                images.close()
            else:
                out.import_pages(original, [index])
        buffer = io.BytesIO()
        out.save(buffer)
        return buffer.getvalue()
    finally:
        out.close()
        original.close()
