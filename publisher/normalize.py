"""Text normalisation shared by the code lists and the parser.

Reports write the same label many ways: full- or half-width brackets and digits, `1、` or `1.`,
curly or straight quotes, spaces and line breaks where a cell wrapped. Labels and report text are
folded the same way, so a label matches whatever way the agency typed it.
"""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
_QUOTES = str.maketrans("", "", "\"'“”‘’「」『』")
# `1、` and `1．` after a list number mean `1.` (NFKC already turns `．` into `.`)
_NUMBERING = re.compile(r"(?<![0-9.])([0-9]{1,2})、")


def fold(text: str) -> str:
    """Fold width, quotes, numbering punctuation and every space: the key labels are matched on."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = _SPACE.sub("", text)
    return _NUMBERING.sub(r"\1.", text)


def squash_cjk_spaces(text: str) -> str:
    """Drop spaces that sit between two non-digits; keep those next to digits.

    Wrapped labels get spaces inside them ('社会公益 组织'); numbers that run together
    keep the spaces that separate them ('0 0 00').
    """
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = re.sub(r"(?<=[^\s0-9])[\s\u00a0\u3000]+(?=[^\s0-9])", "", text)
    return _NUMBERING.sub(r"\1.", text)
