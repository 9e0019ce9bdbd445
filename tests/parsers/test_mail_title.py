"""How ops see a mail named: sender and subject from the headers, decoded, bounded."""

from ordergate.parsers.email import mail_title


def test_sender_and_subject_with_encoded_words_decoded():
    raw = (b"From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <einkauf@example.de>\r\n"
           b"Subject: =?utf-8?q?Bestellung_f=C3=BCr_Juni?=\r\n\r\nbody")
    assert mail_title(raw) == "from Jürgen Müller <einkauf@example.de>: Bestellung für Juni"


def test_a_hostile_header_is_cut_not_parsed_whole():
    title = mail_title(b"From: " + b'"' * 32000 + b"\r\nSubject: " + b"x" * 5000 + b"\r\n\r\n")
    assert title.startswith('from """') and len(title) <= len("from : ") + 2 * 120


def test_no_headers_at_all():
    assert mail_title(b"\r\n\r\njust a body") == "from unknown sender"
