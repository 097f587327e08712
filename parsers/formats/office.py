"""Old Word formats (``.doc``, Kingsoft ``.wps``, Word files named ``.et``/``.dot``, RTF):
converted to DOCX by LibreOffice headless, then read by :mod:`parsers.formats.docx`.

LibreOffice is a separate program (Debian: ``apt-get install libreoffice-writer-nogui``,
~400 MB); without it these files keep their named :class:`UnsupportedFormat` error, which
says what to install. Each conversion runs ``soffice --headless --convert-to docx`` in a
temporary directory with its own throw-away profile (``-env:UserInstallation``: parallel
conversions in the parse pool never share, or lock, a profile), under a time limit (the
whole process group is killed past it) and a size limit on the input
(:data:`parsers.limits.MAX_CONVERT_BYTES`). The converted file
is untrusted like any other: it goes through the ordinary DOCX reader.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from parsers import limits
from parsers.document import Document
from parsers.errors import CorruptDocument, UnsupportedFormat

INSTALL = "install LibreOffice to read it (Debian: apt-get install libreoffice-writer-nogui)"
TIMEOUT = float(os.environ.get("NIANBAO_SOFFICE_TIMEOUT", "120"))


def soffice() -> str | None:
    """The LibreOffice program, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def available() -> bool:
    """Can old Word files be converted here?"""
    return soffice() is not None


def to_docx(data: bytes, name: str, suffix: str, *, timeout: float = TIMEOUT) -> bytes:
    """The DOCX LibreOffice makes of ``data`` (``suffix``: the extension to give the input, e.g. ``.doc``).

    Raises UnsupportedFormat without LibreOffice, CorruptDocument when it cannot convert
    the file (damaged, too large, or past the time limit).
    """
    label = name or "the file"
    program = soffice()
    if program is None:
        raise UnsupportedFormat(f"{label} is an old Word/WPS document — {INSTALL}")
    if len(data) > limits.MAX_CONVERT_BYTES:
        raise CorruptDocument(f"{label} is too large to convert ({len(data):,} bytes, "
                              f"limit {limits.MAX_CONVERT_BYTES:,})")
    with tempfile.TemporaryDirectory(prefix="nianbao-soffice-") as tmp:
        work = Path(tmp)
        source = work / f"report{suffix}"
        source.write_bytes(data)
        out = work / "out"
        command = [program, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--invisible",
                   "--norestore", "--nolockcheck", "--nodefault", "--convert-to", "docx", "--outdir", str(out),
                   str(source)]
        # Its own session: on a timeout the whole group (oosplash and soffice.bin) is killed.
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True,
                                   env={**os.environ, "HOME": str(work)})
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise CorruptDocument(f"{label}: LibreOffice did not convert it within {timeout:.0f} s") from None
        converted = out / "report.docx"
        if process.returncode != 0 or not converted.is_file() or converted.stat().st_size == 0:
            detail = output.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {process.returncode}"]
            raise CorruptDocument(f"{label}: LibreOffice could not convert it to DOCX ({detail[0][:200]})")
        return converted.read_bytes()


def read(data: bytes, name: str, kind: str) -> Document:
    """Read an old Word document (``kind``: ``doc``, ``wps`` or ``rtf``) through a DOCX conversion."""
    from parsers.formats import docx

    document = docx.read(to_docx(data, name, "." + kind), name)
    document.format = kind
    return document
