"""The fonts the PDFs we write are set in: order confirmations, pick lists and invoices.

A document whose every text is Latin-1 (most) is set in the core Helvetica: nothing to parse
or embed. Any other is set in DejaVu Sans (Debian package ``fonts-dejavu-core``), which covers
Latin, Greek and Cyrillic; characters it lacks print as "?" rather than vanish. Without DejaVu,
Helvetica prints everything, simplifying or replacing what lies outside Latin-1.

An invoice is PDF/A, which wants its fonts embedded, so it is always set in DejaVu. fpdf2
parses the whole font for every document and cuts the glyphs it used out of it when it writes
the file: two thirds of the time an invoice took. A document that says what its texts are
(``load_dejavu``'s ``texts``) and needs no glyph beyond the Latin letters and punctuation is set
in a compact copy of DejaVu holding only those (about 400 of its 6,000 glyphs), cut once per
process with fontTools and kept in a temporary folder. The copy keeps the glyphs, their widths
and the font's metrics as they are, so fpdf2 embeds the same subset and draws the same page.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterable
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


def load_dejavu(pdf: FPDF, files: tuple[Path, Path], texts: Iterable[str] | None = None) -> PdfFont:
    """Adds DejaVu Sans to ``pdf`` (fpdf2 parses both files, about 30 ms: why Latin-1 texts
    are set in Helvetica). Given every text the document will print (``texts``), the compact
    copy is added instead when it draws them as the whole font would."""
    if texts is not None:
        compact = _compact(files)
        if compact is not None and compact.draws(texts):
            files = compact.files
    regular, bold = files
    pdf.add_font("dejavu", "", str(regular))
    pdf.add_font("dejavu", "B", str(bold))
    cmap = pdf.fonts["dejavu"].cmap
    for font in (pdf.fonts.get("dejavu"), pdf.fonts.get("dejavuB")):
        # fpdf2 opens the font with fontTools' default of recomputing every glyph's bounding
        # box when it writes the subset: that unpacks and repacks each glyph's outline, a
        # third of an invoice. The font's own box serves as well (the descriptor's /FontBBox
        # is written from it either way), and the glyphs are copied as they are.
        ttfont = getattr(font, "ttfont", None)
        if ttfont is not None:
            ttfont.recalcBBoxes = False

    def clean(text: str) -> str:
        # fpdf2 silently drops glyphs a font lacks; a "?" at least shows something was there.
        return "".join(c if ord(c) in cmap or c in "\n\r\t" else MISSING for c in text)

    return PdfFont("dejavu", clean, "—", "…")


# The compact copy: Latin-1, Latin Extended-A (Central and Northern European letters), the
# general punctuation (dashes, quotes, ellipsis) and the euro sign, besides tab and line breaks.
COMPACT_CODEPOINTS = frozenset([0x09, 0x0A, 0x0D, *range(0x20, 0x7F), *range(0xA0, 0x180),
                                *range(0x2010, 0x2027), 0x20AC])
# Tables fpdf2 leaves out of the fonts it embeds (it draws no ligatures and no kerning).
_NOT_EMBEDDED = ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "kern", "meta"]


class _CompactDejaVu(NamedTuple):
    files: tuple[Path, Path]
    whole: frozenset[int]  # what the whole regular font draws (``clean`` keeps only those)

    def draws(self, texts: Iterable[str]) -> bool:
        """Whether every character of ``texts`` is one the copy draws, or one the whole font
        does not draw either (it prints as "?" in both)."""
        used = {ord(char) for char in set("".join(texts))}
        return not ((used - COMPACT_CODEPOINTS) & self.whole)


_compact_lock = threading.Lock()
_compacts: dict[tuple[Path, Path], _CompactDejaVu | None] = {}


def warm_compact(font_dir: Path | None) -> None:
    """Cut the compact copy now (before forking workers that would each cut their own)."""
    files = dejavu_files(font_dir)
    if files is not None:
        _compact(files)


def _compact(files: tuple[Path, Path]) -> _CompactDejaVu | None:
    """The compact copy of ``files``, cut on first use in this process (about 0.2 s); None when
    it cannot be made (the document is then set in the whole font)."""
    with _compact_lock:
        found = _compacts.get(files, False)
        if found is False or (found is not None and not all(f.is_file() for f in found.files)):
            found = _compacts[files] = _cut_compact(files)
        return found


def _cut_compact(files: tuple[Path, Path]) -> _CompactDejaVu | None:
    from fontTools import subset, ttLib

    folder = Path(tempfile.mkdtemp(prefix="ordergate-fonts-"))
    atexit.register(_remove, folder, os.getpid())
    cut, whole = [], frozenset()
    try:
        for path in files:
            # recalcBBoxes=False: the font's bounding box stays the whole font's, as fpdf2
            # writes it into the PDF's font descriptor.
            font = ttLib.TTFont(path, recalcBBoxes=False, recalcTimestamp=False)
            cmap = font.getBestCmap()
            if not cut:
                whole = frozenset(cmap)
            options = subset.Options(glyph_names=True, notdef_outline=True,
                                     recommended_glyphs=True, name_IDs=["*"],
                                     name_languages=["*"], name_legacy=True,
                                     ignore_missing_unicodes=True)
            options.drop_tables += _NOT_EMBEDDED
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=sorted(COMPACT_CODEPOINTS & set(cmap)))
            subsetter.subset(font)
            target = folder / path.name
            font.save(target)
            cut.append(target)
    except Exception:  # any failure of the cut: the whole font serves, as it always did
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return _CompactDejaVu((cut[0], cut[1]), whole)


def _remove(folder: Path, owner: int) -> None:
    # A forked child that exits normally runs its parent's exit handlers too: only the process
    # that cut the copy removes it.
    if os.getpid() == owner:
        shutil.rmtree(folder, ignore_errors=True)
