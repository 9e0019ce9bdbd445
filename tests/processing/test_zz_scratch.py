import random
from .x12kit import *
from ordergate.orders import tables as t

def show(db, report):
    for d in report.documents:
        print("DOC", d.document_id, d.status, repr(d.error), d.problems)
        for o in d.orders: print("   ", o.order_id, o.po_number, o.status, o.hold_reasons)
    for r in outbox(db):
        print(r.id, r.kind, r.dedupe_key, r.destination, r.filename); print(r.payload.decode())

def test_cases(sqlite_engine, ingest, db):
    good = order_file("GOOD-1", control=900)
    two = interchange(po_850("A-1"), po_850("A-2"), control=5)
    cases = {
      "empty": b"",
      "binary": random.Random(7).randbytes(300),
      "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
      "truncated": cut_before(order_file("T-1", control=2), "PO1*2"),
      "isa_only": order_file("I-1", control=3).split(b"\n")[0] + b"\n",
      "unknown_sender": order_file("U-1", control=4, sender=("ZZ","STRANGER")),
      "se_mismatch": replace_once(two, "SE*8*0002", "SE*9*0002"),
      "ge_mismatch": replace_once(interchange(po_850("G-1"), control=6), "GE*1*6", "GE*2*6"),
      "810": interchange(groups=[group(transaction(po_850("N-1"), 1, "810"), control=7, functional_id="IN")], control=7),
      "997in": interchange(groups=[group(transaction([["AK1","PR","1"],["AK9","A","1","1","1"]], 1, "997"), control=8, functional_id="FA")], control=8),
    }
    for name, c in cases.items():
        print("=====", name); print(c[:2000])
        show(db, ingest(c, good)) if False else None
        rep = ingest(c)
        for d in rep.documents:
            print("DOC", d.document_id, d.status, repr(d.error), d.problems)
            for o in d.orders: print("   ", o.order_id, o.po_number, o.status, o.hold_reasons)
            for ob in d.outbound: print("  ->", ob.kind, ob.path)
    for r in outbox(db):
        print(r.id, r.kind, r.dedupe_key, r.destination, r.filename); print(r.payload.decode())
    assert 0
