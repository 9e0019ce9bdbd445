"""The EDIFACT reader on every invoice (INVOIC) of the third-party corpus (../shared/corpus, or
$ORDERGATE_CORPUS): each is read without an exception and yields as many INVOIC messages as
its text declares, each with an invoice's BGM when it has one.

The files are found by the message type their UNH declares, read from the raw text with the
separators their UNA gives (ISO 9735 defaults without one), so a file the reader would
misread is still found. Several of them break the syntax in ways the reader reports rather
than stops at (a UNT or UNZ count that is wrong, a character set the bytes do not match, a
syntax identifier that is not one): those are the files' faults and are not checked here.
Without the corpus the tests skip, except in strict mode (tests/kit/strict.py), where they
fail.
"""

from __future__ import annotations

import re

import pytest

from ordergate.parsers.edifact import Message, iter_edifact
from tests.kit.corpus import CORPUS, require_corpus

EDIFACT = CORPUS / "edifact"
# UNCL 1001 codes of the invoice family: commercial invoice, credit note, debit note, corrected,
# consolidated, prepayment, tax, self-billed, delcredere, factored, lease, consignment invoice,
# factored credit note, proforma invoice.
INVOICE_DOCUMENTS = {"380", "381", "383", "384", "385", "386", "388", "389", "390", "393", "394",
                     "395", "396", "325"}


def declared_invoices(data: bytes) -> int:
    """How many UNH segments in ``data`` name the message type INVOIC (S009 0065). Line breaks
    are dropped first: some files wrap their text at a fixed width, inside values too."""
    text = re.sub(r"[\r\n]", "", data.decode("latin-1")).lstrip("\ufeff\xef\xbb\xbf \t")
    una = text.startswith("UNA") and len(text) > 8
    component, element, terminator = (text[3], text[4], text[8]) if una else (":", "+", "'")
    e, c, t = re.escape(element), re.escape(component), re.escape(terminator)
    return len(re.findall(rf"UNH\s*{e}[^{e}{t}]*{e}\s*INVOIC\s*(?:{c}|{e}|{t})", text))


def invoice_files() -> list[str]:
    if not EDIFACT.is_dir():
        return []
    return sorted(str(path.relative_to(EDIFACT)) for path in EDIFACT.rglob("*")
                  if path.is_file() and declared_invoices(path.read_bytes()))


FILES = invoice_files()


def test_the_corpus_has_invoices():
    require_corpus(EDIFACT)
    # A D96A EANCOM invoice with many lines, one with two messages and a UTF-8 name in a
    # UNOC interchange, one with a credit note, and staedi's wrapped D97B.
    assert {"other/underware__D96A_INVOIC.txt", "other/detumval__Anonymized_INVOIC.edi",
            "other/pydifact__invoice1.edi", "other/staedi__wrapped_invoic_d97b.edi"} <= set(FILES)


@pytest.mark.parametrize("name", FILES or [None])
def test_every_invoice_reads_as_invoic(name: str | None) -> None:
    if name is None:
        require_corpus(EDIFACT)
    data = (require_corpus(EDIFACT) / name).read_bytes()
    messages = [event for event in iter_edifact(data) if isinstance(event, Message)]
    invoices = [m for m in messages if m.message_type == "INVOIC"]
    assert invoices, [m.identifier for m in messages]
    assert len(invoices) == declared_invoices(data), [m.identifier for m in messages]
    for message in invoices:
        assert message.segments[0].tag == "UNH"
        for bgm in (s for s in message.segments if s.tag == "BGM"):
            document = bgm.elements[0]
            assert (document[0] if isinstance(document, list) else document) in INVOICE_DOCUMENTS


def test_the_search_counts_invoices_by_their_unh_alone():
    assert declared_invoices(b"UNB+UNOC:3+A+B+260101:0000+1'UNH+1+INVOIC:D:96A:UN'") == 1
    assert declared_invoices(b"UNA^*.? $UNB*UNOA^2*A*B*260101^0000*1$UNH*7*INVOIC^D^96A^UN$"
                             b"UNT*2*7$UNH*8*INVOIC^D^96A^UN$") == 2
    assert declared_invoices(b"UNB+UNOC:3+A+B+260101:0000+1'\nUNH+1+INV\r\nOIC:D:96A:UN'") == 1
    assert declared_invoices(b"UNB+UNOC:3+A+B+260101:0000+1'UNH+1+ORDERS:D:96A:UN'"
                             b"FTX+AAI+++INVOIC follows'") == 0
    assert declared_invoices(b"UNH+1'FTX+INVOIC:D'") == 0  # not across a terminator
    assert declared_invoices(b"UNH+1+INVOICX:D:96A:UN'") == 0
