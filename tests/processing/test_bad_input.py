"""Bad input: every document is stored and ends with a status and a reason; nothing raises;
the documents after a bad one are processed; the partner gets the TA1/997 the fault calls for.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import pytest

from ordergate.store import tables as t
from tests.kit.x12 import (
    cut_before,
    group,
    interchange,
    order_file,
    outbox,
    po_850,
    read_reply,
    replace_once,
    replies,
    rows,
    seg,
    segs,
    sku,
    stored_content,
    transaction,
)

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "x12"
STRANGER = ("ZZ", "STRANGER")
ELSEWHERE = ("ZZ", "SOMEONEELSE")


def good_file() -> bytes:
    """The well-formed document put after the bad ones: it must still become an order."""
    return order_file("GOOD-1", control=900)


def truncated_850() -> bytes:
    """An 850 cut off in the middle of its second line (no SE, GE, IEA)."""
    return cut_before(order_file("T-1", control=11), "PO1*2*")


def isa_only() -> bytes:
    return order_file("I-1", control=12).split(b"\n")[0] + b"\n"


def bad_quantity() -> bytes:
    return order_file("Q-1", sku("HW-1001", qty="TEN"), control=15)


def se_count_mismatch() -> bytes:
    """Two 850s; the second one's SE01 says 9 segments, it has 8."""
    content = interchange(po_850("S-1"), po_850("S-2"), control=16)
    return replace_once(content, "SE*8*0002", "SE*9*0002")


def ge_count_mismatch() -> bytes:
    """One 850; GE01 says the group holds 2 transaction sets."""
    return replace_once(interchange(po_850("C-1"), control=17), "GE*1*17", "GE*2*17")


def invoice_810() -> bytes:
    """An 810 (invoice) in its own IN group, beside an 850 in a PO group."""
    return interchange(control=18, groups=[
        group(po_850("N-1"), control=1),
        group(transaction(po_850("N-2"), 1, set_id="810"), control=2, functional_id="IN"),
    ])


@dataclass(frozen=True)
class Case:
    name: str
    content: bytes
    status: str
    reasons: tuple[str, ...]  # fragments the document's error must contain
    outbound: tuple[str, ...]  # kinds queued for the document, in order
    orders: tuple[str, ...] = ()  # PO numbers that became orders


CASES = [
    Case("empty file", b"", "failed", ("the file is empty",), ()),
    Case("only whitespace", b" \r\n\t\r\n", "failed", ("the file is empty",), ()),
    Case("random bytes", random.Random(7).randbytes(512), "failed",
         ("not a format ordergate reads", "ISA"), ()),
    Case("a PDF", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "failed",
         ("pdf documents are not processed",), ()),
    Case("a plain-text e-mail", (SAMPLES / "not_an_order.edi").read_bytes(), "failed",
         ("not a format ordergate reads", "Hello"), ()),
    Case("an 850 cut mid-transaction", truncated_850(), "failed",
         ("has no IEA trailer", "has no SE trailer"), ("997",)),
    Case("an ISA and nothing else", isa_only(), "failed", ("has no IEA trailer",), ("TA1",)),
    Case("addressed to another receiver", order_file("W-1", control=13, receiver=ELSEWHERE), "failed",
         ("addressed to ZZ:SOMEONEELSE", "ORDERGATE_X12_ID"), ("TA1",)),
    Case("from an unknown sender", order_file("U-1", control=14, sender=STRANGER), "failed",
         ("ZZ:STRANGER", "customers.csv"), ("TA1",)),
    Case("a non-numeric quantity", bad_quantity(), "failed",
         ("PO102", "'TEN' is not a number", "position 7"), ("997",)),
    Case("an SE count mismatch in one of two sets", se_count_mismatch(), "processed", (),
         ("855", "997"), ("S-1",)),
    Case("a GE count mismatch", ge_count_mismatch(), "processed", (), ("855", "997"), ("C-1",)),
    Case("an 810 beside an 850", invoice_810(), "processed", (), ("855", "997"), ("N-1",)),
    Case("only an 810", interchange(control=19, groups=[
        group(transaction(po_850("N-3"), 1, set_id="810"), control=1, functional_id="IN")]),
         "failed", ("transaction set 810 is not supported",), ("997",)),
]


def check_case(db, case: Case, document) -> None:
    assert document.status == case.status, document.error
    for fragment in case.reasons:
        assert fragment in (document.error or ""), (fragment, document.error)
    if case.status == "processed":
        assert document.error is None
    [stored] = rows(db, t.documents, t.documents.c.id == document.document_id)
    assert stored_content(db, stored.id) == case.content
    assert (stored.status, stored.error) == (document.status, document.error)
    kinds = [m.kind for m in outbox(db) if m.document_id == document.document_id]
    assert kinds == list(case.outbound)
    stored_orders = rows(db, t.orders, t.orders.c.document_id == document.document_id)
    assert sorted(o.po_number for o in stored_orders) == sorted(case.orders)


def check_good(db, document) -> None:
    assert (document.status, document.error) == ("processed", None)
    assert [(o.po_number, o.status) for o in document.orders] == [("GOOD-1", "accepted")]
    assert [m.kind for m in outbox(db) if m.document_id == document.document_id] == ["855", "997"]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_bad_document_is_stored_with_its_reason_and_the_batch_goes_on(db, ingest, case):
    bad, good = ingest(case.content, good_file()).documents
    check_case(db, case, bad)
    check_good(db, good)


def test_all_bad_documents_in_one_call_and_the_good_one_after_them(db, ingest):
    report = ingest(*(case.content for case in CASES), good_file())
    assert len(report.documents) == len(CASES) + 1
    for case, document in zip(CASES, report.documents):
        check_case(db, case, document)
    check_good(db, report.documents[-1])
    assert len(rows(db, t.documents)) == len(CASES) + 1


# ------------------------------------------------------------------------------ what the partner gets
def test_an_interchange_for_another_receiver_gets_ta1_r_009(db, ingest):
    [document] = ingest(order_file("W-1", control=13, receiver=ELSEWHERE)).documents
    assert document.orders == []
    [message] = outbox(db)
    assert (message.kind, message.destination) == ("TA1", "ACME")
    ta1 = read_reply(message.payload)
    assert ta1.problems == [] and ta1.sets == []
    assert (ta1.header.sender_id, ta1.header.receiver_id) == ("ORDERGATE", "ACMEBUY")
    assert ta1.service == [["TA1", "000000013", "261120", "0930", "R", "009"]]
    assert rows(db, t.orders) == []


def test_an_unknown_sender_gets_ta1_r_006_and_the_document_fails_naming_customers_csv(db, ingest):
    [document] = ingest(order_file("U-1", control=14, sender=STRANGER)).documents
    assert document.status == "failed"
    assert "ZZ:STRANGER" in document.error and "customers.csv" in document.error
    [message] = outbox(db)
    assert (message.kind, message.destination, message.customer_id) == ("TA1", "unknown-ZZ-STRANGER", None)
    ta1 = read_reply(message.payload)
    assert ta1.problems == []
    assert (ta1.header.receiver_qualifier, ta1.header.receiver_id) == STRANGER
    assert ta1.service == [["TA1", "000000014", "261120", "0930", "R", "006"]]
    assert rows(db, t.orders) == []


def test_a_non_numeric_quantity_rejects_the_set_with_ak3_ak4_detail(db, ingest):
    [document] = ingest(bad_quantity()).documents
    assert document.status == "failed"
    # PO1 is segment 7 of the file (ISA GS ST BEG CUR N1 PO1) and segment 5 of its set.
    assert "position 7" in document.error and "element 02" in document.error
    [rejected] = document.orders
    assert (rejected.po_number, rejected.status, rejected.order_id) == ("Q-1", "rejected", None)
    [ack] = replies(db, "997")
    assert ack.problems == []
    ts = ack.only_set("997")
    assert seg(ts, "AK1") == ["AK1", "PO", "15"]
    assert seg(ts, "AK2") == ["AK2", "850", "0001"]
    assert seg(ts, "AK3") == ["AK3", "PO1", "5", "", "8"]
    assert seg(ts, "AK4") == ["AK4", "2", "330", "6", "TEN"]
    assert seg(ts, "AK5") == ["AK5", "R", "5"]
    assert seg(ts, "AK9") == ["AK9", "R", "1", "1", "0"]
    assert rows(db, t.orders) == []


def test_an_se_count_mismatch_rejects_only_that_set(db, ingest):
    [document] = ingest(se_count_mismatch()).documents
    assert document.status == "processed"
    assert [(o.po_number, o.status) for o in document.orders if o.status != "rejected"] == [
        ("S-1", "accepted")]
    [rejected] = [o for o in document.orders if o.status == "rejected"]
    assert "SE01 says 9 segments" in rejected.hold_reasons[0]
    [ack] = replies(db, "997")
    ts = ack.only_set("997")
    assert [s[1:] for s in segs(ts, "AK2")] == [["850", "0001"], ["850", "0002"]]
    assert [s[1:] for s in segs(ts, "AK5")] == [["A"], ["R", "4"]]
    assert seg(ts, "AK9") == ["AK9", "P", "2", "2", "1"]
    assert [o.po_number for o in rows(db, t.orders)] == ["S-1"]


def test_a_ge_count_mismatch_is_noted_in_ak9_and_the_order_still_stored(db, ingest):
    [document] = ingest(ge_count_mismatch()).documents
    assert document.status == "processed"
    [ack] = replies(db, "997")
    ts = ack.only_set("997")
    assert seg(ts, "AK5") == ["AK5", "A"]
    # E: accepted with errors; 2 sets declared, 1 received, 1 accepted; 5: count mismatch.
    assert seg(ts, "AK9") == ["AK9", "E", "2", "1", "1", "5"]
    assert [o.po_number for o in rows(db, t.orders)] == ["C-1"]


def test_an_810_is_rejected_as_not_supported_and_its_850_neighbour_stored(db, ingest):
    [document] = ingest(invoice_810()).documents
    assert document.status == "processed"
    assert any("810 is not supported" in p for p in document.problems)
    [ack] = replies(db, "997")
    po_ack, in_ack = ack.sets  # one 997 per functional group received
    assert ack.problems == []
    assert seg(po_ack, "AK1") == ["AK1", "PO", "1"]
    assert seg(po_ack, "AK9") == ["AK9", "A", "1", "1", "1"]
    assert seg(in_ack, "AK1") == ["AK1", "IN", "2"]
    assert seg(in_ack, "AK2") == ["AK2", "810", "0001"]
    assert seg(in_ack, "AK5") == ["AK5", "R", "1"]
    assert seg(in_ack, "AK9") == ["AK9", "R", "1", "1", "0", "1"]
    assert [o.po_number for o in rows(db, t.orders)] == ["N-1"]


def test_a_truncated_850_is_rejected_and_the_interchange_noted_with_ta1_e_023(db, ingest):
    [document] = ingest(truncated_850()).documents
    assert document.status == "failed"
    [ack] = replies(db, "997")
    assert ack.problems == []
    assert ack.service == [["TA1", "000000011", "261120", "0930", "E", "023"]]
    ts = ack.only_set("997")
    assert seg(ts, "AK5") == ["AK5", "R", "2"]  # 2: transaction set trailer missing
    assert seg(ts, "AK9")[:5] == ["AK9", "R", "1", "1", "0"]
    assert rows(db, t.orders) == []


def test_an_isa_alone_gets_ta1_e_023(db, ingest):
    [document] = ingest(isa_only()).documents
    assert document.status == "failed"
    [message] = outbox(db)
    ta1 = read_reply(message.payload)
    assert (message.kind, ta1.sets) == ("TA1", [])
    assert ta1.service == [["TA1", "000000012", "261120", "0930", "E", "023"]]


# ------------------------------------------------------------------------------ known bugs
def values_that_do_not_fit() -> list:
    return [
        pytest.param(po_850("P" * 70), id="PO number of 70 characters"),
        pytest.param(po_850("BIG-1", sku("HW-1001", qty="1" + "0" * 15)), id="quantity of 10^15"),
        pytest.param(po_850("UOM-1", sku("HW-1001", uom="CARTONS-OF-12")), id="unit of measure of 13 characters"),
        pytest.param(po_850("PRICE-1", sku("HW-1001", price="1" + "0" * 15)), id="unit price of 10^15"),
        pytest.param(po_850("ID-1", sku("H" * 65)), id="product id of 65 characters"),
    ]


@pytest.mark.parametrize("bad_set", values_that_do_not_fit())
def test_a_value_too_big_for_its_column_never_sinks_the_neighbouring_sets(db, ingest, request, bad_set):
    [document] = ingest(interchange(bad_set, po_850("OK-1"), control=20)).documents
    assert "internal error" not in (document.error or "")
    assert "OK-1" in [o.po_number for o in rows(db, t.orders)]
    [ack] = replies(db, "997")
    assert len(segs(ack.only_set("997"), "AK2")) == 2
    # Rejected by the mapping with AK4 code 5 (too long), not left to the database.
    assert [ak5[1] for ak5 in segs(ack.only_set("997"), "AK5")] == ["R", "A"]
    assert any(ak4[3] == "5" for ak4 in segs(ack.only_set("997"), "AK4"))


def test_two_groups_with_the_same_control_number_do_not_fail_the_document(db, ingest):
    content = interchange(control=21, groups=[group(po_850("D-1"), control=1),
                                              group(po_850("D-2"), control=1)])
    [document] = ingest(content).documents
    assert "internal error" not in (document.error or "")
    assert "D-1" in [o.po_number for o in rows(db, t.orders)]


def test_a_complete_resend_of_a_truncated_interchange_is_processed_not_rejected_as_duplicate(db, ingest):
    """The partner's fix for a file cut in transit is sending it again, same ISA13."""
    [cut] = ingest(truncated_850()).documents
    assert cut.status == "failed"
    [resend] = ingest(order_file("T-1", control=11)).documents
    assert resend.status == "processed"
    assert [(o.po_number, o.status) for o in resend.orders] == [("T-1", "accepted")]
    ta1s = [reply.service for reply in replies(db, "997") + replies(db, "TA1") if reply.service]
    assert all(ta1[0][5] != "025" for ta1 in ta1s)  # never rejected as a duplicate
    [interchange] = rows(db, t.interchanges)
    assert (interchange.document_id, interchange.status) == (resend.document_id, "accepted")
    # A third copy now is a real duplicate.
    [again] = ingest(order_file("T-1", control=11) + b"\n").documents
    assert again.status == "duplicate"


def test_an_edifact_resend_after_a_missing_unz_is_processed(db, ingest):
    message = ("UNH+1+ORDERS:D:96A:UN'BGM+220+EU-T-1+9'LIN+1++HW-1001:SA'QTY+21:2'UNS+S'"
               "UNT+6+1'")
    head = "UNA:+.? 'UNB+UNOC:3+5412345000013:14+ORDERGATE+261120:0930+TRUNC1'"
    [cut] = ingest((head + message).encode("latin-1")).documents
    assert [o.po_number for o in cut.orders] == ["EU-T-1"]  # the message itself was whole
    [resend] = ingest((head + message + "UNZ+1+TRUNC1'").encode("latin-1")).documents
    assert resend.status == "processed"
    assert [(o.po_number, o.status) for o in resend.orders] == [("EU-T-1", "duplicate")]
    assert "already received" not in " ".join(resend.problems)


EDIFACT_SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "edifact"


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_mutated_edifact_never_crashes_the_pipeline_and_every_document_ends_decided(db, ingest):
    """Each mutation of the EDIFACT samples goes through the whole pipeline: stored, then
    processed, failed or duplicate, never an internal error; the good document after them
    in the same batch still becomes an order."""
    rng = random.Random(11)
    originals = [p.read_bytes() for p in sorted(EDIFACT_SAMPLES.glob("*.edi"))]
    service = b"'+:?UNA UNB UNZ UNH UNT\n"
    batch = []
    for _ in range(300):
        data = bytearray(rng.choice(originals))
        for _ in range(rng.randrange(1, 4)):
            at = rng.randrange(len(data))
            action = rng.randrange(3)
            if action == 0:
                data[at:at + 1] = bytes([rng.choice(service)])
            elif action == 1:
                del data[at:at + rng.randrange(1, 20)]
            else:
                data[at:at] = rng.choice([b"'", b"+", b"?", b"UNZ+1+X'", b"\xff\xfe", b"UNH+9+ORDERS:D:96A:UN'"])
        batch.append(bytes(data))
    report = ingest(*batch, order_file("AFTER-FUZZ", control=901))
    for document in report.documents:
        assert document.status in ("processed", "failed", "duplicate")
        assert "internal error" not in (document.error or ""), document.error
        if document.status == "failed":
            assert document.error
    statuses = {d.status for d in report.documents[:-1]}
    assert {"processed", "failed"} <= statuses  # the mutations exercised both outcomes
    assert [o.status for o in report.documents[-1].orders] == ["accepted"]


def test_a_resend_while_the_cut_copy_is_unfinished_fails_retryably_not_as_a_duplicate(
        db, ingest, monkeypatch):
    """Two workers: the cut copy has claimed the control number but not yet found its end
    (here: the process died before its 997). The resend must not be called a duplicate for
    good; it fails with a reason that says to process it again, which then works."""
    from ordergate.processing.x12 import intake as x12_intake
    from tests.kit.resume import Crash, crash_on_call

    crash_on_call(monkeypatch, x12_intake, "queue_997", 1, Crash())
    with pytest.raises(Crash):
        ingest(truncated_850())
    monkeypatch.undo()
    [waiting] = ingest(order_file("T-1", control=11)).documents
    assert waiting.status == "failed"
    assert "has not finished processing" in waiting.error and "again" in waiting.error
    assert replies(db, "TA1") == [] and not any(r.service for r in replies(db, "997"))

    [cut] = ingest(truncated_850()).documents  # the first copy's rerun finds it cut short
    assert cut.status == "failed"
    [resend] = ingest(order_file("T-1", control=11)).documents  # processed again: a retry
    assert resend.status == "processed"
    assert [(o.po_number, o.status) for o in resend.orders] == [("T-1", "accepted")]
