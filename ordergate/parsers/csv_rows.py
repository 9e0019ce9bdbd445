"""What a CSV reader cannot say about the rows it gives: that one ran over several lines.

A quote that is never closed makes the rest of the file one field, so the rows after it are
never read as rows; the symptom that reaches the checks ("ship_date: '' is not a date") sends
a person looking in the wrong place. A quoted field may hold a line break, but none of the
files we read (shipment confirmations, payments) has a reason to, so a row that spans lines
is named as such, with the lines it took.
"""

from __future__ import annotations


def spanning_problem(name: str, first: int, last: int, cells: list[str]) -> str | None:
    """Why the row read from lines ``first``..``last`` of ``name`` is not one, or None."""
    if last > first and any("\n" in cell or "\r" in cell for cell in cells):
        return (f"{name} lines {first}-{last}: a quoted field runs over {last - first + 1} "
                f"lines (a quote that is never closed?); the rows inside it were not read")
    return None
