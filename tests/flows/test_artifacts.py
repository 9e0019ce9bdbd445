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
