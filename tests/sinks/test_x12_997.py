"""The 997's AK2/AK5 loops rendered a chunk at a time read exactly as the whole-list path."""

from __future__ import annotations

from ordergate.parsers.x12 import (
    Delimiters,
    GroupHeader,
    InterchangeHeader,
    OutGroup,
    OutInterchange,
    X12Problem,
    segment_writer,
    write_interchange,
)
from ordergate.sinks.x12 import ack997
from ordergate.sinks.x12.ack997 import GroupAck, TransactionAck, build_997

DELIMITERS = Delimiters(element="*", component=">", repetition="^", segment="~")


def _group(sets: int) -> GroupAck:
    isa = ["ISA", "00", "", "00", "", "ZZ", "BUYER", "ZZ", "ORDERGATE", "240101", "1200", "U",
           "00401", "000000001", "0", "P", ">"]
    header = GroupHeader(gs=["GS", "PO", "BUYER", "ORDERGATE", "20240101", "1200", "7", "X",
                             "004010"], position=2,
                         interchange=InterchangeHeader(isa=isa, delimiters=DELIMITERS, position=1))
    group = GroupAck(header)
    for n in range(1, sets + 1):
        problems = []
        if n % 1000 == 0:  # now and then a set with a bad segment and element
            problems = [X12Problem(level="segment", code="5", message="bad", segment_id="PO1",
                                   segment_position_in_set=4, segment_code="8",
                                   element_position=2, element_ref="330", element_code="6",
                                   bad_value="A*B")]
        group.add(TransactionAck("850", f"{n:04d}", problems))
    return group


def _text(transaction) -> str:
    interchange = OutInterchange(sender=("ZZ", "ORDERGATE"), receiver=("ZZ", "BUYER"),
                                 control_number=1, delimiters=DELIMITERS, version="00401",
                                 groups=[OutGroup(functional_id="FA", sender_code="ORDERGATE",
                                                  receiver_code="BUYER", control_number=1,
                                                  version="004010",
                                                  transactions=[transaction])])
    return write_interchange(interchange)


def test_a_large_group_s_997_reads_the_same_rendered_in_chunks():
    group = _group(2 * ack997._CHUNK + 10)  # three chunks, the last a short one
    writer = segment_writer(DELIMITERS, "00401")
    chunked = build_997(group, 1, writer)
    assert chunked.segments == [["AK1", "PO", "7"]] and chunked.tail_count > 2 * ack997._CHUNK
    text = _text(chunked)
    assert text == _text(build_997(group, 1))
    assert "AK2*850*1000~\nAK3*PO1*4**8~\nAK4*2*330*6*A B~\nAK5*R*5~\n" in text
    assert text.count("AK2*850*") == len(group.transactions)
    assert f"AK9*P*{len(group.transactions)}*{len(group.transactions)}*" in text
    assert f"SE*{chunked.tail_count + 3}*0001~" in text
