"""Whether a mail's sender was authenticated, read from ``Authentication-Results`` (RFC 8601).

Only our own mail server's results count: anyone can write an ``Authentication-Results``
header into the mail they send, so a header is believed only when its authserv-id is one of
ours. A sender is authenticated only by such a header: DMARC pass, or SPF or DKIM pass for the
From domain (aligned). Without configured ids nothing authenticates a sender; the topmost
header (the last added, by the server that handed the mail to us) is still believed when it
reports a failure, since a forged failure can only stop the forger's own mail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import Message

from ordergate.errors import DocumentError

HEADER = "Authentication-Results"

# Results that mean the check ran and the mail did not pass it (RFC 8601 section 2.7).
_FAILED = frozenset({"fail", "permerror"})
# A quoted string may run on into a word: ``smtp.mailfrom="a b"@example.com`` (RFC 8601's
# pvalue allows a quoted local-part, which the sender of a mail chooses).
_TOKEN = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"([^\s="]*)|(=)|([^\s="]+))', re.DOTALL)


@dataclass(frozen=True)
class AuthResult:
    """One ``method=result`` statement, e.g. ``dkim=pass header.d=example.com``."""

    method: str
    result: str
    reason: str | None = None
    properties: tuple[tuple[str, str], ...] = ()  # ("header.d", "example.com"), in header order

    def prop(self, name: str) -> str | None:
        for key, value in self.properties:
            if key == name:
                return value
        return None

    @property
    def subject(self) -> str | None:
        """The domain or identity the result is about, for messages."""
        for name in ("header.from", "header.d", "header.i", "smtp.mailfrom", "smtp.helo"):
            value = self.prop(name)
            if value:
                return value.rsplit("@", 1)[-1] if name == "smtp.mailfrom" else value
        return None


@dataclass(frozen=True)
class AuthHeader:
    """One ``Authentication-Results`` header: who reported, and what."""

    authserv_id: str
    results: tuple[AuthResult, ...]


@dataclass
class AuthVerdict:
    """The believed results for DMARC, SPF and DKIM, and what follows from them."""

    trusted_by: list[str] = field(default_factory=list)  # authserv-ids whose headers counted
    # Passing results from headers of configured authserv-ids: the only proof of a sender.
    passed: list[tuple[str, AuthResult]] = field(default_factory=list)  # (authserv-id, result)
    dmarc: str | None = None
    spf: str | None = None
    dkim: str | None = None
    problems: list[str] = field(default_factory=list)  # quarantine reasons
    notes: list[str] = field(default_factory=list)

    def proof_for(self, from_domain: str | None) -> str | None:
        """How our servers authenticated mail from ``from_domain`` (e.g. ``DKIM pass for
        acme.example (reported by mx.ours.example)``), or None when nothing did.

        A pass counts only when the domain it is for (``_subject_of``) is the From domain or one
        of its parents or sub-domains (DMARC's relaxed alignment without a public-suffix list:
        passing for a parent needs that parent's DNS).
        """
        if not from_domain or self.problems:
            return None
        domain = from_domain.lower()
        for by, result in self.passed:
            subject = _subject_of(result)
            if subject and _aligned(subject, domain):
                return f"{result.method.upper()} pass for {subject.lower()} (reported by {by})"
        return None


def _subject_of(result: AuthResult) -> str | None:
    """The domain a pass is for, by what each method checks: DMARC the From domain
    (``header.from``), DKIM the signing domain (``header.d``, else ``header.i``), SPF the
    envelope sender (``smtp.mailfrom``, else ``smtp.helo``). No other property stands in."""
    names = {"dmarc": ("header.from",), "dkim": ("header.d", "header.i"),
             "spf": ("smtp.mailfrom", "smtp.helo")}.get(result.method, ())
    for name in names:
        value = result.prop(name)
        if value:
            return value.rsplit("@", 1)[-1]
    return None


def _aligned(subject: str, domain: str) -> bool:
    subject = subject.strip().lower().rsplit("@", 1)[-1].rstrip(".")
    if not subject or "." not in subject:
        return False  # a bare top-level label aligns with nothing
    return subject == domain or domain.endswith("." + subject) or subject.endswith("." + domain)


class AuthResultsSyntaxError(DocumentError, ValueError):
    """An ``Authentication-Results`` value that does not follow RFC 8601."""


def parse_auth_results(value: str) -> AuthHeader:
    """The authserv-id and the statements of one header value."""
    sections = _split_outside_quotes(_strip_comments(value), ";")
    id_tokens = _tokens(sections[0])
    if not id_tokens or id_tokens[0] == "=":
        raise AuthResultsSyntaxError(f"no authserv-id in {value.strip()[:80]!r}")
    authserv_id = id_tokens[0].lower()
    results: list[AuthResult] = []
    for section in sections[1:]:
        tokens = _tokens(section)
        if not tokens or tokens == ["none"]:
            continue  # "none": the server ran no checks; not a failure
        results.append(_parse_statement(tokens, section))
    return AuthHeader(authserv_id, tuple(results))


def auth_problems(message: Message, trusted_authserv_ids: Sequence[str] = ()) -> list[str]:
    """Reasons to quarantine the mail because its sender failed authentication."""
    return check_authentication(message, trusted_authserv_ids).problems


def check_authentication(message: Message, trusted_authserv_ids: Sequence[str] = ()) -> AuthVerdict:
    """The verdict from the ``Authentication-Results`` headers we can trust.

    Failures count from every header of a trusted server, wherever it stands: a forged failure
    can only stop the forger's own mail. A pass proves the sender only from the headers our
    server added last, at the very top: the run of headers from the topmost one down to the
    first with another authserv-id. The topmost must be ours and readable. Within that run a
    method proves nothing when any of its statements disagrees with the pass, so a pass forged
    under our id just below our own headers cannot outvote what our server reported.
    """
    verdict = AuthVerdict()
    values = [" ".join(str(v).split()) for v in (message.get_all(HEADER) or [])]
    if not values:
        verdict.notes.append("no Authentication-Results header: sender not checked by a mail server")
        return verdict
    trusted_ids = [i.lower() for i in trusted_authserv_ids]
    headers = [_parsed_or_noted(value, verdict) for value in values]
    if not trusted_ids:
        # Headers are prepended on the way; the topmost was added by the last server, ours.
        # Anything below it may have been written by the sender. Its failures are believed;
        # its passes prove nothing, since the sender may have written it if our server adds none.
        if headers[0] is not None:
            verdict.notes.append(f"Authentication-Results from {headers[0].authserv_id} cannot prove"
                                 " the sender: no trusted authserv-ids are configured")
            verdict.trusted_by.append(headers[0].authserv_id)
            _judge(headers[0], verdict)
        return verdict
    for header in headers:
        if header is None:
            continue
        if header.authserv_id in trusted_ids:
            if header.authserv_id not in verdict.trusted_by:
                verdict.trusted_by.append(header.authserv_id)
            _judge(header, verdict)
        else:
            verdict.notes.append(f"ignored Authentication-Results from untrusted {header.authserv_id}")
    if not verdict.trusted_by:
        verdict.notes.append(
            f"no Authentication-Results from our servers ({', '.join(trusted_ids)}): sender not checked")
    verdict.passed = _uncontradicted_passes(_top_run(headers, trusted_ids, verdict))
    return verdict


def _parsed_or_noted(value: str, verdict: AuthVerdict) -> AuthHeader | None:
    try:
        return parse_auth_results(value)
    except AuthResultsSyntaxError as exc:
        verdict.notes.append(f"unreadable Authentication-Results header ignored: {exc}")
        return None


def _top_run(headers: list[AuthHeader | None], trusted_ids: list[str],
             verdict: AuthVerdict) -> list[AuthHeader]:
    """The headers our server added last (see ``check_authentication``); empty, with a note,
    when the topmost is unreadable or not ours."""
    top = headers[0]
    if top is None or top.authserv_id not in trusted_ids:
        verdict.notes.append("the topmost Authentication-Results is not a readable one from our "
                             "servers, so no pass below it proves the sender")
        return []
    run: list[AuthHeader] = []
    for index, header in enumerate(headers):
        if header is None:
            # Our own server wrote something we cannot read: fail closed rather than read on.
            verdict.notes.append("an unreadable Authentication-Results among our server's own: no "
                                 "pass proves the sender")
            return []
        if header.authserv_id != top.authserv_id:
            if any(h is not None and h.authserv_id == top.authserv_id for h in headers[index:]):
                verdict.notes.append(f"ignored a lower Authentication-Results also claiming "
                                     f"{top.authserv_id}")
            break
        run.append(header)
    return run


def _uncontradicted_passes(run: list[AuthHeader]) -> list[tuple[str, AuthResult]]:
    """The passes of the run that no statement of the same method (for DKIM: the same signing
    domain) in it contradicts."""
    results = [(header.authserv_id, result) for header in run for result in header.results]
    doubted: set[tuple[str, str | None]] = set()
    for _, result in results:
        if result.result != "pass":
            doubted.add((result.method, _signer(result)))
    return [(by, result) for by, result in results
            if result.result == "pass" and (result.method, _signer(result)) not in doubted]


def _signer(result: AuthResult) -> str | None:
    """What a DKIM statement is about (its signing domain); one key for the other methods."""
    return (result.prop("header.d") or "").lower() if result.method == "dkim" else None


def _judge(header: AuthHeader, verdict: AuthVerdict) -> None:
    by = header.authserv_id
    dkim = [r for r in header.results if r.method == "dkim"]
    for result in header.results:
        if result.method == "dmarc":
            verdict.dmarc = result.result
            _flag(result, "DMARC", by, verdict)
        elif result.method == "spf":
            verdict.spf = result.result
            if result.result == "softfail":
                # "~all": the domain owner says its list may be incomplete, and SPF breaks on
                # every forward. DMARC and DKIM decide; a softfail alone only gets noted.
                verdict.notes.append(f"SPF softfail for {result.subject or 'unknown domain'} (reported by {by})")
            else:
                _flag(result, "SPF", by, verdict)
    if not dkim:
        return
    # A mail may carry several signatures (the author's, a mailing list's); one good one
    # proves the content is what its signer sent.
    passed = [r for r in dkim if r.result == "pass"]
    if passed:
        verdict.dkim = "pass"
        return
    verdict.dkim = dkim[0].result
    for result in dkim:
        _flag(result, "DKIM", by, verdict)


def _flag(result: AuthResult, label: str, by: str, verdict: AuthVerdict) -> None:
    if result.result in _FAILED:
        verdict.problems.append(f"{label} {result.result} for {result.subject or 'unknown domain'} (reported by {by})")
    elif result.result == "temperror":
        verdict.notes.append(f"{label} temperror for {result.subject or 'unknown domain'} (reported by {by})")


def _parse_statement(tokens: list[str], text: str) -> AuthResult:
    if len(tokens) < 3 or tokens[1] != "=" or "=" in (tokens[0], tokens[2]):
        raise AuthResultsSyntaxError(f"expected method=result, got {text.strip()[:80]!r}")
    method = tokens[0].split("/", 1)[0].lower()  # "dkim/1": a method version
    result = tokens[2].lower()
    reason: str | None = None
    properties: list[tuple[str, str]] = []
    rest = tokens[3:]
    while len(rest) >= 3 and rest[1] == "=":
        key, value = rest[0].lower(), rest[2]
        if key == "reason":
            reason = value
        else:
            properties.append((key, value))
        rest = rest[3:]
    if rest:
        raise AuthResultsSyntaxError(f"unexpected {' '.join(rest)[:40]!r} in {text.strip()[:80]!r}")
    return AuthResult(method, result, reason, tuple(properties))


def _strip_comments(value: str) -> str:
    """The value without RFC 5322 comments (nested parentheses), leaving quoted strings alone."""
    out: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for ch in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(ch)
            continue
        if ch == "\\" and (quoted or depth):
            escaped = True
            if depth == 0:
                out.append(ch)
            continue
        if quoted:
            quoted = ch != '"'
            out.append(ch)
        elif ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if not depth:
                out.append(" ")
        elif depth == 0:
            quoted = ch == '"'
            out.append(ch)
    return "".join(out)


def _split_outside_quotes(value: str, separator: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    escaped = False
    for ch in value:
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == separator and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _tokens(text: str) -> list[str]:
    """Words, ``=`` and unquoted quoted-strings; anything else is a syntax error."""
    tokens: list[str] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise AuthResultsSyntaxError(f"unreadable text at {text[position:position + 40]!r}")
        quoted, rest, equals, word = match.groups()
        if quoted is not None:
            tokens.append(re.sub(r"\\(.)", r"\1", quoted) + rest)
        else:
            tokens.append(equals or word)
        position = match.end()
    return tokens
