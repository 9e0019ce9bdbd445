"""Every boundary the email package would split a mail on is known to the header scan, so no
MIME part's headers reach that package's superlinear parser unchecked: RFC 2231
continuations, the extended charset'lang' form and quoted-pairs are reassembled, and a
boundary whose reading is not certain refuses the mail instead of skipping the scan."""

from __future__ import annotations

import time
from email import policy
from email.parser import BytesParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordergate.parsers.email.limits import MailLimits, scan_header_blocks
from ordergate.parsers.email.message import read_mail
from ordergate.parsers.email.mime_boundary import read_boundary

HEAD = "From: Ann Buyer <ann@example.com>\r\nSubject: PO 4711\r\nMessage-ID: <p@example.com>\r\n"
PART_PARAMETERS = "".join(f';\r\n p{n}*0="a"' for n in range(20_000))


def _mail(content_type: str) -> bytes:
    return (HEAD + f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n"
            f"--abcdef\r\nContent-Type: text/plain{PART_PARAMETERS}\r\n\r\nhello\r\n"
            "--abcdef--\r\n").encode()


@pytest.mark.parametrize("content_type", [
    'multipart/mixed; boundary*0="abc"; boundary*1="def"',
    "multipart/mixed; boundary*1=def; boundary*0=abc",
    "multipart/mixed; boundary*=''abcdef",
    "multipart/mixed; boundary*=us-ascii'en'abc%64ef",
    "multipart/mixed; boundary*0*=utf-8''abc; boundary*1*=%64%65f",
    'multipart/mixed; boundary="abc\\def"',
    'multipart/mixed; BOUNDARY = "abcdef"',
    'multipart/mixed; x="boundary=zzz"; boundary="abcdef"',
])
def test_a_boundary_in_any_form_the_parser_reads_gets_its_parts_scanned(content_type):
    raw = _mail(content_type)
    # The email package does split on it: the part headers would reach its parser.
    assert BytesParser(policy=policy.default).parsebytes(raw, headersonly=True).get_boundary() == "abcdef"
    problems = scan_header_blocks(raw, MailLimits()).problems
    assert problems[0] == ("the headers of MIME part 1: the Content-Type header has 20,000 "
                           "parameters, over the limit of 100; the mail was not read")


def test_an_rfc2231_boundary_mail_of_60000_part_parameters_is_quarantined_fast():
    raw = (HEAD + 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary*0="abc"; '
           'boundary*1="def"\r\n\r\n--abcdef\r\nContent-Type: text/plain'
           + "".join(f';\r\n p{n}*0="a"' for n in range(60_000))
           + "\r\n\r\nhello\r\n--abcdef--\r\n").encode()
    started = time.monotonic()
    document = read_mail(raw)
    assert time.monotonic() - started < 5  # 63 s and 564 MB before the boundary was read
    assert document.quarantine[0].startswith("the headers of MIME part 1: the Content-Type header "
                                             "has 60,000 parameters")
    assert document.from_address == "ann@example.com"


@pytest.mark.parametrize("content_type", [
    "multipart/mixed; boundary=(comment)abcdef",
    'multipart/mixed; boundary="=?utf-8?q?abcdef?="',
    'multipart/mixed; boundary="abc"; boundary="abcdef"',
    "multipart/mixed; boundary*0=abc; boundary*2=def",
    "multipart/mixed; boundary*0*=abc; boundary*1=def",
    'multipart/mixed; boundary="<abcdef>"',
    "multipart/mixed; boundary=abc def",
])
def test_a_boundary_that_cannot_be_read_with_certainty_refuses_the_mail(content_type):
    problems = scan_header_blocks(_mail(content_type), MailLimits()).problems
    assert problems == ["the mail's headers: the Content-Type header declares its MIME boundary "
                        'in a form that cannot be checked safely (send it as a plain '
                        'boundary="..." parameter); the mail was not read']


def test_ordinary_content_types_are_read_with_certainty():
    assert read_boundary(b' multipart/mixed;\r\n\tboundary="----=_Part_1_2.3"') \
        .boundary == b"----=_Part_1_2.3"
    assert read_boundary(b" text/plain; charset=utf-8; format=flowed").certain
    assert read_boundary(b' text/plain; name=PO 4711.csv').certain  # sloppy, but no boundary


_NAMES = st.sampled_from(["boundary", "BOUNDARY", "boundary*", "boundary*0", "boundary*1",
                          "boundary*0*", "boundary*1*", "boundary*2", "boundary*00", "name"])
_VALUES = st.sampled_from(['abc', '"abc"', '"a\\bc"', '"a\\"b"', "''ab%63", "us-ascii'en'a%20b",
                           "utf-8''%C3%A9", '"=?utf-8?q?abc?="', '"a b "', "a b", '"<ab>"', '""',
                           "%41", "'x", '"ab;c"', "(c)abc", '"ab\r\n cd"', "ab/c", "''", '"\\\\"'])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_NAMES, st.sampled_from(["=", " = "]), _VALUES), min_size=1, max_size=3))
def test_a_certain_reading_is_the_boundary_the_email_package_splits_on(parameters):
    content_type = "multipart/mixed" + "".join(f"; {n}{eq}{v}" for n, eq, v in parameters)
    message = BytesParser(policy=policy.default).parsebytes(
        f"From: a@example.com\r\nContent-Type: {content_type}\r\n\r\nbody\r\n".encode())
    expected = message.get_boundary()
    read = read_boundary(f" {content_type}".encode())
    if read.certain and expected is not None:  # uncertain refuses the mail: safe either way
        assert read.boundary == expected.encode()
