"""One incoming email read into a ``MailDocument``: headers, body text, attachments by kind, verdict.

The mail is hostile until proven otherwise. Sizes are checked on the encoded text before
anything is decoded; attachments are classified by their bytes (``sniff``), never by the
name or type they claim; file names are cleaned for display and never used as paths; the
sender is judged only by our own server's ``Authentication-Results`` (``auth``).
Whatever the input, ``read_mail`` returns a document whose ``quarantine`` says whether it may
become orders; it does not raise.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from email import errors as mail_errors
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser
from typing import Protocol, TypeVar

from ordergate.errors import DocumentError
from ordergate.parsers.email.auth import AuthVerdict, check_authentication
from ordergate.parsers.email.limits import (
    MailLimits,
    decoded_size_bound,
    format_size,
    scan_header_blocks,
)
from ordergate.parsers.guard import run_guarded
from ordergate.parsers.sniff import ORDER_KINDS, declared_unpacked_size, sniff_kind

# The kinds a parser downstream turns into orders; the rest are listed and noted, not read.
_FALLBACK_EXTENSION = {"x12": "edi", "edifact": "edi", "image": "img", "other": "bin"}
_MAX_NAME_CHARS = 100
_MAX_HEADER_CHARS = 998  # RFC 5322 line limit: longer values are junk or an attack
_MAX_REFERENCES = 100
_MAX_ADDRESS_CHARS = 254  # RFC 5321 4.5.3.1.3: the longest path an SMTP server must accept
_HEADERS_ONLY_SECONDS = 10.0  # for a mail over its budget, to read its sender and subject
# Defects that mean the MIME tree is not what the sender built: parts may be lost or cut.
_BROKEN_STRUCTURE = {
    mail_errors.StartBoundaryNotFoundDefect: "the multipart boundary never appears, so no part could be read",
    mail_errors.CloseBoundaryNotFoundDefect: "the closing multipart boundary is missing: the mail may be cut short",
    mail_errors.NoBoundaryInMultipartDefect: "a multipart part has no boundary, so its parts could not be read",
}
_T = TypeVar("_T")


class AttachmentKinds(Protocol):
    """What a file's kind is, and whether that kind is read for orders: the format registry
    answers both (``processing.registry.FORMATS``); ``BUILT_IN_KINDS`` knows only the
    built-in formats."""

    def kind_of(self, content: bytes) -> str: ...

    def is_order(self, kind: str) -> bool: ...


class _BuiltInKinds:
    @staticmethod
    def kind_of(content: bytes) -> str:
        return sniff_kind(content)

    @staticmethod
    def is_order(kind: str) -> bool:
        return kind in ORDER_KINDS


BUILT_IN_KINDS: AttachmentKinds = _BuiltInKinds()


@dataclass
class Attachment:
    name: str  # cleaned for display: never a path
    claimed_type: str  # the Content-Type the sender gave it
    kind: str  # from the bytes: a format's name, "image" or "other" (AttachmentKinds)
    content: bytes
    forwarded: bool  # came from inside a forwarded (message/rfc822) part
    index: int  # 1-based position among the mail's attachments
    order: bool = False  # of a kind read for orders


@dataclass
class MailDocument:
    message_id: str  # without <>
    message_id_synthesised: bool  # the mail had none; this one is a hash of its bytes
    from_address: str | None  # lowercased addr-spec; untrusted unless auth passed
    from_domain: str | None
    from_name: str | None
    reply_to: str | None
    subject: str
    date: datetime | None
    in_reply_to: str | None
    references: list[str] = field(default_factory=list)
    # RFC 3834 markers of mail sent by a program, which is never answered.
    auto_submitted: str | None = None
    precedence: str | None = None
    body_text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    quarantine: list[str] = field(default_factory=list)  # reasons it must not become orders
    notes: list[str] = field(default_factory=list)  # things worth knowing that stop nothing
    auth: AuthVerdict = field(default_factory=AuthVerdict)

    @property
    def order_attachments(self) -> list[Attachment]:
        """The attachments in a format ordergate reads orders from."""
        return [a for a in self.attachments if a.order]


def read_mail(raw: bytes, *, limits: MailLimits = MailLimits(),
              trusted_authserv_ids: Sequence[str] = (),
              kinds: AttachmentKinds = BUILT_IN_KINDS) -> MailDocument:
    """Read one raw RFC 5322 message; problems end up in ``quarantine``/``notes``, never raised.

    The header blocks are checked on the raw bytes first (``scan_header_blocks``); the parse
    itself runs in a child process within ``limits.budget`` (``guard``). A mail refused by a
    limit is still read for its headers (those within the limits), so the report can name
    its sender and subject.
    """
    refused: list[str] = []
    if len(raw) > limits.max_message_bytes:
        refused.append(f"message is {format_size(len(raw))}, over the "
                       f"{format_size(limits.max_message_bytes)} limit; only its headers were read")
    scan = scan_header_blocks(raw, limits, parts=not refused)
    refused.extend(scan.problems)
    try:
        if refused:
            return run_guarded(_read_headers_only, raw, scan.safe_head, refused,
                               trusted_authserv_ids, budget=limits.budget, what="the mail")
        return run_guarded(_read_whole_mail, raw, scan.safe_head, limits, trusted_authserv_ids, kinds,
                           budget=limits.budget, what="the mail")
    except DocumentError as exc:  # over the time or memory budget
        refused.append(str(exc))
    # Read again for the headers alone, so the report can name it; a header block within the
    # limits reads in milliseconds, so this gets a short budget of its own.
    budget = replace(limits.budget, max_seconds=min(limits.budget.max_seconds, _HEADERS_ONLY_SECONDS))
    try:
        return run_guarded(_read_headers_only, raw, scan.safe_head, refused, trusted_authserv_ids,
                           budget=budget, what="the mail's headers")
    except DocumentError as exc:  # not even those: a document with only the reasons
        return _read_headers_only(raw, b"", [*refused, str(exc)], ())


def _read_whole_mail(raw: bytes, head: bytes, limits: MailLimits,
                     trusted_authserv_ids: Sequence[str], kinds: AttachmentKinds) -> MailDocument:
    quarantine: list[str] = []
    notes: list[str] = []
    message = _guard(lambda: BytesParser(policy=policy.default).parsebytes(raw), None,
                     "the MIME structure could not be read", quarantine)
    parsed_fully = message is not None
    if message is None:  # still name the sender: the header block alone
        message = _parse_head(head, quarantine)
    document = _read_headers(message, raw, quarantine, notes)
    _check_authentication(document, message, trusted_authserv_ids, quarantine, notes)
    if parsed_fully:
        walker = _PartWalker(limits, kinds, quarantine, notes)
        _guard(lambda: walker.walk(message, forward_depth=0), None,
               "the MIME structure could not be read", quarantine)
        walker.finish()
        document.attachments = walker.attachments
        document.body_text = _body_text(walker, limits, notes)
    return _finish(document, quarantine, notes)


def _read_headers_only(raw: bytes, head: bytes, reasons: list[str],
                       trusted_authserv_ids: Sequence[str]) -> MailDocument:
    """A refused mail: ``head`` (its header block, without the fields over a limit) is read so
    it can be reported by sender and subject; ``reasons`` are why it was refused."""
    quarantine = list(reasons)
    notes: list[str] = []
    message = _parse_head(head, quarantine)
    document = _read_headers(message, raw, quarantine, notes)
    _check_authentication(document, message, trusted_authserv_ids, quarantine, notes)
    return _finish(document, quarantine, notes)


def _check_authentication(document: MailDocument, message: Message, trusted_authserv_ids: Sequence[str],
                          quarantine: list[str], notes: list[str]) -> None:
    document.auth = _guard(lambda: check_authentication(message, trusted_authserv_ids), AuthVerdict(),
                           "the Authentication-Results headers could not be read", notes)
    quarantine.extend(document.auth.problems)
    notes.extend(document.auth.notes)


def _finish(document: MailDocument, quarantine: list[str], notes: list[str]) -> MailDocument:
    if not document.order_attachments:
        notes.append("no attachment in a format ordergate reads (PDF, CSV, XLSX, XLS, X12, EDIFACT)")
    document.quarantine = _unique(quarantine)
    document.notes = _unique(notes)
    return document


# ---------------------------------------------------------------- parsing and guards
def _guard(action: Callable[[], _T], fallback: _T, what: str, reasons: list[str]) -> _T:
    """Run a step of the stdlib ``email`` package on hostile input.

    The package is lenient by design but still raises on some hostile input (deep nesting
    exhausts the stack; its header and parameter parsers have raised IndexError,
    AttributeError and HeaderParseError on malformed values). A mail must always get a
    verdict, so any such error becomes a reason naming the step.
    """
    try:
        return action()
    except RecursionError:
        reasons.append(f"{what}: parts are nested too deeply")
    except MemoryError:
        raise  # the guard says which budget ran out
    except Exception as exc:  # noqa: BLE001 - see the docstring
        reasons.append(f"{what}: {type(exc).__name__}: {_clean(str(exc))[:120]}")
    return fallback


def _parse_head(head: bytes, quarantine: list[str]) -> EmailMessage:
    """The header block alone, so a refused mail can still be reported by sender and subject."""
    parsed = _guard(lambda: BytesParser(policy=policy.default).parsebytes(head, headersonly=True), None,
                    "the headers could not be read", quarantine)
    return parsed if parsed is not None else EmailMessage(policy=policy.default)


# ---------------------------------------------------------------- headers
def _read_headers(message: Message, raw: bytes, quarantine: list[str], notes: list[str]) -> MailDocument:
    message_id = _first_id(_header_text(message, "Message-ID", notes))
    synthesised = message_id is None
    if message_id is None:
        message_id = f"{hashlib.sha256(raw).hexdigest()[:40]}@synthesised.ordergate.invalid"
        notes.append(f"no usable Message-ID; using {message_id} (a hash of the mail's bytes)")

    senders = _addresses(message, "From", notes)
    from_headers = sum(1 for key, _ in message.raw_items() if key.lower() == "from")
    from_name = from_address = from_domain = None
    if from_headers > 1:
        # Which one a program reads differs (we read the first, a DMARC checker may read the
        # last): the classic way to pass authentication as one sender and be read as another.
        quarantine.append(f"mail has {from_headers} From headers; an order needs one sender")
    elif not senders:
        quarantine.append("no readable sender: the From header is missing or has no address")
    elif len(senders) > 1:
        quarantine.append(f"From names {len(senders)} addresses ({', '.join(a for _, a in senders[:5])});"
                          " an order needs one sender")
    else:
        from_name, from_address = senders[0]
        from_domain = from_address.rsplit("@", 1)[1]
    reply_to = _addresses(message, "Reply-To", notes)

    date_value = _guard(lambda: message["Date"], None, "the Date header could not be read", notes)
    date = getattr(date_value, "datetime", None)
    if date_value is not None and date is None:
        notes.append(f"unreadable Date header {_clean(str(date_value))[:60]!r}")

    references_text = _header_text(message, "References", notes) or ""
    return MailDocument(
        message_id=message_id,
        message_id_synthesised=synthesised,
        from_address=from_address,
        from_domain=from_domain,
        from_name=from_name,
        reply_to=reply_to[0][1] if reply_to else None,
        subject=_header_text(message, "Subject", notes) or "",
        date=date,
        in_reply_to=_first_id(_header_text(message, "In-Reply-To", notes)),
        references=_all_ids(references_text)[:_MAX_REFERENCES],
        auto_submitted=_header_text(message, "Auto-Submitted", notes),
        precedence=_header_text(message, "Precedence", notes),
    )


def _header_text(message: Message, name: str, notes: list[str]) -> str | None:
    """A header as one clean line; raw 8-bit bytes are read as UTF-8, else Windows-1252."""
    raw_values = [v for k, v in message.raw_items() if k.lower() == name.lower()]
    if not raw_values:
        return None
    raw_value = raw_values[0]
    if _has_surrogates(raw_value):
        # policy.default turns undeclared 8-bit bytes into U+FFFD; most such senders meant UTF-8.
        notes.append(f"{name} header has undeclared 8-bit characters")
        text = _undo_surrogates(raw_value)
    else:
        parsed = _guard(lambda: message[name], None, f"the {name} header could not be read", notes)
        text = str(parsed) if parsed is not None else raw_value
    return _clean(" ".join(text.split()))[:_MAX_HEADER_CHARS]


def _addresses(message: Message, name: str, notes: list[str]) -> list[tuple[str | None, str]]:
    """(display name, lowercased addr-spec) for each usable address in the header."""
    header = _guard(lambda: message[name], None, f"the {name} header could not be read", notes)
    if header is None:
        return []
    pairs = _guard(lambda: [(a.display_name, f"{a.username}@{a.domain}" if a.domain else a.username)
                            for a in header.addresses], None, f"the {name} header could not be parsed", notes)
    if pairs is None:
        pairs = getaddresses([_undo_surrogates(str(v)) for k, v in message.raw_items() if k.lower() == name.lower()])
    found: list[tuple[str | None, str]] = []
    for display, address in pairs:
        address = _clean(_undo_surrogates(address)).strip().lower()
        local, _, domain = address.rpartition("@")
        if not local or not domain or " " in address or len(address) > _MAX_ADDRESS_CHARS:
            # Cutting an over-long address could cut its "@" away: it is unusable, not shortened.
            notes.append(f"{name} has an unusable address {address[:80]!r}"
                         + (f" ({len(address)} characters)" if len(address) > 80 else ""))
            continue
        display = _clean(_undo_surrogates(display or "")).strip()
        found.append((display[:_MAX_HEADER_CHARS] or None, address))
    return found


def _first_id(value: str | None) -> str | None:
    ids = _all_ids(value or "")
    if ids:
        return ids[0]
    bare = (value or "").strip().strip("<>")
    return bare[:_MAX_HEADER_CHARS] if bare and " " not in bare else None


def _all_ids(value: str) -> list[str]:
    return [m[:_MAX_HEADER_CHARS] for m in re.findall(r"<\s*([^<>\s]+)\s*>", value)]


# ---------------------------------------------------------------- the MIME tree
class _PartWalker:
    """Visits every part once, depth-first, keeping attachments, body parts and the counts."""

    def __init__(self, limits: MailLimits, kinds: AttachmentKinds, quarantine: list[str],
                 notes: list[str]) -> None:
        self.limits = limits
        self.kinds = kinds
        self.quarantine = quarantine
        self.notes = notes
        self.attachments: list[Attachment] = []
        self.plain_parts: list[str] = []
        self.html_parts: list[str] = []
        self.parts_seen = 0
        self.attachments_seen = 0

    def walk(self, part: Message, forward_depth: int) -> None:
        self.parts_seen += 1
        if self.parts_seen > self.limits.max_parts:
            return  # reported once, in finish()
        self._check_structure(part)
        if part.is_multipart():
            children = part.get_payload()
            if part.get_content_maintype() == "message":
                if forward_depth >= self.limits.max_forward_depth:
                    self.quarantine.append(
                        f"forwarded messages are nested more than {self.limits.max_forward_depth} deep;"
                        " the attachments below that were not read")
                    return
                forward_depth += 1
            for child in children:
                self.walk(child, forward_depth)
            return
        self._visit_leaf(part, forward_depth)

    def finish(self) -> None:
        if self.parts_seen > self.limits.max_parts:
            self.quarantine.append(f"mail has {self.parts_seen} MIME parts, over the limit of"
                                   f" {self.limits.max_parts}; the parts after that were not read")
        if self.attachments_seen > self.limits.max_attachments:
            self.quarantine.append(f"mail has {self.attachments_seen} attachments, over the limit of"
                                   f" {self.limits.max_attachments}; attachments after the"
                                   f" {self.limits.max_attachments}th were not read")

    def _check_structure(self, part: Message) -> None:
        for defect in part.defects:
            reason = _BROKEN_STRUCTURE.get(type(defect))
            if reason:
                self.quarantine.append(f"broken MIME structure: {reason}")
            elif not isinstance(defect, mail_errors.MultipartInvariantViolationDefect):
                # Header-level slips (a missing blank line, a stray continuation) lose nothing.
                self.notes.append(f"MIME defect: {type(defect).__name__}")

    def _visit_leaf(self, part: Message, forward_depth: int) -> None:
        content_type = part.get_content_type()
        if part.get_content_maintype() == "multipart":
            return  # a container the parser could not split: its defect is already a reason
        raw_name = _guard(part.get_filename, None, "an attachment's file name could not be read", self.notes)
        disposition = part.get_content_disposition()
        if content_type.startswith("text/") and raw_name is None and disposition != "attachment":
            self._visit_text(part, content_type, forward_depth)
            return
        self.attachments_seen += 1
        if self.attachments_seen > self.limits.max_attachments:
            return  # counted; reported in finish()
        self._read_attachment(part, content_type, raw_name, forward_depth > 0)

    def _visit_text(self, part: Message, content_type: str, forward_depth: int) -> None:
        if forward_depth > 0:
            return  # a forwarded mail's own text is not this mail's body
        if content_type not in ("text/plain", "text/html"):
            self.notes.append(f"ignored inline {content_type} part")
            return
        payload = part.get_payload()
        transfer = str(part.get("Content-Transfer-Encoding", "7bit")).strip().lower()
        if not isinstance(payload, str) or decoded_size_bound(payload, transfer) > self.limits.max_attachment_bytes:
            limit = format_size(self.limits.max_attachment_bytes)
            self.notes.append(f"ignored a {content_type} body part over {limit}")
            return
        text = _decode_text(part.get_payload(decode=True) or b"", part.get_content_charset(), self.notes)
        (self.plain_parts if content_type == "text/plain" else self.html_parts).append(text)

    def _read_attachment(self, part: Message, claimed: str, raw_name: str | None, forwarded: bool) -> None:
        index = self.attachments_seen
        label = f"attachment {index} ({_display_name(raw_name) or 'unnamed'})"
        payload = part.get_payload()
        if not isinstance(payload, str):
            self.quarantine.append(f"{label}: its content could not be read")
            return
        transfer = str(part.get("Content-Transfer-Encoding", "7bit")).strip().lower()
        size = decoded_size_bound(payload, transfer)
        if size > self.limits.max_attachment_bytes:
            self.quarantine.append(f"{label} is {format_size(size)}, over the"
                                   f" {format_size(self.limits.max_attachment_bytes)} limit; not read")
            return
        defects_before = len(part.defects)
        content = part.get_payload(decode=True) or b""
        if not self._decoded_cleanly(part.defects[defects_before:], label, transfer):
            return
        kind = self.kinds.kind_of(content)
        name = _display_name(raw_name) or f"attachment-{index}.{_FALLBACK_EXTENSION.get(kind, kind)}"
        if raw_name is not None and name != raw_name:
            self.notes.append(f"attachment {index} name {raw_name[:80]!r} shown as {name!r}")
        if not self._within_unpack_limit(content, kind, label):
            return
        self._note_kind(name, claimed, kind)
        self.attachments.append(Attachment(name, claimed, kind, content, forwarded, index,
                                           self.kinds.is_order(kind)))

    def _decoded_cleanly(self, defects: list[mail_errors.MessageDefect], label: str, transfer: str) -> bool:
        for defect in defects:
            if isinstance(defect, mail_errors.InvalidBase64LengthDefect):
                # The decoder gives up and returns the encoded text: the content is lost.
                self.quarantine.append(f"{label}: damaged {transfer} encoding (length is not a multiple of 4)")
                return False
            # Stray characters are skipped (RFC 2045 says to) and missing padding is restored:
            # the content survives, but the sender's software is worth knowing about.
            self.notes.append(f"{label}: {type(defect).__name__} while decoding {transfer}")
        return True

    def _within_unpack_limit(self, content: bytes, kind: str, label: str) -> bool:
        if kind != "xlsx":
            return True
        unpacked = declared_unpacked_size(content) or 0
        if unpacked > self.limits.max_unpacked_bytes:
            self.quarantine.append(f"{label} would unpack to {format_size(unpacked)}, over the"
                                   f" {format_size(self.limits.max_unpacked_bytes)} limit; not read")
            return False
        return True

    def _note_kind(self, name: str, claimed: str, kind: str) -> None:
        if kind == "image":
            self.notes.append(f"ignored image attachment {name}")
        elif kind == "zip":
            self.notes.append(f"ignored zip archive {name}: archives are not unpacked")
        elif kind == "other":
            self.notes.append(f"ignored attachment {name} ({claimed}): not a format ordergate reads")
        elif kind not in claimed and not _claim_fits(claimed, kind):
            self.notes.append(f"attachment {name} claims {claimed} but its content is {kind}")


def _claim_fits(claimed: str, kind: str) -> bool:
    """Whether a claimed type is one senders commonly use for a file of this kind."""
    usual = {
        "csv": ("text/", "application/vnd.ms-excel", "application/octet-stream"),
        "xlsx": ("application/vnd.openxmlformats", "application/octet-stream", "application/zip"),
        "xls": ("application/vnd.ms-excel", "application/octet-stream", "application/msexcel"),
        "x12": ("application/edi", "text/", "application/octet-stream"),
        "edifact": ("application/edi", "text/", "application/octet-stream"),
        "pdf": ("application/pdf", "application/x-pdf", "application/octet-stream"),
    }
    return claimed.startswith(usual.get(kind, ()))


# ---------------------------------------------------------------- text
def _body_text(walker: _PartWalker, limits: MailLimits, notes: list[str]) -> str:
    if walker.plain_parts:
        text = "\n".join(walker.plain_parts)
    elif walker.html_parts:
        notes.append("body is HTML only; converted to text")
        text = "\n".join(_html_to_text(html, limits.max_body_chars) for html in walker.html_parts)
    else:
        return ""
    if len(text) > limits.max_body_chars:
        notes.append(f"body text cut to {limits.max_body_chars} characters")
    # Cut before cleaning: cleaning looks at every character, and a body may be megabytes.
    return _clean(text[: limits.max_body_chars], keep_newlines=True).strip()


def _decode_text(payload: bytes, charset: str | None, notes: list[str]) -> str:
    if charset:
        try:
            return payload.decode(charset, errors="replace")
        except LookupError:
            notes.append(f"unknown charset {charset[:40]!r} in a text part; read as UTF-8")
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        if not charset:
            notes.append("text part has 8-bit characters and no charset; read as Windows-1252")
        return payload.decode("cp1252", errors="replace")


class _TextFromHtml(HTMLParser):
    """Collects the visible text of an HTML body, one line per block element."""

    _BLOCKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6",
                         "table", "ul", "ol", "blockquote", "pre", "hr"})
    _INVISIBLE = frozenset({"script", "style", "head", "title", "template"})

    def __init__(self, max_chars: int) -> None:
        super().__init__(convert_charrefs=True)
        self.max_chars = max_chars
        self.chunks: list[str] = []
        self.length = 0
        self.hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._INVISIBLE:
            self.hidden_depth += 1
        elif tag in self._BLOCKS:
            self._add("\n")
        elif tag in ("td", "th"):
            self._add("\t")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._INVISIBLE:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag in self._BLOCKS:
            self._add("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth:
            self._add(re.sub(r"\s+", " ", data))

    def _add(self, text: str) -> None:
        if self.length < self.max_chars:
            self.chunks.append(text)
            self.length += len(text)


def _html_to_text(html: str, max_chars: int) -> str:
    parser = _TextFromHtml(max_chars)
    # Ten times the output cap is plenty of markup; the rest could only cost time.
    parser.feed(html[: max_chars * 10])
    parser.close()
    lines = (re.sub(r" {2,}", " ", line).strip() for line in "".join(parser.chunks).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


# ---------------------------------------------------------------- cleaning
def _display_name(raw_name: str | None) -> str | None:
    """A file name safe to show: last path component, no control or format characters, capped."""
    if raw_name is None:
        return None
    name = _undo_surrogates(raw_name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*]', "_", name).strip(" .")
    if not name:
        return None
    if len(name) > _MAX_NAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        keep = extension if dot and len(extension) <= 10 else ""
        name = name[: _MAX_NAME_CHARS - len(keep) - 1].rstrip(" .") + ("." + keep if keep else "")
    return name


def _clean(text: str, *, keep_newlines: bool = False) -> str:
    """Text without control or bidi-format characters, which spoof or break reports and logs."""
    allowed = "\n\t" if keep_newlines else ""
    return "".join(ch for ch in _undo_surrogates(text)
                   if ch in allowed or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _undo_surrogates(text: str) -> str:
    """Bytes the parser kept as surrogate escapes, read as UTF-8 or else Windows-1252."""
    if not _has_surrogates(text):
        return text
    data = text.encode("utf-8", errors="surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
