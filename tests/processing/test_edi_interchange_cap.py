"""One EDI file may hold at most ``edi_max_interchanges`` interchanges (ORDERGATE_EDI_MAX_INTERCHANGES):
each interchange is answered on its own, so a file of repeated ISA or UNB headers would otherwise
make thousands of acknowledgements. The count is made before anything is stored or answered;
a file over it fails with the reason and nothing is sent."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from ordergate.masterdata.catalog import Catalog
from ordergate.parsers.edi_limits import Budget, BudgetExceeded, EdiLimits
from ordergate.parsers.edifact import reader as edifact
from ordergate.parsers.x12 import reader as x12
from ordergate.processing.edi_senders import interchange_senders
from ordergate.store import tables as t
from tests.kit import edifact as ek
from tests.kit.x12 import interchange, outbox, po_850, sku

ISA = ("ISA*00*          *00*          *ZZ*ACMEBUY        *ZZ*ORDERGATE      *261120*0930*U*00401*"
       "000001001*0*P*>~")
UNB = "UNB+UNOC:3+5412345000013:14+ORDERGATE+261120:0930+IC0001001++ORDERS'"


def _orders(db) -> int:
    with db.connect() as conn:
        return conn.execute(select(func.count()).select_from(t.orders)).scalar_one()


@pytest.mark.parametrize("content", [(ISA * 600).encode(), ("UNA:+,? '" + UNB * 600).encode()],
                         ids=["x12", "edifact"])
def test_a_file_of_600_envelope_headers_fails_without_a_single_acknowledgement(db, ingest, content):
    started = time.monotonic()
    [document] = ingest(content).documents
    assert time.monotonic() - started < 10  # 38 s and 9,345 TA1s for 9,345 ISAs before
    assert document.status == "failed"
    assert document.error.startswith("the document holds more than 500 interchanges; nothing in "
                                      "it was stored or answered. Send them as separate files or "
                                      "raise ORDERGATE_EDI_MAX_INTERCHANGES")
    assert outbox(db) == []
    assert _orders(db) == 0


def test_real_interchanges_over_a_lowered_cap_fail_and_at_the_cap_are_read(db, ingest, settings):
    settings.edi_max_interchanges = 3
    four = b"".join(interchange(po_850(f"CAP-{n}", sku("HW-1001", "1")), control=n)
                    for n in range(1, 5))
    [refused] = ingest(four).documents
    assert refused.status == "failed"
    assert "more than 3 interchanges" in refused.error
    assert (outbox(db), _orders(db)) == ([], 0)
    three = b"".join(interchange(po_850(f"CAP-{n}", sku("HW-1001", "1")), control=10 + n)
                     for n in range(1, 4))
    [document] = ingest(three).documents
    assert document.status == "processed", document.error
    assert _orders(db) == 3


def test_edifact_interchanges_over_a_lowered_cap_fail_with_no_contrl(db, ingest, settings):
    settings.edi_max_interchanges = 2
    three = b"".join(ek.order_file(f"CAP-E{n}", ek.sku("HW-1001", "1"), reference=f"IC{n}")
                     for n in range(3))
    [document] = ingest(three).documents
    assert document.status == "failed"
    assert "more than 2 interchanges" in document.error
    assert (outbox(db), _orders(db)) == ([], 0)


def test_the_count_uses_the_readers_own_delimiters_and_stops_past_the_cap():
    # "ISA" inside an element is not an interchange start; a changed terminator per ISA is read.
    two = (ISA + "GS*PO*XISA*Y~" + ISA.replace("~", "\n")).encode()
    assert x12.count_interchanges(two, EdiLimits()) == 2
    assert x12.count_interchanges((ISA * 5000).encode(), EdiLimits(max_interchanges=10)) == 11
    assert edifact.count_interchanges(("UNA:+,? '" + UNB * 3).encode(), EdiLimits()) == 3
    assert edifact.count_interchanges(("UNA:+,? '" + UNB * 5000).encode(),
                                      EdiLimits(max_interchanges=10)) == 11


def test_the_sender_check_reads_under_the_same_limits(db):
    with db.connect() as conn:
        catalog = Catalog.load(conn, price_tolerance_percent=2)
    content = (ISA * 5000).encode()
    senders = list(interchange_senders(catalog, "x12", content, EdiLimits(max_interchanges=10)))
    assert len(senders) == 11  # enough to refuse the file; the other 4,989 are never read
    spent = EdiLimits(budget=Budget(deadline=time.monotonic() - 1, seconds=1, size_mb=0.5))
    # Bare ISAs: no chunk to check the budget after, so it is checked between interchanges.
    with pytest.raises(BudgetExceeded):
        list(interchange_senders(catalog, "x12", content, spent))
