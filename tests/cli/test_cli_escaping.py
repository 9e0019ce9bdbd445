"""What a sender wrote reaches the operator's terminal escaped: an escape sequence in an ISA06,
a bidi override or a line break in a PO number or unit, in every listing and summary; the JSON
outputs stay valid and give the text back as received."""

import csv
import json
from pathlib import Path

from ordergate.cli import main
from tests.kit.x12 import order_file, sku

ROOT = Path(__file__).resolve().parents[2]
RAW = ("\x1b", "\u202e", "\x9b", "\x07")


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def assert_nothing_raw(out: str) -> None:
    assert not [char for char in RAW if char in out], out


def home(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ORDERGATE_DATABASE_URL", raising=False)
    assert run(capsys, "seed", str(ROOT / "samples" / "masterdata"))[0] == 0


def test_an_escape_sequence_in_an_unknown_isa06_is_shown_escaped(tmp_path, monkeypatch, capsys):
    home(tmp_path, monkeypatch, capsys)
    sender = "\x1b[31mEVIL\u202e"
    content = order_file("PO-1", sku("HW-1001"), sender=("ZZ", "EVILSENDER"))
    content = content.replace(b"EVILSENDER     ", sender.encode() + b" " * 6, 1)  # ISA06, 15 wide
    path = tmp_path / "po\x1b[2J.edi"
    path.write_bytes(content)

    code, out = run(capsys, "ingest", str(path))
    assert code == 1
    assert_nothing_raw(out)
    assert "ZZ:\\x1b[31mEVIL\\u202e, which no customer has" in out  # in the table and under why:
    assert "po\\x1b[2J.edi" in out

    code, out = run(capsys, "documents", "list")
    assert_nothing_raw(out)
    assert "ZZ:\\x1b[31mEVIL\\u202e" in out and "po\\x1b[2J.edi" in out
    code, out = run(capsys, "documents", "show", "1")
    assert_nothing_raw(out)
    assert "error: interchange 000000001 comes from ZZ:\\x1b[31mEVIL\\u202e" in out

    for argv in (("documents", "list", "--json"), ("replay", "1", "--json")):
        code, out = run(capsys, *argv)
        assert_nothing_raw(out)
        assert out.isascii()
        document = json.loads(out)["documents"][0]
        assert f"ZZ:{sender}," in document["error"]  # JSON gives back what was received


def test_held_orders_show_sender_text_escaped_in_every_listing(tmp_path, monkeypatch, capsys):
    home(tmp_path, monkeypatch, capsys)
    # (an ESC byte makes the sniffer take the file for binary; the 8-bit CSI \x9b starts an
    # escape sequence as well)
    po, unit = "P-\u202e1\nFAKE", "K\x9b2JG"
    path = tmp_path / "po.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["po_number", "sku", "quantity", "uom", "unit_price", "ship_to_name",
                         "ship_to_street", "ship_to_city", "ship_to_postal_code", "ship_to_country"])
        writer.writerow([po, "HW-1001", "2", unit, "16.50", "Acme DC East", "400 Industrial Pkwy",
                         "Columbus", "43215", "US"])

    code, out = run(capsys, "ingest", str(path), "--customer", "ACME")
    assert_nothing_raw(out)
    shown_po, shown_unit = "P-\\u202e1\\nFAKE", "K\\x9b2JG"
    assert f"PO {shown_po} (held): line 1: unit {shown_unit} is not HW-1001's unit CS" in out
    assert "\nFAKE" not in out  # the line break in the PO number made no line of its own

    code, out = run(capsys, "ingest", str(path), "--customer", "ACME", "--json")
    assert_nothing_raw(out) and out.isascii()

    for argv in (("orders", "list"), ("orders", "show", "1"), ("holds", "list"),
                 ("outbox", "list")):
        code, out = run(capsys, *argv)
        assert code == 0
        assert_nothing_raw(out)
        assert "\nFAKE" not in out
    _, out = run(capsys, "holds", "list")
    assert f"PO {shown_po}" in out and f"unit {shown_unit} is not" in out
    _, out = run(capsys, "orders", "show", "1")
    assert f"PO {shown_po}" in out and f"hold: line 1: unit {shown_unit}" in out

    code, out = run(capsys, "holds", "reject", "1", "--reason", "no \x1b[5mblinking\x1b[0m units")
    assert_nothing_raw(out)
    assert "no \\x1b[5mblinking\\x1b[0m units" in out

    for argv in (("orders", "show", "1", "--json"), ("holds", "list", "--json"),
                 ("orders", "list", "--json")):
        code, out = run(capsys, *argv)
        assert_nothing_raw(out) and out.isascii()
        json.loads(out)
    _, out = run(capsys, "orders", "show", "1", "--json")
    assert json.loads(out)["summary"]["po_number"] == po


def test_log_lines_of_a_command_are_escaped_without_the_flows_package(tmp_path):
    """The command line installs the log escaping itself: ``orders list`` never imports the
    flows package, which installs it for the flows."""
    import os
    import subprocess
    import sys

    probe = ("import logging, sys\n"
             "from ordergate.cli import main\n"
             "assert main(['orders', 'list']) == 0\n"
             "assert 'ordergate.flows' not in sys.modules\n"
             "logging.getLogger('ordergate.probe').warning('moved %s', 'po\\x1b[2J.edi')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERGATE_")}
    env.update(PYTHONPATH=str(ROOT), ORDERGATE_HOME=str(tmp_path / "home"))
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "moved po\\x1b[2J.edi" in done.stderr and "\x1b" not in done.stderr
