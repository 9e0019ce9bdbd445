"""The fonts the PDFs we write are set in: order confirmations and pick lists.

A document whose every text is Latin-1 (most) is set in the core Helvetica: nothing to parse
or embed. Any other is set in DejaVu Sans (Debian package ``fonts-dejavu-core``), which covers
Latin, Greek and Cyrillic; characters it lacks print as "?" rather than vanish. Without DejaVu,
Helvetica prints everything, simplifying or replacing what lies outside Latin-1.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from fpdf import FPDF

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
_REGULAR, _BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
MISSING = "?"

# Letters and punctuation outside Latin-1 that have no decomposition to fall back on.
_LATIN1_STANDINS = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "œ": "oe",
                                  "Œ": "OE", "‘": "'", "’": "'", "‚": ",", "“": '"', "”": '"',
                                  "„": '"', "–": "-", "—": "-", "…": "...", "€": "EUR"})
# fpdf2 writes core-font text as Latin-1 bytes in a font declared WinAnsiEncoding, which draws
# other glyphs there (0x80 as "€") or none (control characters): only these print as they are.
_PRINTABLE_LATIN1 = re.compile(r"[\t\n\r\x20-\x7e\xa0-\xff]*")


class PdfFont(NamedTuple):
    family: str
    clean: Callable[[str], str]  # makes a text from the order or the stock printable in this font
    # Our own marks, never passed through ``clean``: WinAnsiEncoding draws 0x97 as an em dash
    # and 0x85 as an ellipsis, which Latin-1 itself has no character for.
    dash: str
    ellipsis: str


class NotLatin1(Exception):
    """A text Helvetica cannot print as it is: the document is set in DejaVu instead."""


def _latin1(text: str) -> str:
    """Helvetica only prints Latin-1: keep what fits, drop accents that do not ("ź" -> "z")."""
    out = []
    for char in text.translate(_LATIN1_STANDINS):
        if _PRINTABLE_LATIN1.fullmatch(char):
            out.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if " " <= c <= "~")
        out.append(base or MISSING)
    return "".join(out)


def _latin1_as_is(text: str) -> str:
    if _PRINTABLE_LATIN1.fullmatch(text) is None:
        raise NotLatin1
    return text


HELVETICA = PdfFont("helvetica", _latin1, "\x97", "\x85")
HELVETICA_AS_IS = PdfFont("helvetica", _latin1_as_is, "\x97", "\x85")


def dejavu_files(font_dir: Path | None) -> tuple[Path, Path] | None:
    """DejaVu Sans regular and bold in ``font_dir``, or None when either is missing."""
    regular = font_dir / _REGULAR if font_dir else None
    bold = font_dir / _BOLD if font_dir else None
    return (regular, bold) if regular and bold and regular.is_file() and bold.is_file() else None


def load_dejavu(pdf: FPDF, files: tuple[Path, Path]) -> PdfFont:
    """Adds DejaVu Sans to ``pdf`` (fpdf2 parses both files, about 30 ms: why Latin-1 texts
    are set in Helvetica)."""
    regular, bold = files
    pdf.add_font("dejavu", "", str(regular))
    pdf.add_font("dejavu", "B", str(bold))
    cmap = pdf.fonts["dejavu"].cmap

    def clean(text: str) -> str:
        # fpdf2 silently drops glyphs a font lacks; a "?" at least shows something was there.
        return "".join(c if ord(c) in cmap or c in "\n\r\t" else MISSING for c in text)

    return PdfFont("dejavu", clean, "—", "…")
