"""The run's artifacts in the Prefect UI show a sender's text as text: controls escaped, and
in the Markdown page no link, image, HTML or extra table cell of the sender's making."""

from decimal import Decimal

from ordergate.flows.artifacts import holds_markdown, order_rows
from ordergate.processing.report import DocumentReport, IngestReport, OrderReport

PO = "PO|1 [click](http://evil.example) \x1b[31m"
REASON = "line 1: unit K\u202eG is not ours\n## forged heading <img src=x>"


def hostile_report() -> IngestReport:
    held = OrderReport(order_id=3, po_number=PO, customer_id="ACME", status="held",
                       hold_reasons=[REASON], total=Decimal("33.00"), currency="USD")
    return IngestReport(documents=[
        DocumentReport(path="/in/ACME/po\x1b[2J.csv", document_id=1, format="csv",
                       status="processed", orders=[held]),
        DocumentReport(path="/in/x|y.edi", document_id=2, format="x12", status="failed",
                       error="interchange comes from ZZ:\x1b[31mEVIL")])


def test_table_cells_are_printable():
    rows = order_rows(hostile_report())
    cells = [value for row in rows for value in row.values()]
    assert not any(char in cell for cell in cells for char in "\x1b\u202e\n")
    assert rows[0]["file"] == "po\\x1b[2J.csv" and rows[0]["po"] == PO.replace("\x1b", "\\x1b")
    assert rows[0]["note"] == "line 1: unit K\\u202eG is not ours\\n## forged heading <img src=x>"
    assert rows[1]["note"] == "interchange comes from ZZ:\\x1b[31mEVIL"


def test_the_holds_page_shows_sender_text_literally():
    page = holds_markdown(hostile_report())
    assert not any(char in page for char in "\x1b\u202e")
    lines = page.splitlines()
    # one heading per held order and per failed document, none forged by the reason
    assert [line for line in lines if line.startswith("#")] == [
        "# Holds and rejections",
        "## PO PO\\|1 \\[click\\]\\(http://evil.example\\) \\\\x1b\\[31m (ACME) — held, order 3, "
        "document 1",
        "## Document 2 (x\\|y.edi) — failed"]
    assert ("- line 1: unit K\\\\u202eG is not ours\\\\n\\#\\# forged heading \\<img src=x\\>"
            in lines)
    assert "- interchange comes from ZZ:\\\\x1b\\[31mEVIL" in lines


def test_the_standing_pages_list_open_holds_and_what_needs_attention(prefect_harness,
                                                                       ordergate_home):
    """Across runs: every open hold with its age and the commands that resolve it; failed
    documents, undelivered messages; a new version only when the content changed."""
    import shutil
    from datetime import datetime, timedelta, timezone
    from pathlib import Path

    from prefect.artifacts import Artifact

    from ordergate.flows.artifacts import (
        ATTENTION_KEY,
        HOLDS_KEY,
        attention_page,
        holds_page,
        refresh_standing,
    )
    from ordergate.processing.dropfolder_run import ingest_paths

    settings, engine = ordergate_home
    samples = Path(__file__).resolve().parents[2] / "samples" / "x12"
    work = settings.home / "work"
    work.mkdir()
    for name in ("acme_two_orders.edi", "not_an_order.edi"):
        shutil.copy(samples / name, work / name)
    report = ingest_paths(engine, settings, sorted(work.iterdir()), actor="test")
    [held] = [o for d in report.documents for o in d.orders if o.status == "held"]
    [bad] = [d for d in report.documents if d.status == "failed"]

    later = datetime.now(timezone.utc) + timedelta(hours=50)
    holds = holds_page(engine, later)
    assert f"## PO {held.po_number} · ACME — order {held.order_id}, held 2 d" in holds
    assert f"`ordergate holds release {held.order_id}`" in holds
    assert "unknown item" in holds
    attention = attention_page(engine, later)
    assert f"document {bad.document_id} · not\\_an\\_order.edi" in attention
    assert f"`ordergate replay {bad.document_id}`" in attention

    assert refresh_standing(engine) == 2
    assert Artifact.get(HOLDS_KEY).data.count(f"order {held.order_id}") == 1
    assert "not\\_an\\_order.edi" in Artifact.get(ATTENTION_KEY).data
    assert refresh_standing(engine) == 0  # nothing changed: no new version


def test_a_delivery_that_fails_fails_the_run_with_its_error(prefect_harness, ordergate_home):
    from datetime import datetime, timezone

    from ordergate.flows.outbox_flow import deliver_outbox
    from ordergate.outbox.queue import OutboundMessage, queue_messages

    settings, engine = ordergate_home
    settings.outbox.mkdir(parents=True, exist_ok=True)
    (settings.outbox / "BLOCKED").write_text("a file where a folder should be")
    with engine.begin() as conn:
        queue_messages(conn, [OutboundMessage(
            dedupe_key="997:x", kind="997", partner_id="ZZ:ACMEBUY", customer_id="ACME",
            destination="BLOCKED", filename="997_1.x12", payload=b"ISA*~")],
            datetime.now(timezone.utc))
    state = deliver_outbox(return_state=True)
    assert state.is_failed()
    assert "1 of 1 messages could not be delivered: 997 997_1.x12 to BLOCKED: try 1 failed" \
        in state.message and "BLOCKED" in state.message.rsplit(":", 1)[-1]


def test_the_daily_report_is_an_artifact_with_its_charts(prefect_harness, ordergate_home):
    import shutil
    from pathlib import Path

    from prefect.artifacts import Artifact

    from ordergate.flows.report_flow import REPORT_KEY, daily_report
    from ordergate.processing.dropfolder_run import ingest_paths

    settings, engine = ordergate_home
    work = settings.home / "report-work"
    work.mkdir()
    shutil.copy(Path(__file__).resolve().parents[2] / "samples" / "x12" / "acme_two_orders.edi",
                work / "po.edi")
    ingest_paths(engine, settings, [work / "po.edi"], actor="test")
    assert daily_report() == 2
    page = Artifact.get(REPORT_KEY).data
    assert page.startswith("# Operations report") and "unknown item" in page
    assert page.count("](data:image/png;base64,") >= 3
