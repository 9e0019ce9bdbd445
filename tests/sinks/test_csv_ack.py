"""The CSV order acknowledgement render: rows from stored orders, statuses, and the CSV itself."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from ordergate.orders.prepared import LINE_COLUMNS, PreparedOrder
from ordergate.orders.store import SavedOrder
from ordergate.sinks.csv.ack import (
    ACK_COLUMNS,
    render_csv_ack,
    row_for_rejected_po,
    rows_for_order,
)


def line(number: int, status: str = "accepted", reason: str | None = None, **values) -> tuple:
    """An order_lines row as the store keeps it, in LINE_COLUMNS order."""
    row = {"line_number": number, "sku": f"SKU-{number}", "buyer_part": f"BP-{number}",
           "quantity": Decimal("3.0000"), "uom": "CS", "unit_price": Decimal("16.5000"),
           "status": status, "reason": reason, **values}
    return tuple(row.get(column) for column in LINE_COLUMNS)


def saved(status: str, *lines: tuple, reasons: tuple[str, ...] = (), outcome: str = "new",
          order_id: int = 7) -> SavedOrder:
    order = PreparedOrder(
        source_key="P-1", channel="dropfolder", format="csv", partner_id="customer:ACME",
        customer_id="ACME", po_number="P-1", po_date=None, purpose="original", currency="USD",
        requested_date=None, status=status, hold_reasons=reasons, total=Decimal("0"), detail="{}",
        lines=lines)
    return SavedOrder(order, outcome, order_id, status, reasons)


def read(payload: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(payload.decode("utf-8"), newline="")))


def test_an_accepted_order_renders_one_row_per_line_with_tidy_numbers():
    payload = render_csv_ack(rows_for_order(saved("accepted", line(1), line(2, uom=None,
                                                                          unit_price=None))))
    assert read(payload) == [
        list(ACK_COLUMNS),
        ["P-1", "7", "1", "SKU-1", "BP-1", "3", "CS", "16.50", "accepted", ""],
        ["P-1", "7", "2", "SKU-2", "BP-2", "3", "", "", "accepted", ""],
    ]
    assert payload.count(b"\r\n") == 3


def test_line_statuses_the_render_does_not_know_pass_through_with_their_reasons():
    rows = rows_for_order(saved("accepted", line(1, "backordered", "2 ship now, 1 later"),
                                line(2, "changed", "our price 16.50"),
                                line(3, "substituted", "SKU-9 instead")))
    assert [(r.status, r.reason) for r in rows] == [
        ("backordered", "2 ship now, 1 later"), ("changed", "our price 16.50"),
        ("substituted", "SKU-9 instead")]


def test_lines_of_a_held_order_wait_with_it_unless_refused_themselves():
    reason = "line 2: unknown item (tried vendor part 'X-1')"
    rows = rows_for_order(saved("held", line(1), line(2, "unknown_item", reason),
                                line(3, "changed", "our price 9.75"), reasons=(reason,)))
    assert [(r.status, r.reason) for r in rows] == [
        ("held", reason), ("unknown_item", reason), ("held", f"{reason}; our price 9.75")]


def test_every_line_of_a_duplicate_po_is_a_duplicate_pointing_at_the_original():
    because = ("PO P-1 was already received as order 3",)
    rows = rows_for_order(saved("duplicate", line(1), line(2), reasons=because,
                                outcome="duplicate", order_id=3))
    assert [(r.order_id, r.status, r.reason) for r in rows] == [(3, "duplicate", because[0])] * 2


def test_a_rejected_po_is_one_row_and_text_with_commas_and_quotes_survives():
    reason = 'row 5, column \'Qty\': "lots" is not a number; Größe 10'
    payload = render_csv_ack([row_for_rejected_po("P-9", reason)])
    assert read(payload)[1] == ["P-9", "", "", "", "", "", "", "", "rejected", reason]
    assert "Größe".encode("utf-8") in payload


def test_an_empty_ack_is_just_the_header():
    assert read(render_csv_ack([])) == [list(ACK_COLUMNS)]


def test_a_held_line_whose_own_reason_is_an_order_reason_says_it_once():
    price = "line 1: PO price 99.00 differs from our price 16.50 by +82.50 (500.0 %, tolerance 2.0 %)"
    unknown = "line 2: unknown item (tried vendor part 'X-1')"
    rows = rows_for_order(saved("held", line(1, "accepted", price),
                                line(2, "unknown_item", unknown),
                                line(3, "changed", f"3 CS converted to 36 EA; {price}"),
                                reasons=(price, unknown)))
    assert [r.reason for r in rows] == [
        f"{price}; {unknown}", unknown, f"{price}; {unknown}; 3 CS converted to 36 EA"]
    [_, first, *_] = read(render_csv_ack(rows))
    assert first[-1].count(price) == 1


FORMULA = "=cmd|' /C calc'!A0"


def test_sender_text_a_spreadsheet_would_run_is_written_as_text():
    rows = rows_for_order(saved("accepted", line(1, buyer_part=FORMULA, sku="+SUM(A1)", uom="@X"),
                                line(2, buyer_part="-2+3", sku="\tTAB", uom="\rCR")))
    rows.append(row_for_rejected_po("=HYPERLINK(\"http://x\")", "-bad row"))
    table = read(render_csv_ack(rows))
    assert table[1][3:7] == ["'+SUM(A1)", "'" + FORMULA, "3", "'@X"]
    assert table[2][3:7] == ["'\tTAB", "'-2+3", "3", "'\rCR"]
    assert table[3][0] == "'=HYPERLINK(\"http://x\")" and table[3][-1] == "'-bad row"


def test_negative_numbers_we_write_stay_numbers():
    rows = rows_for_order(saved("rejected", line(1, "rejected", "line 1: quantity -5 is not a "
                                                 "positive number", quantity=Decimal("-5.0000"),
                                                 unit_price=Decimal("-12.5000"))))
    [_, first] = read(render_csv_ack(rows))
    assert first[5] == "-5" and first[7] == "-12.50"
