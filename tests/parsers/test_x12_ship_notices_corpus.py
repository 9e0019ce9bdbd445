"""The X12 reader against the third-party 856 ship notices in the corpus (../shared/corpus, or
$ORDERGATE_CORPUS): each reads without a ParseError or a problem, into as many 856 sets as the
file has ST*856 headers, each from its ST to its SE with the 856's BSN and HL segments.

Which files are 856s is decided from the bytes (the ISA's element separator, then ST<sep>856<sep>),
not by the reader under test. Without the corpus the tests skip, except in strict mode
(tests/kit/strict.py), where they fail.
"""

from __future__ import annotations

import re

import pytest

from ordergate.parsers.x12 import GroupEnd, InterchangeEnd, TransactionSet, iter_x12
from tests.kit.corpus import CORPUS, require_corpus

X12 = CORPUS / "x12"


def ship_notice_headers(data: bytes) -> int:
    """How many ST headers of set 856 the bytes hold (0 for a file that is not X12)."""
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text.startswith("ISA") or len(text) < 4:
        return 0
    separator = re.escape(text[3])
    return len(re.findall(f"(?:^|[^A-Za-z0-9])ST{separator}856{separator}", text))


def _ship_notices() -> list[str]:
    if not X12.is_dir():
        return []
    return sorted(str(path.relative_to(X12)) for path in X12.rglob("*")
                  if path.is_file() and ship_notice_headers(path.read_bytes()))


SHIP_NOTICES = _ship_notices()


@pytest.mark.parametrize("name", SHIP_NOTICES or [None])
def test_every_856_reads_into_its_transaction_sets(name: str | None) -> None:
    require_corpus(X12)
    assert name is not None, f"the corpus at {X12} holds no 856"
    data = (X12 / name).read_bytes()
    events = list(iter_x12(data))  # a ParseError fails the test here, naming the file
    sets = [e for e in events if isinstance(e, TransactionSet)]
    assert len(sets) > 0
    assert [tx.set_id for tx in sets].count("856") == ship_notice_headers(data)
    for tx in sets:
        tags = [seg[0] for seg in tx.segments]
        assert tags[0] == "ST" and tags[-1] == "SE"
        if tx.set_id == "856":
            assert tags[1] == "BSN" and "HL" in tags, tags[:5]
    problems = [str(p) for e in events if isinstance(e, (TransactionSet, GroupEnd, InterchangeEnd))
                for p in e.problems]
    assert problems == []


def test_ship_notice_headers_are_found_by_the_files_own_separator() -> None:
    assert ship_notice_headers(b"\xef\xbb\xbfISA|00|x~GS|SH~ST|856|0001~") == 1
    assert ship_notice_headers(b"ISA*00*x~\nST*856*1~ST*856*2~ST*855*3~") == 2
    assert ship_notice_headers(b"ISA*00*x~ST|856|0001~") == 0  # not this file's separator
    assert ship_notice_headers(b"UNA:+.? 'UNB+UNOC:3'") == 0
