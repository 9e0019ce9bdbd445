"""Cells a spreadsheet would evaluate are written as text; plain numbers stay numbers."""

import csv
import io

import pytest

from ordergate.sinks.csv_safe import safe_cell, safe_writer


@pytest.mark.parametrize("value", ["=cmd|' /C calc'!A0", "+1+1", "-1+1", "@SUM(A1:A2)",
                                   "\t=1", "\r=1", "-", "+", "=", "-1e3", "--5", "-5-"])
def test_formula_leading_cells_get_a_quote(value):
    assert safe_cell(value) == "'" + value


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
