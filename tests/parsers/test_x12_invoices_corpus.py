"""The X12 reader against the third-party 810 invoices in the corpus (../shared/corpus, or
$ORDERGATE_CORPUS): each reads without a ParseError or a problem, into as many 810 sets as the
file has ST*810 headers, each from its ST to its SE with the 810's BIG first, a TDS, and a CTT
counting the set's IT1 segments (CTT01 as the 810 defines it), so no line was lost or split off.

Which files are 810s is decided from the bytes (the ISA's element separator, then ST<sep>810<sep>),
not by the reader under test. Without the corpus the tests skip, except in strict mode
(tests/kit/strict.py), where they fail.
"""

from __future__ import annotations

import re

import pytest

from ordergate.parsers.x12 import GroupEnd, InterchangeEnd, TransactionSet, iter_x12
from tests.kit.corpus import CORPUS, require_corpus

X12 = CORPUS / "x12"


def invoice_headers(data: bytes) -> int:
    """How many ST headers of set 810 the bytes hold (0 for a file that is not X12)."""
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text.startswith("ISA") or len(text) < 4:
        return 0
    separator = re.escape(text[3])
    return len(re.findall(f"(?:^|[^A-Za-z0-9])ST{separator}810{separator}", text))


def _invoices() -> list[str]:
    if not X12.is_dir():
        return []
    return sorted(str(path.relative_to(X12)) for path in X12.rglob("*")
                  if path.is_file() and invoice_headers(path.read_bytes()))


INVOICES = _invoices()


@pytest.mark.parametrize("name", INVOICES or [None])
def test_every_810_reads_into_its_transaction_sets(name: str | None) -> None:
    require_corpus(X12)
    assert name is not None, f"the corpus at {X12} holds no 810"
    data = (X12 / name).read_bytes()
    events = list(iter_x12(data))  # a ParseError fails the test here, naming the file
    sets = [e for e in events if isinstance(e, TransactionSet)]
    assert [tx.set_id for tx in sets].count("810") == invoice_headers(data)
    for tx in sets:
        tags = [seg[0] for seg in tx.segments]
        assert tags[0] == "ST" and tags[-1] == "SE"
        if tx.set_id == "810":
            assert tags[1] == "BIG" and "TDS" in tags, tags[:5]
            [ctt] = [seg for seg in tx.segments if seg[0] == "CTT"]
            assert ctt[1] == str(tags.count("IT1"))
    problems = [str(p) for e in events if isinstance(e, (TransactionSet, GroupEnd, InterchangeEnd))
                for p in e.problems]
    assert problems == []


def test_invoice_headers_are_found_by_the_files_own_separator() -> None:
    assert invoice_headers(b"\xef\xbb\xbfISA|00|x~GS|IN~ST|810|0001~") == 1
    assert invoice_headers(b"ISA*00*x~\nST*810*1~ST*810*2~ST*856*3~") == 2
    assert invoice_headers(b"ISA*00*x~ST|810|0001~") == 0  # not this file's separator
    assert invoice_headers(b"UNA:+.? 'UNB+UNOC:3'") == 0
