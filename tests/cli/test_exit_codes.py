"""One rule for every command: 0 all good, 1 something to look at failed or is held (or a
transient problem), 2 usage or configuration; every error a line on stderr, never a traceback."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from ordergate.cli import EXIT_CODES, exit_code_for
from ordergate.errors import (
    ConfigError,
    DocumentError,
    MappingError,
    OrdergateError,
    ParseError,
    TransientError,
    UsageError,
)
from ordergate.mappings.edifact_values import EdifactValueError
from ordergate.mappings.tabular_orders import CellError
from ordergate.mappings.x12_values import ElementError
from ordergate.masterdata.problems import MasterDataError, Problem
from ordergate.parsers.email.auth import AuthResultsSyntaxError
from ordergate.processing.holds import HoldError
from ordergate.sources.mailbox import MailboxLoginError, MailboxUnavailable

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.mark.parametrize(("error", "code"), [
    (ConfigError("bad profile"), 2),
    (MasterDataError([Problem("items.csv", 3, "price", "'x' is not a number")]), 2),
    (MailboxLoginError("the server refused the login"), 2),
    (UsageError("no order 7"), 2),
    (HoldError("order 7 is accepted, not held"), 2),
    (TransientError("server busy"), 1),
    (MailboxUnavailable("cannot reach IMAP server"), 1),
    (DocumentError("not a format ordergate reads"), 1),
    (ParseError("no ISA", position=0), 1),
    (MappingError("no PO number", partner="ACME"), 1),
    (OrdergateError("something of ours"), 1),
])
def test_each_error_kind_has_its_exit_code_and_one_line(error, code):
    got_code, line = exit_code_for(error)
    assert got_code == code
    assert line.startswith("ordergate: ") and str(error) in line and "\n" not in line


def test_a_transient_error_says_that_trying_again_may_help():
    assert exit_code_for(TransientError("server busy"))[1].endswith("(this may pass: try again later)")


def test_an_unexpected_error_is_no_kind_of_the_table():
    assert exit_code_for(ValueError("a bug")) is None
    assert {code for _kind, code, _line in EXIT_CODES} == {1, 2}


@pytest.mark.parametrize("error", [
    CellError("'12x' is not a number"),
    ElementError("bad date", segment_id="DTM", index=3, element_position=2, element_ref="373",
                 element_code="8"),
    EdifactValueError("bad qualifier", tag="NAD", index=4, code="12"),
    AuthResultsSyntaxError("no authserv-id"),
])
def test_errors_about_a_document_are_document_errors(error):
    """Errors that cross from a reader into the stage that maps a document are the sender's
    fault: were one to reach the command line, it exits 1 like any failed document."""
    assert isinstance(error, DocumentError)
    assert exit_code_for(error)[0] == 1


def test_a_bad_setting_exits_2_with_one_line(cli, monkeypatch):
    monkeypatch.setenv("ORDERGATE_X12_ID", "no-qualifier")
    ran = cli("orders", "list")
    assert ran.code == 2
    assert ran.err.startswith("ordergate: bad setting: ") and "qualifier:id" in ran.err
    assert "Traceback" not in ran.err


def test_what_does_not_exist_exits_2_with_one_line(cli):
    assert cli("db", "upgrade").code == 0
    for argv, message in ((("orders", "show", "999"), "no order 999"),
                          (("documents", "show", "999"), "no document 999"),
                          (("replay", "999"), "no document 999"),
                          (("holds", "release", "999"), "999")):
        ran = cli(*argv)
        assert (ran.code, ran.out) == (2, ""), argv
        assert ran.err.startswith("ordergate: ") and message in ran.err, ran.err
        assert ran.err.count("\n") == 1, ran.err


def test_replaying_a_processed_document_is_a_usage_error(cli):
    assert cli("seed", str(SAMPLES / "masterdata")).code == 0
    assert cli("ingest", "--no-deliver", str(SAMPLES / "x12" / "acme_two_orders.edi")).code == 0
    ran = cli("replay", "1")
    assert ran.code == 2 and "is already processed; nothing to replay" in ran.err


def test_a_home_that_is_a_file_is_a_configuration_error(cli, tmp_path, monkeypatch):
    home = tmp_path / "not-a-folder"
    home.write_text("")
    monkeypatch.setenv("ORDERGATE_HOME", str(home))
    ran = cli("orders", "list")
    assert ran.code == 2
    assert ran.err.startswith(f"ordergate: cannot use ORDERGATE_HOME {home}: ") and "Traceback" not in ran.err


def test_a_database_server_that_does_not_answer_is_a_configuration_error(cli, monkeypatch):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("ORDERGATE_DATABASE_URL", f"postgresql://ordergate@127.0.0.1:{port}/ordergate")
    for argv in (("orders", "list"), ("db", "upgrade")):
        ran = cli(*argv)
        assert ran.code == 2, argv
        assert ran.err.startswith("ordergate: cannot use the database at ") and ran.err.count("\n") == 1


def test_a_failed_document_exits_1_and_a_held_release_exits_1(cli):
    assert cli("seed", str(SAMPLES / "masterdata")).code == 0
    ran = cli("ingest", "--json", str(SAMPLES / "x12" / "not_an_order.edi"))
    assert ran.code == 1 and json.loads(ran.out)["documents"][0]["status"] == "failed"
    ran = cli("ingest", "--json", "--no-deliver", str(SAMPLES / "x12" / "acme_two_orders.edi"))
    assert ran.code == 0  # a held order waits in `holds list`; the document itself is fine
    (held,) = json.loads(cli("holds", "list", "--json").out)["holds"]
    assert cli("holds", "release", str(held["order_id"])).code == 1


def test_an_unexpected_error_is_one_line_and_its_traceback_goes_to_the_log(cli, tmp_path, monkeypatch):
    """A bug (here: one put into the order listing) is named in one line; the traceback is
    kept in ORDERGATE_HOME/errors.log for whoever fixes it."""
    from ordergate.orders import queries

    def broken(*_args, **_kwargs):
        raise RuntimeError("the listing broke")

    assert cli("db", "upgrade").code == 0
    monkeypatch.setattr(queries, "list_orders", broken)
    ran = cli("orders", "list", "--limit", "5")
    log = tmp_path / "home" / "errors.log"
    assert ran.code == 1
    assert ran.err == (f"ordergate: internal error: RuntimeError: the listing broke; "
                       f"details in {log}\n")
    written = log.read_text()
    assert "ordergate orders list --limit 5" in written
    assert "Traceback (most recent call last)" in written and "RuntimeError: the listing broke" in written


def test_a_bad_option_is_a_usage_error_on_one_line(cli, capsys):
    for argv, message in (
            (("outbox", "list", "--status", "lost"), "ordergate outbox list: argument --status: "
                                                      "invalid choice: 'lost'"),
            (("ship", "1", "--line", "1=-5", "--carrier", "UPSN", "--tracking", "T"),
             "ordergate ship: argument --line: '1=-5' is not LINE=QUANTITY"),
            (("ship", "1", "--line", "1=1e-30", "--carrier", "UPSN", "--tracking", "T"),
             "'1=1e-30' is not LINE=QUANTITY"),
            (("returns", "create", "1", "--reason", "x\x1b[2J", "--line", "99999999999=1"),
             "'99999999999=1' is not LINE=QUANTITY"),
            (("pick", "--order", "\x1b[2J"), "argument --order: '\\x1b[2J' is not an id")):
        with pytest.raises(SystemExit) as stopped:
            cli(*argv)
        err = capsys.readouterr().err
        assert stopped.value.code == 2, argv
        assert err.startswith("ordergate ") and message in err and err.count("\n") == 1, err
        assert "usage:" not in err and "\x1b" not in err


@pytest.mark.parametrize("argv", [
    ("ship", "99999999999999999999999", "--carrier", "UPSN", "--tracking", "T"),
    ("orders", "show", "99999999999999999999999"),
    ("orders", "cancel", "9223372036854775808", "--reason", "r"),
    ("invoices", "show", "99999999999999999999999"),
    ("holds", "release", "99999999999999999999999", "--reviewed"),
    ("documents", "show", "0"),
])
def test_an_id_past_what_the_database_holds_is_a_usage_error_not_a_crash(cli, capsys, argv):
    with pytest.raises(SystemExit) as stopped:
        cli(*argv)
    err = capsys.readouterr().err
    assert stopped.value.code == 2
    assert "is not an id (a whole number from 1 to 9223372036854775807)" in err
    assert err.count("\n") == 1 and "internal error" not in err




def test_a_locked_database_is_transient(cli, tmp_path, monkeypatch):
    """Another process holds SQLite's write lock past the busy timeout: exit 1, try again."""
    import sqlite3

    from ordergate.store import db

    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 50)  # read as each connection is set up
    (tmp_path / "home").mkdir()
    holder = sqlite3.connect(tmp_path / "home" / "ordergate.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, held for the whole command
    try:
        ran = cli("orders", "list")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert ran.code == 1
    assert ran.err == ("ordergate: the database is busy: database is locked "
                       "(this may pass: try again later)\n")


def test_only_a_lock_makes_a_database_error_transient():
    import sqlite3

    from ordergate.cli.command import busy_database

    assert isinstance(busy_database(sqlite3.OperationalError("database is locked")), TransientError)
    assert busy_database(sqlite3.OperationalError("no such table: orders")) is None
    assert busy_database(ValueError("database is locked")) is None
