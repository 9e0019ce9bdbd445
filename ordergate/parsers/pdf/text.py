"""Opening a PDF under limits and reading its words as positioned rows.

Everything later stages know about a PDF comes from here: pages as ``PageText`` (rows of
``Word``s with their coordinates, in reading order). Encrypted, corrupt, oversized, slow and
text-less (scanned) PDFs stop here with a ``PdfError`` saying what a person should do.

The time limit is cooperative: it is checked before each page is read, so it cannot interrupt
pdfminer while it opens the file (xref repair of a damaged file) or while it parses a single
pathological page; a hard limit needs the caller to run extraction in a killable subprocess.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.pdftypes import resolve1
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException

from ordergate.errors import DocumentError

# pdfminer logs every recoverable oddity of real-world PDFs at WARNING; the outcome that
# matters (read or PdfError) is reported by us.
logging.getLogger("pdfminer").setLevel(logging.ERROR)


class PdfError(DocumentError):
    """A PDF that cannot be read as a purchase order, with what to do about it."""


@dataclass(frozen=True, slots=True)
class PdfLimits:
    max_pages: int = 50
    # The parse budget's default; the guarded reader sets it from ORDERGATE_PARSE_MAX_SECONDS.
    max_seconds: float = 60.0


class Word(NamedTuple):
    text: str
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass(frozen=True, slots=True)
class Row:
    """Words that share a baseline, left to right."""

    words: tuple[Word, ...]

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def height(self) -> float:
        return max(w.bottom - w.top for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    def phrases(self) -> list[Word]:
        """Runs of words separated by no more than a space, each as one ``Word``.

        Column headers ("Unit Price", "Order Qty") are phrases; the wider gaps between
        columns split them.
        """
        limit = 0.5 * self.height
        merged: list[Word] = []
        for word in self.words:
            if merged and word.x0 - merged[-1].x1 <= limit:
                last = merged[-1]
                merged[-1] = Word(f"{last.text} {word.text}", last.x0, word.x1,
                                  min(last.top, word.top), max(last.bottom, word.bottom))
            else:
                merged.append(word)
        return merged


@dataclass(frozen=True, slots=True)
class PageText:
    number: int  # 1-based
    rows: tuple[Row, ...]

    @property
    def text(self) -> str:
        return "\n".join(row.text for row in self.rows)


def read_pdf_pages(content: bytes, limits: PdfLimits) -> list[PageText]:
    """Every page's rows; raises ``PdfError`` for anything that is not a readable text PDF."""
    if b"%PDF-" not in content[:1024]:
        raise PdfError(f"not a PDF: the file does not start with '%PDF-' "
                       f"(first bytes {content[:8]!r}); ask the sender for the PDF itself")
    started = time.monotonic()
    try:
        with pdfplumber.open(io.BytesIO(content)) as pdf:
            page_count = len(pdf.pages)
            if page_count > limits.max_pages:
                raise PdfError(f"the PDF has {page_count} pages, more than the limit of "
                               f"{limits.max_pages}; split it or raise the PDF page limit")
            pages = []
            for page in pdf.pages:
                elapsed = time.monotonic() - started
                if elapsed > limits.max_seconds:
                    raise PdfError(f"reading the PDF took longer than {limits.max_seconds:g} s "
                                   f"(stopped before page {page.page_number} of {page_count}); "
                                   f"a person should key this order in")
                pages.append(PageText(page.page_number, _rows(page)))
            if not any(p.rows for p in pages):
                raise PdfError(_no_text_message(pdf, page_count))
            return pages
    except PdfminerException as exc:  # pdfplumber wraps what pdfminer raised on opening
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        raise _unreadable(cause) from exc
    except _DAMAGED as exc:
        raise _unreadable(exc) from exc


# pdfminer signals damaged structure with a spread of exception types.
_DAMAGED = (PDFSyntaxError, PSException, ValueError, KeyError, TypeError, AssertionError,
            IndexError, AttributeError)


def _unreadable(cause: Exception) -> PdfError:
    if isinstance(cause, PDFPasswordIncorrect):
        return PdfError("the PDF is encrypted with a password; ask the sender for an "
                        "unprotected copy")
    return PdfError(f"the PDF is damaged and cannot be read ({type(cause).__name__}: {cause}); "
                    f"ask the sender to export it again")


def _rows(page: pdfplumber.page.Page) -> tuple[Row, ...]:
    # Some generators fake bold by drawing every glyph twice at almost the same spot.
    words = page.dedupe_chars().extract_words(use_text_flow=False)
    return rows_of(Word(w["text"], w["x0"], w["x1"], w["top"], w["bottom"]) for w in words)


def rows_of(words: Iterable[Word]) -> tuple[Row, ...]:
    """Positioned words as rows, top to bottom, each left to right (also what the fuzzer
    builds its pages with, so they are grouped exactly as a parsed PDF's are)."""
    ordered = sorted(words, key=lambda w: (w.top, w.x0))
    rows: list[list[Word]] = []
    for word in ordered:
        current = rows[-1] if rows else None
        # Same row when the word starts within the upper half of the row's first word: a
        # line number set a point higher than its description still belongs to it.
        if current and word.top < current[0].top + 0.5 * (current[0].bottom - current[0].top):
            current.append(word)
        else:
            rows.append([word])
    return tuple(Row(tuple(sorted(r, key=lambda w: w.x0))) for r in rows)


def _no_text_message(pdf: pdfplumber.PDF, page_count: int) -> str:
    attached = _embedded_file_names(pdf)
    if attached:
        return (f"the PDF has no text layer on any of its {page_count} page(s) but carries "
                f"embedded file(s) {', '.join(attached)}; read the embedded order instead")
    return (f"the PDF has no text layer on any of its {page_count} page(s) (a scan or an "
            f"image); it needs OCR or a person to key the order in")


def _embedded_file_names(pdf: pdfplumber.PDF) -> list[str]:
    """Names of files attached through the catalog (Order-X, ZUGFeRD carry their XML so)."""
    names = resolve1(pdf.doc.catalog.get("Names"))
    if not isinstance(names, dict):
        return []
    tree = resolve1(names.get("EmbeddedFiles"))
    if not isinstance(tree, dict):
        return []
    found: list[str] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        pairs = resolve1(node.get("Names")) or []
        found.extend(_text(resolve1(pairs[i])) for i in range(0, len(pairs), 2))
        pending.extend(resolve1(kid) for kid in resolve1(node.get("Kids")) or [])
    return found


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)
