"""A glued line cut into its text pieces and its runs of numbers.

Crawlers that flatten a report page to text print a statistics table as one line in
which labels and numbers follow each other with no separator:
``…申请数量801000081二、上年结转…0000000三、…1.属于国家秘密00000002.其他法律…``.
:func:`tokenize` cuts such a line into :class:`Piece`\\ s: the text before a run of
numbers, and the run. Inside a run, whitespace and a sign (``88-720``) separate
*tokens*; a token never holds two cells' worth of separators, but may hold several
glued cells. A template ordinal glued to the end of a run (``…00000002.其他``) stays
on the run here (``ordinal``): only the row the next label names says how many of its
digits are the ordinal (see :func:`parsers.glued.segment.strip_ordinals`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# Full-width digits and signs are the same numbers (the one translation done here).
_FULLWIDTH = str.maketrans("０１２３４５６７８９－＋．", "0123456789-+.")
_SIGN = "-−－+"
_NUMBER = rf"[{_SIGN}]?\d+(?:,\d{{3}})*(?:\.\d+)?"
# A run: numbers separated by spaces or a sign, and perhaps a trailing ordinal separator
# (a digit followed by 、 or . and then text: ``2.其他…``).
_RUN = re.compile(rf"{_NUMBER}(?:[ \t\u3000\u00a0]*{_NUMBER})*(?:[.、．](?=[^\d]))?")
_TOKEN = re.compile(rf"[{_SIGN}]?[\d.,]+")
# A run that is only an ordinal (``1.`` before ``属于国家秘密``): part of the label.
_ORDINAL_ONLY = re.compile(r"^\d{1,2}[.、．]$")
# Money units printed after the amount (``13575394432.52元``).
_MONEY_UNIT = re.compile(r"\s*(万元|亿元|元)")


@dataclass
class Run:
    """The numbers printed after one label."""

    text: str
    """The run as printed (digits, spaces, signs, decimal points)."""
    ordinal: str = ""
    """Digits + separator at the run's end that may be the next label's ordinal (``2.``)."""
    unit: str = ""
    """A money unit printed right after the run (元, 万元, 亿元)."""
    tokens: list[str] = field(default_factory=list)
    """The run's tokens once its ordinal is settled: each holds one or more glued cells."""


@dataclass
class Piece:
    """A text and the run of numbers that follows it."""

    text: str
    run: Run


def _tokens(text: str) -> list[str]:
    """Tokens of a run: whitespace separates them, a sign starts one."""
    out: list[str] = []
    for part in text.split():
        out += _TOKEN.findall(part)
    return [t for t in out if any(ch.isdigit() for ch in t)]


def tokenize(line: str) -> list[Piece]:
    """The pieces of a line (a text and its run), in order; text after the last run is dropped."""
    line = line.translate(_FULLWIDTH)
    pieces: list[Piece] = []
    text_start = 0
    for match in _RUN.finditer(line):
        run_text = match.group()
        if _ORDINAL_ONLY.match(run_text):
            continue  # 1.属于国家秘密: the ordinal stays in the label's text
        ordinal = ""
        if run_text[-1] in ".、．":
            digits = re.search(r"\d+[.、．]$", run_text)
            ordinal = digits.group() if digits else ""
        text = line[text_start:match.start()]
        unit = _MONEY_UNIT.match(line, match.end())
        pieces.append(Piece(text, Run(run_text, ordinal, unit.group(1) if unit else "")))
        text_start = unit.end() if unit else match.end()
    return pieces


def settle(run: Run, ordinal_digits: int) -> None:
    """Fill ``run.tokens``, the last ``ordinal_digits`` digits (and the separator) taken as an ordinal."""
    text = run.text
    if run.ordinal:
        text = text[:-1]  # the separator
        if ordinal_digits:
            text = text[:-ordinal_digits]
    run.tokens = _tokens(text)
