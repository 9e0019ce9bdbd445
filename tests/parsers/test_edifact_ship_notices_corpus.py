"""The EDIFACT reader on every despatch advice (DESADV) of the third-party corpus
(../shared/corpus, or $ORDERGATE_CORPUS): each is read without an exception and yields its
DESADV message, with the despatch advice's BGM.

The files are found by the message type their UNH declares, read from the raw text with the
separators their UNA gives (ISO 9735 defaults without one), so a file the reader would
misread is still found. Without the corpus the tests skip, except in strict mode
(tests/kit/strict.py), where they fail.
"""

from __future__ import annotations

import re

import pytest

from ordergate.parsers.edifact import Message, iter_edifact
from tests.kit.corpus import CORPUS, require_corpus

EDIFACT = CORPUS / "edifact"


def declares_desadv(data: bytes) -> bool:
    """Whether a UNH in ``data`` names the message type DESADV (S009 0065). Line breaks are
    dropped first: some files wrap their text at a fixed width, inside values too."""
    text = re.sub(r"[\r\n]", "", data.decode("latin-1")).lstrip("\ufeff\xef\xbb\xbf \t")
    una = text.startswith("UNA") and len(text) > 4
    component, element = (text[3], text[4]) if una else (":", "+")
    e, c = re.escape(element), re.escape(component)
    return re.search(rf"UNH\s*{e}[^{e}]*{e}\s*DESADV\s*(?:{c}|{e})", text) is not None


def desadv_files() -> list[str]:
    if not EDIFACT.is_dir():
        return []
    return sorted(str(path.relative_to(EDIFACT)) for path in EDIFACT.rglob("*")
                  if path.is_file() and declares_desadv(path.read_bytes()))


FILES = desadv_files()


def test_the_corpus_has_despatch_advices():
    require_corpus(EDIFACT)
    # The corpus's D96A DESADV (php-edifact's test file), and its copy with a UTF-8 name in it.
    assert {"other/phpedifact__D96ADESADV.edi", "other/phpedifact__example_utf8.edi"} <= set(FILES)


@pytest.mark.parametrize("name", FILES or [None])
def test_every_despatch_advice_reads_as_desadv(name: str | None) -> None:
    if name is None:
        require_corpus(EDIFACT)
    data = (require_corpus(EDIFACT) / name).read_bytes()
    messages = [event for event in iter_edifact(data) if isinstance(event, Message)]
    desadvs = [m for m in messages if m.message_type == "DESADV"]
    assert desadvs, [m.identifier for m in messages]
    for message in desadvs:
        assert message.segments[0].tag == "UNH" and message.segments[1].tag == "BGM"
        bgm = message.segments[1].elements[0]
        assert (bgm[0] if isinstance(bgm, list) else bgm) == "351"  # 1001 despatch advice


def test_the_search_finds_a_despatch_advice_by_its_unh_alone():
    assert declares_desadv(b"UNB+UNOC:3+A+B+260101:0000+1'UNH+1+DESADV:D:96A:UN'")
    assert declares_desadv(b"UNA^*.? $UNB*UNOA^2*A*B*260101^0000*1$UNH*7*DESADV^D^96A^UN$")
    assert declares_desadv(b"UNB+UNOC:3+A+B+260101:0000+1'\nUNH+1+DES\r\nADV:D:96A:UN'")
    assert not declares_desadv(b"UNB+UNOC:3+A+B+260101:0000+1'UNH+1+ORDERS:D:96A:UN'"
                               b"FTX+AAI+++DESADV follows'")
    assert not declares_desadv(b"UNH+1+DESADVX:D:96A:UN'")
