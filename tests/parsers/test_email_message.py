"""read_mail on well-formed, odd and hostile mail: headers, body, attachments, limits, verdicts.

Mails are built with email.message.EmailMessage, or written as raw bytes where the point is
that no well-behaved library would produce them. Corpus files (../shared/corpus, or
$ORDERGATE_CORPUS) are read in place; without the corpus those tests skip, except in strict mode
(tests/kit/strict.py), where they fail.
"""

from __future__ import annotations

import base64
import io
import os
import time
import tracemalloc
import zipfile
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import openpyxl
import pytest
from fpdf import FPDF

from ordergate.parsers.email.limits import MailLimits, decoded_size_bound
from ordergate.parsers.email.message import MailDocument, read_mail
from tests.kit.corpus import CORPUS, require_corpus
from tests.kit.strict import require

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
X12_SAMPLE = (SAMPLES / "x12" / "acme_4500012345.edi").read_bytes()
EDIFACT_SAMPLE = (SAMPLES / "edifact" / "initech_PO-EU-1001_unoc.edi").read_bytes()
CSV = b"sku,qty,price\nA-1,3,9.50\nB-2,1,4.00\n"
OURS = "mx.ours.example"


def make_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Purchase order 4711")
    return bytes(pdf.output())


def make_xlsx(extra: dict[str, bytes] | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["sku", "qty"])
    workbook.active.append(["A-1", 3])
    buffer = io.BytesIO()
    workbook.save(buffer)
    if not extra:
        return buffer.getvalue()
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        for name, data in extra.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def new_mail(body: str | None = "Please find our order attached.", **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("from_", "Ann Buyer <Ann.Buyer@Example.COM>")
    message["To"] = "orders@ours.example"
    message["Subject"] = headers.pop("subject", "PO 4711")
    message["Message-ID"] = headers.pop("message_id", "<po-4711@example.com>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    if body is not None:
        message.set_content(body)
    return message


def attach(message: EmailMessage, content: bytes, filename: str | None = None,
           mime: str = "application/octet-stream") -> None:
    maintype, subtype = mime.split("/")
    message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)


def forward(inner: EmailMessage, subject: str = "Fwd: PO") -> EmailMessage:
    outer = new_mail("See the forwarded order below.", subject=subject, message_id=f"<fwd-{id(inner)}@example.com>")
    outer.add_attachment(inner)  # message/rfc822
    return outer


def raw_mail(body_part: str) -> bytes:
    """A hand-written mail: the given text after standard headers, CRLF line ends."""
    head = "From: buyer@example.com\nTo: orders@ours.example\nSubject: raw\nMessage-ID: <raw@example.com>\n"
    return (head + body_part).replace("\n", "\r\n").encode("latin-1")


# ---------------------------------------------------------------- headers and body
def test_reads_headers_and_plain_body() -> None:
    sent = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
    message = new_mail(subject="=?utf-8?q?Bestellung_M=C3=BCller?=", Reply_To="Orders <PO@Example.com>",
                       Date=format_datetime(sent), In_Reply_To="<quote-1@ours.example>",
                       References="<a@x.example> <quote-1@ours.example>")
    document = read_mail(message.as_bytes())
    assert (document.message_id, document.message_id_synthesised) == ("po-4711@example.com", False)
    assert (document.from_address, document.from_domain, document.from_name) == (
        "ann.buyer@example.com", "example.com", "Ann Buyer")
    assert document.reply_to == "po@example.com"
    assert document.subject == "Bestellung Müller"
    assert document.date == sent
    assert document.in_reply_to == "quote-1@ours.example"
    assert document.references == ["a@x.example", "quote-1@ours.example"]
    assert document.body_text == "Please find our order attached."
    assert document.quarantine == []


def test_missing_message_id_is_synthesised_from_the_bytes() -> None:
    first = new_mail(message_id="")
    del first["Message-ID"]
    raw = first.as_bytes()
    document = read_mail(raw)
    assert document.message_id_synthesised is True
    assert document.message_id == read_mail(raw).message_id
    assert document.message_id != read_mail(raw + b"changed\r\n").message_id
    assert any("no usable Message-ID" in note for note in document.notes)


def test_html_only_body_becomes_text_without_tags_scripts_or_entities() -> None:
    message = new_mail(body=None)
    message.set_content("<html><head><style>p{color:red}</style><title>t</title></head><body>"
                        "<p>Dear&nbsp;team,</p><script>alert('x')</script><p>Order <b>PO-4711</b>:"
                        "</p><table><tr><td>A-1</td><td>3 &amp; more</td></tr></table></body></html>",
                        subtype="html")
    document = read_mail(message.as_bytes())
    assert "<" not in document.body_text and "alert" not in document.body_text and "color" not in document.body_text
    assert "Dear team," in document.body_text
    assert "Order PO-4711:" in document.body_text
    assert "A-1\t3 & more" in document.body_text
    assert "body is HTML only; converted to text" in document.notes


def test_plain_part_is_preferred_over_its_html_alternative() -> None:
    message = new_mail("plain version")
    message.add_alternative("<p>html version</p>", subtype="html")
    assert read_mail(message.as_bytes()).body_text == "plain version"


def test_body_text_is_capped() -> None:
    document = read_mail(new_mail("x" * 5000).as_bytes(), limits=MailLimits(max_body_chars=100))
    assert len(document.body_text) == 100
    assert "body text cut to 100 characters" in document.notes


def test_mail_without_attachment_gets_a_verdict_saying_so() -> None:
    document = read_mail(new_mail().as_bytes())
    assert document.attachments == []
    assert any("no attachment in a format ordergate reads" in note for note in document.notes)


# ---------------------------------------------------------------- attachments by content
def test_attachments_are_classified_by_content_not_by_label() -> None:
    message = new_mail()
    files = [(make_pdf(), "order.dat"), (make_xlsx(), "order.bin"), (CSV, "order.txt"),
             (X12_SAMPLE, "po.txt"), (EDIFACT_SAMPLE, None)]
    for content, name in files:
        attach(message, content, name)
    document = read_mail(message.as_bytes())
    assert [(a.index, a.kind) for a in document.attachments] == [
        (1, "pdf"), (2, "xlsx"), (3, "csv"), (4, "x12"), (5, "edifact")]
    assert [a.content for a in document.attachments] == [content for content, _ in files]
    assert [a.name for a in document.attachments] == ["order.dat", "order.bin", "order.txt", "po.txt",
                                                      "attachment-5.edi"]
    assert all(a.claimed_type == "application/octet-stream" and not a.forwarded for a in document.attachments)
    assert document.order_attachments == document.attachments
    assert document.quarantine == []


def test_csv_claiming_to_be_pdf_is_csv() -> None:
    message = new_mail()
    attach(message, CSV, "order.pdf", "application/pdf")
    document = read_mail(message.as_bytes())
    (attachment,) = document.attachments
    assert (attachment.kind, attachment.claimed_type, attachment.name) == ("csv", "application/pdf", "order.pdf")
    assert "attachment order.pdf claims application/pdf but its content is csv" in document.notes


def test_images_zips_and_unknown_files_are_listed_and_noted_not_read() -> None:
    message = new_mail()
    attach(message, b"\x89PNG\r\n\x1a\n" + bytes(100), "logo.png", "image/png")
    attach(message, b"\x7fELF\x02\x01\x01" + bytes(50), "setup.exe")
    document = read_mail(message.as_bytes())
    assert [a.kind for a in document.attachments] == ["image", "other"]
    assert document.order_attachments == []
    assert "ignored image attachment logo.png" in document.notes
    assert any(note.startswith("ignored attachment setup.exe") for note in document.notes)


def test_zip_bomb_is_kept_as_a_zip_and_never_unpacked() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("orders.csv", bytes(64 * 1024 * 1024))
    bomb = buffer.getvalue()
    message = new_mail()
    attach(message, bomb, "orders.zip", "application/zip")
    raw = message.as_bytes()
    tracemalloc.start()
    try:
        document = read_mail(raw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    (attachment,) = document.attachments
    assert (attachment.kind, attachment.content) == ("zip", bomb)
    assert "ignored zip archive orders.zip: archives are not unpacked" in document.notes
    assert peak < 16 * 1024 * 1024  # unpacking would need the 64 MB


def test_xlsx_claiming_a_huge_unpacked_size_is_refused() -> None:
    message = new_mail()
    attach(message, make_xlsx({"xl/media/padding.bin": bytes(4 * 1024 * 1024)}), "order.xlsx")
    document = read_mail(message.as_bytes(), limits=MailLimits(max_unpacked_bytes=1024 * 1024))
    assert document.attachments == []
    assert any("attachment 1 (order.xlsx) would unpack to 4.0 MB, over the 1.0 MB limit" in reason
               for reason in document.quarantine)


def test_real_corpus_files_attached_under_misleading_names_are_classified_by_content() -> None:
    require_corpus()
    files = {"csv/miniwms__purchaseorders.xls": "xls", "csv/dimuthukagpo__po_std_format.xlsx": "xlsx",
             "csv/rfscanner__PO_409811.csv": "csv", "pdf/ilmpoextr__PO_100538.pdf": "pdf",
             "pdf/ai102__HeroLimited_PO_Form_1.jpg": "image"}
    missing = [name for name in files if not (CORPUS / name).is_file()]
    require(not missing, f"corpus files missing: {', '.join(missing)}")
    message = new_mail()
    for name in files:
        attach(message, (CORPUS / name).read_bytes(), "scan.pdf", "application/pdf")
    document = read_mail(message.as_bytes())
    assert [a.kind for a in document.attachments] == list(files.values())
    assert [a.content for a in document.attachments] == [(CORPUS / name).read_bytes() for name in files]


# ---------------------------------------------------------------- file names
@pytest.mark.parametrize("claimed, shown", [
    ("../../etc/passwd", "passwd"),
    ("C:\\x\\y.pdf", "y.pdf"),
    ("/var/spool/orders.csv", "orders.csv"),
    ("invoice\u202efdp.csv", "invoicefdp.csv"),  # right-to-left override would disguise the name
    ('a<b>c:d"e|f?g*.csv', "a_b_c_d_e_f_g_.csv"),
    ("..", "attachment-1.csv"),
    ("...\\..\\", "attachment-1.csv"),
])
def test_file_names_are_cleaned_for_display(claimed: str, shown: str) -> None:
    message = new_mail()
    attach(message, CSV, claimed)
    document = read_mail(message.as_bytes())
    assert document.attachments[0].name == shown
    assert f"attachment 1 name {claimed!r} shown as {shown!r}" in document.notes


def test_long_file_names_are_capped_keeping_the_extension() -> None:
    message = new_mail()
    attach(message, CSV, "a" * 300 + ".csv")
    name = read_mail(message.as_bytes()).attachments[0].name
    assert len(name) == 100 and name.endswith("aaa.csv")


def test_names_with_nul_and_encoded_paths_from_raw_headers() -> None:
    raw = raw_mail(
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
        "--B\nContent-Type: text/plain\n\nhello\n"
        '--B\nContent-Type: application/pdf\nContent-Disposition: attachment; filename="evil\x00.csv"\n\n'
        "sku,qty\nA,1\n"
        "--B\nContent-Type: text/csv\nContent-Disposition: attachment;"
        " filename*=utf-8''..%2F..%2Fetc%2Fcron.d%2Fx%00.csv\n\n"
        "sku,qty\nB,2\n"
        "--B--\n")
    document = read_mail(raw)
    assert [a.name for a in document.attachments] == ["evil.csv", "x.csv"]
    assert [a.kind for a in document.attachments] == ["csv", "csv"]


# ---------------------------------------------------------------- forwarded messages
def test_attachments_of_a_forwarded_message_count() -> None:
    inner = new_mail("original order", subject="PO 4711", message_id="<inner@example.com>")
    attach(inner, make_pdf(), "po.pdf", "application/pdf")
    outer = forward(inner)
    attach(outer, CSV, "extra.csv", "text/csv")
    document = read_mail(outer.as_bytes())
    assert [(a.name, a.kind, a.forwarded, a.index) for a in document.attachments] == [
        ("po.pdf", "pdf", True, 1), ("extra.csv", "csv", False, 2)]
    assert document.body_text == "See the forwarded order below."
    assert document.message_id != "inner@example.com"


def nested_forwards(levels: int) -> EmailMessage:
    message = new_mail("innermost")
    attach(message, make_pdf(), "deep.pdf", "application/pdf")
    for level in range(levels):
        message = forward(message, subject=f"Fwd level {level + 1}")
    return message


def test_forwards_up_to_the_depth_limit_are_read() -> None:
    document = read_mail(nested_forwards(3).as_bytes())
    assert [a.name for a in document.attachments] == ["deep.pdf"]
    assert document.quarantine == []


def test_forwards_beyond_the_depth_limit_quarantine() -> None:
    document = read_mail(nested_forwards(5).as_bytes())
    assert document.attachments == []
    assert "forwarded messages are nested more than 3 deep; the attachments below that were not read" \
        in document.quarantine


# ---------------------------------------------------------------- limits
def test_message_over_the_size_limit_is_refused_but_named() -> None:
    message = new_mail()
    attach(message, CSV * 1000, "big.csv")
    raw = message.as_bytes()
    document = read_mail(raw, limits=MailLimits(max_message_bytes=10_000))
    assert document.attachments == [] and document.body_text == ""
    assert document.quarantine[0] == (
        f"message is {len(raw) / 1024:.1f} KB, over the 9.8 KB limit; only its headers were read")
    assert (document.from_address, document.subject, document.message_id) == (
        "ann.buyer@example.com", "PO 4711", "po-4711@example.com")


def test_more_attachments_than_allowed_quarantine_and_only_the_first_are_kept() -> None:
    message = new_mail()
    for number in range(25):
        attach(message, CSV, f"order-{number + 1}.csv", "text/csv")
    document = read_mail(message.as_bytes())
    assert [a.index for a in document.attachments] == list(range(1, 21))
    assert "mail has 25 attachments, over the limit of 20; attachments after the 20th were not read" \
        in document.quarantine


def test_more_parts_than_allowed_quarantine() -> None:
    message = new_mail()
    for _ in range(12):
        attach(message, CSV, "o.csv", "text/csv")
    document = read_mail(message.as_bytes(), limits=MailLimits(max_parts=10))
    assert len(document.attachments) == 8  # the container and the body take two of the ten
    assert any(reason.startswith("mail has 14 MIME parts, over the limit of 10") for reason in document.quarantine)


def test_attachment_exactly_at_the_size_limit_is_kept_and_one_byte_more_is_not() -> None:
    for size, kept in ((1000, True), (1001, False)):
        message = new_mail()
        attach(message, b"%PDF-1.4\n" + b"x" * (size - 9), "p.pdf", "application/pdf")
        document = read_mail(message.as_bytes(), limits=MailLimits(max_attachment_bytes=1000))
        assert bool(document.attachments) is kept, size
        assert any("over the 1000 bytes limit" in r for r in document.quarantine) is not kept


def test_decoded_size_is_known_from_the_encoded_text() -> None:
    data = os.urandom(10_000)
    assert decoded_size_bound(base64.encodebytes(data).decode(), "base64") == len(data)
    assert decoded_size_bound("abc=3D\n", "quoted-printable") >= len(b"abc=\n")


def test_huge_base64_part_is_refused_without_decoding_it() -> None:
    # 32 MB of base64 (24 MB decoded) against a 10 MB attachment limit; the message limit is
    # raised so that the attachment check, not the message check, is what refuses it.
    encoded = base64.encodebytes(os.urandom(24 * 1024 * 1024))
    raw = raw_mail("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\n"
                   "Content-Type: text/plain\n\nsee attached\n--B\nContent-Type: application/pdf\n"
                   "Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=huge.pdf\n\n") \
        + encoded + b"\r\n--B--\r\n"
    assert len(raw) > 30 * 1024 * 1024
    started = time.perf_counter()
    document = read_mail(raw, limits=MailLimits(max_message_bytes=64 * 1024 * 1024))
    elapsed = time.perf_counter() - started
    assert document.attachments == []
    assert "attachment 1 (huge.pdf) is 24.0 MB, over the 10.0 MB limit; not read" in document.quarantine
    assert elapsed < 10, f"took {elapsed:.1f} s"


# ---------------------------------------------------------------- broken MIME
def test_missing_closing_boundary_quarantines_but_keeps_what_was_read() -> None:
    raw = raw_mail("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\n"
                   "Content-Type: text/plain\n\nhello\n--B\nContent-Type: text/csv\n"
                   "Content-Disposition: attachment; filename=o.csv\n\nsku,qty\nA,1\n")
    document = read_mail(raw)
    assert [a.name for a in document.attachments] == ["o.csv"]
    assert ("broken MIME structure: the closing multipart boundary is missing: the mail may be cut short"
            in document.quarantine)


@pytest.mark.parametrize("content_type, reason", [
    ("multipart/mixed; boundary=NOWHERE", "the multipart boundary never appears"),
    ("multipart/mixed", "a multipart part has no boundary"),
])
def test_unreadable_multipart_quarantines(content_type: str, reason: str) -> None:
    raw = raw_mail(f"MIME-Version: 1.0\nContent-Type: {content_type}\n\nsku,qty\nA,1\n")
    document = read_mail(raw)
    assert any(reason in r for r in document.quarantine), document.quarantine


def test_base64_that_lost_data_quarantines_and_stray_characters_are_noted() -> None:
    raw = raw_mail("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
                   "--B\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n"
                   "Content-Disposition: attachment; filename=cut.pdf\n\nJVBERi0xL\n"
                   "--B\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n"
                   "Content-Disposition: attachment; filename=ok.pdf\n\nJVBE!Ri0x#LjQK\n--B--\n")
    document = read_mail(raw)
    assert "attachment 1 (cut.pdf): damaged base64 encoding (length is not a multiple of 4)" in document.quarantine
    assert [(a.name, a.content) for a in document.attachments] == [("ok.pdf", b"%PDF-1.4\n")]
    assert "attachment 2 (ok.pdf): InvalidBase64CharactersDefect while decoding base64" in document.notes


def test_undeclared_and_unknown_charsets_are_read_and_noted() -> None:
    undeclared = raw_mail("Content-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\nGr\xfc\xdfe, M\xfcller\n")
    document = read_mail(undeclared)
    assert document.body_text == "Grüße, Müller"
    assert "text part has 8-bit characters and no charset; read as Windows-1252" in document.notes
    unknown = raw_mail("Content-Type: text/plain; charset=x-martian\n\nhello\n")
    document = read_mail(unknown)
    assert document.body_text == "hello"
    assert "unknown charset 'x-martian' in a text part; read as UTF-8" in document.notes


def test_raw_8bit_headers_are_decoded() -> None:
    raw = ("From: M\u00fcller Einkauf <einkauf@example.de>\r\nSubject: Bestellung f\u00fcr M\u00e4rz\r\n"
           "Message-ID: <x@example.de>\r\n\r\nbody\r\n").encode("utf-8")
    document = read_mail(raw)
    assert document.subject == "Bestellung für März"
    assert document.from_name == "Müller Einkauf"
    assert document.from_address == "einkauf@example.de"
    assert "Subject header has undeclared 8-bit characters" in document.notes
    latin1 = read_mail("Subject: Gr\u00fc\u00dfe\r\nFrom: a@example.de\r\n\r\nx".encode("latin-1"))
    assert latin1.subject == "Grüße"


@pytest.mark.parametrize("from_header, reason", [
    (None, "no readable sender: the From header is missing or has no address"),
    ("undisclosed-recipients:;", "no readable sender: the From header is missing or has no address"),
    ("not an address", "no readable sender: the From header is missing or has no address"),
    ("a@example.com, b@evil.example",
     "From names 2 addresses (a@example.com, b@evil.example); an order needs one sender"),
    ("a@example.com\r\nFrom: b@evil.example", "mail has 2 From headers; an order needs one sender"),
])
def test_unusable_sender_quarantines(from_header: str | None, reason: str) -> None:
    head = f"From: {from_header}\r\n" if from_header is not None else ""
    document = read_mail(f"{head}Subject: s\r\nMessage-ID: <s@x>\r\n\r\nbody\r\n".encode())
    assert reason in document.quarantine
    assert document.from_address is None


def test_deeply_nested_multiparts_give_a_verdict_not_a_recursion_error() -> None:
    parts = [f"--b{level}\r\nContent-Type: multipart/mixed; boundary=b{level + 1}\r\n\r\n" for level in range(3000)]
    raw = ("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n" + "".join(parts)).encode()
    document = read_mail(raw)
    assert any("nested too deeply" in reason for reason in document.quarantine), document.quarantine
    assert document.from_address == "a@example.com"


@pytest.mark.parametrize("raw", [
    b"", b"\x00" * 100, os.urandom(5000), b"\r\n\r\n\r\n", b"From:\r\n\r\n",
    b"Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n--\r\n",
    b"Content-Type: message/rfc822\r\n\r\n", b"Content-Type: ;;;===\r\nContent-Disposition: ;filename*=''\r\n\r\nx",
])
def test_junk_gives_a_quarantined_document(raw: bytes) -> None:
    document = read_mail(raw)
    assert isinstance(document, MailDocument)
    assert document.quarantine  # at the least: no sender


def test_every_truncation_of_a_real_mail_gives_a_document() -> None:
    message = new_mail()
    attach(message, make_pdf(), "po.pdf", "application/pdf")
    attach(message, CSV, "o.csv", "text/csv")
    inner = new_mail("inner")
    attach(inner, X12_SAMPLE, "po.edi")
    message.add_attachment(inner)
    raw = message.as_bytes()
    for cut in range(0, len(raw), 53):
        document = read_mail(raw[:cut])
        assert all(a.content for a in document.attachments) or document.quarantine, cut


# ---------------------------------------------------------------- sender authentication
def test_failing_dmarc_from_our_server_quarantines() -> None:
    message = new_mail(Authentication_Results=f"{OURS}; dmarc=fail header.from=example.com")
    attach(message, CSV, "o.csv", "text/csv")
    document = read_mail(message.as_bytes(), trusted_authserv_ids=[OURS])
    assert document.quarantine == [f"DMARC fail for example.com (reported by {OURS})"]
    assert document.auth.dmarc == "fail"
    assert [a.kind for a in document.attachments] == ["csv"]


def test_results_from_an_untrusted_server_do_not_count() -> None:
    message = new_mail(Authentication_Results="mx.attacker.example; dmarc=fail header.from=example.com")
    document = read_mail(message.as_bytes(), trusted_authserv_ids=[OURS])
    assert document.quarantine == []
    assert "ignored Authentication-Results from untrusted mx.attacker.example" in document.notes
