"""Authentication-Results: parsing RFC 8601 values, and which headers are believed."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

from ordergate.parsers.email.auth import (
    AuthResultsSyntaxError,
    auth_problems,
    check_authentication,
    parse_auth_results,
)

OURS = "mx.ours.example"
ALL_PASS = (f"{OURS}; dkim=pass header.d=example.com; spf=pass smtp.mailfrom=buyer@example.com;"
            " dmarc=pass header.from=example.com")


def mail(*auth_results: str) -> EmailMessage:
    """A mail whose Authentication-Results headers are in this order, topmost first."""
    lines = [f"Authentication-Results: {value}" for value in auth_results]
    raw = "\r\n".join([*lines, "From: buyer@example.com", "Subject: PO", "", "body", ""])
    return BytesParser(policy=policy.default).parsebytes(raw.encode())


# ---------------------------------------------------------------- parsing
def test_parses_id_version_comments_quotes_reason_and_properties() -> None:
    header = parse_auth_results(
        'MX.Ours.Example 1; (checked at the border)\r\n dkim/1=pass (good sig) header.d=example.com header.s="sel;1";'
        ' spf=softfail reason="not in ~all" smtp.mailfrom=buyer@example.com')
    assert header.authserv_id == "mx.ours.example"
    dkim, spf = header.results
    assert (dkim.method, dkim.result, dkim.prop("header.d"), dkim.prop("header.s")) == (
        "dkim", "pass", "example.com", "sel;1")
    assert (spf.method, spf.result, spf.reason) == ("spf", "softfail", "not in ~all")
    assert spf.subject == "example.com"  # the domain of smtp.mailfrom


def test_none_means_no_results() -> None:
    assert parse_auth_results("mx.ours.example; none").results == ()


@pytest.mark.parametrize("value", ["", "; dkim=pass", "mx.ours.example; dkim", "mx.ours.example; dkim pass",
                                   'mx.ours.example; dkim=pass header.d="unterminated'])
def test_malformed_values_raise_a_syntax_error(value: str) -> None:
    with pytest.raises(AuthResultsSyntaxError):
        parse_auth_results(value)


# ---------------------------------------------------------------- verdicts
def test_all_pass_gives_no_problems_and_the_results() -> None:
    verdict = check_authentication(mail(ALL_PASS))
    assert verdict.problems == []
    assert (verdict.dmarc, verdict.spf, verdict.dkim, verdict.trusted_by) == ("pass", "pass", "pass", [OURS])


def test_dmarc_fail_quarantines_naming_domain_and_reporter() -> None:
    problems = auth_problems(mail(f"{OURS}; dmarc=fail (p=reject) header.from=example.com"))
    assert problems == [f"DMARC fail for example.com (reported by {OURS})"]


@pytest.mark.parametrize("statement, expected", [
    ("spf=fail smtp.mailfrom=buyer@example.com", "SPF fail for example.com"),
    ("spf=permerror smtp.mailfrom=example.com", "SPF permerror for example.com"),
    ("dkim=permerror header.d=example.com", "DKIM permerror for example.com"),
    ("dmarc=permerror header.from=example.com", "DMARC permerror for example.com"),
])
def test_fail_and_permerror_quarantine(statement: str, expected: str) -> None:
    assert auth_problems(mail(f"{OURS}; {statement}")) == [f"{expected} (reported by {OURS})"]


@pytest.mark.parametrize("statement", [
    "dkim=none", "spf=none smtp.mailfrom=example.com", "dmarc=none header.from=example.com",
    "spf=neutral smtp.mailfrom=example.com", "dkim=neutral header.d=example.com",
    "dmarc=temperror header.from=example.com",
])
def test_none_neutral_and_temperror_are_not_failures(statement: str) -> None:
    assert auth_problems(mail(f"{OURS}; {statement}")) == []


def test_spf_softfail_is_a_note_not_a_quarantine() -> None:
    verdict = check_authentication(mail(f"{OURS}; spf=softfail smtp.mailfrom=buyer@example.com"))
    assert verdict.problems == []
    assert verdict.spf == "softfail"
    assert any("SPF softfail for example.com" in note for note in verdict.notes)


def test_one_passing_dkim_signature_is_enough() -> None:
    value = f"{OURS}; dkim=fail header.d=list.example; dkim=pass header.d=example.com"
    verdict = check_authentication(mail(value))
    assert (verdict.problems, verdict.dkim) == ([], "pass")


def test_every_failing_dkim_signature_is_named_when_none_passes() -> None:
    value = f"{OURS}; dkim=fail header.d=list.example; dkim=permerror header.d=example.com"
    assert auth_problems(mail(value)) == [
        f"DKIM fail for list.example (reported by {OURS})",
        f"DKIM permerror for example.com (reported by {OURS})",
    ]


def test_missing_header_is_not_a_failure() -> None:
    verdict = check_authentication(mail())
    assert verdict.problems == []
    assert verdict.trusted_by == []
    assert any("no Authentication-Results" in note for note in verdict.notes)


# ---------------------------------------------------------------- whose headers count
def test_without_configured_ids_only_the_topmost_header_counts() -> None:
    forged_fail_below = mail(ALL_PASS, "attacker.example; dmarc=fail header.from=example.com")
    assert auth_problems(forged_fail_below) == []
    forged_pass_below = mail(f"{OURS}; dmarc=fail header.from=example.com", ALL_PASS.replace(OURS, "attacker.example"))
    assert auth_problems(forged_pass_below) == [f"DMARC fail for example.com (reported by {OURS})"]


def test_untrusted_authserv_id_is_ignored_when_ids_are_configured() -> None:
    message = mail("attacker.example; dmarc=fail header.from=example.com", ALL_PASS)
    verdict = check_authentication(message, [OURS])
    assert verdict.problems == []
    assert verdict.trusted_by == [OURS]
    assert "ignored Authentication-Results from untrusted attacker.example" in verdict.notes


def test_configured_ids_find_our_header_below_others_and_compare_case_insensitively() -> None:
    message = mail("relay.example; dmarc=pass header.from=example.com", f"{OURS}; dmarc=fail header.from=example.com")
    assert auth_problems(message, ["MX.OURS.EXAMPLE"]) == [f"DMARC fail for example.com (reported by {OURS})"]


def test_a_forged_pass_under_our_id_does_not_outvote_our_fail() -> None:
    message = mail(f"{OURS}; dkim=fail header.d=example.com", f"{OURS}; dkim=pass header.d=example.com")
    verdict = check_authentication(message, [OURS])
    assert verdict.problems == [f"DKIM fail for example.com (reported by {OURS})"]
    assert verdict.passed == [] and verdict.proof_for("example.com") is None


def test_a_forged_pass_lower_down_under_our_id_is_ignored() -> None:
    message = mail(f"{OURS}; spf=none", "relay.example; spf=pass smtp.mailfrom=example.com",
                   f"{OURS}; dmarc=pass header.from=example.com")
    verdict = check_authentication(message, [OURS])
    assert verdict.proof_for("example.com") is None
    assert any("ignored a lower Authentication-Results" in note for note in verdict.notes)


def test_a_pass_under_another_trusted_id_below_ours_proves_nothing() -> None:
    # Two MX hosts: the mail passed mx1, whose headers are on top; mx2 never saw it.
    message = mail("mx1.ours.example; spf=none smtp.mailfrom=example.com; dmarc=none",
                   "mx2.ours.example; dmarc=pass header.from=example.com")
    verdict = check_authentication(message, ["mx1.ours.example", "mx2.ours.example"])
    assert verdict.proof_for("example.com") is None


def test_our_own_unreadable_header_fails_closed() -> None:
    message = mail(f"{OURS}; spf=pass smtp.mailfrom=a b@example.com; dmarc=fail",
                   f"{OURS}; dmarc=pass header.from=example.com")
    verdict = check_authentication(message, [OURS])
    assert verdict.proof_for("example.com") is None


def test_a_quoted_local_part_is_read() -> None:
    header = parse_auth_results('mx.ours.example; spf=pass smtp.mailfrom="a b"@example.com')
    assert header.results[0].prop("smtp.mailfrom") == "a b@example.com"


def test_a_run_of_headers_from_our_server_is_read_together() -> None:
    # opendkim, opendmarc and an SPF policy server each add their own header with our id.
    message = mail(f"{OURS}; dmarc=pass header.from=example.com", f"{OURS}; dkim=pass header.d=example.com",
                   f"{OURS}; spf=fail smtp.mailfrom=example.com")
    verdict = check_authentication(message, [OURS])
    assert verdict.problems == [f"SPF fail for example.com (reported by {OURS})"]
    assert verdict.proof_for("example.com") is None


def test_dkim_proves_by_its_signing_domain_not_by_header_from() -> None:
    verdict = check_authentication(mail(f"{OURS}; dkim=pass header.d=evil.example header.from=example.com"),
                                   [OURS])
    assert verdict.proof_for("example.com") is None


def test_two_trusted_servers_are_both_judged() -> None:
    message = mail("filter.ours.example; spf=fail smtp.mailfrom=example.com",
                   f"{OURS}; dmarc=fail header.from=example.com")
    problems = auth_problems(message, [OURS, "filter.ours.example"])
    assert problems == ["SPF fail for example.com (reported by filter.ours.example)",
                        f"DMARC fail for example.com (reported by {OURS})"]


def test_no_header_from_our_servers_is_noted() -> None:
    verdict = check_authentication(mail("elsewhere.example; dmarc=pass"), [OURS])
    assert verdict.problems == []
    assert any("no Authentication-Results from our servers" in note for note in verdict.notes)


def test_unreadable_topmost_header_is_noted_not_raised() -> None:
    verdict = check_authentication(mail(f"{OURS}; dmarc", ALL_PASS))
    assert verdict.problems == []
    assert any("unreadable Authentication-Results" in note for note in verdict.notes)


def test_header_built_with_email_message_is_read_too() -> None:
    message = EmailMessage()
    message["Authentication-Results"] = f"{OURS}; dmarc=fail header.from=example.com"
    assert auth_problems(message) == [f"DMARC fail for example.com (reported by {OURS})"]


# ---------------------------------------------------------------- what proves the sender
def test_only_a_configured_servers_pass_proves_the_from_domain() -> None:
    assert check_authentication(mail(ALL_PASS), [OURS]).proof_for("example.com") == (
        f"DKIM pass for example.com (reported by {OURS})")
    # Without configured ids the topmost header may be the sender's own: it proves nothing.
    assert check_authentication(mail(ALL_PASS)).proof_for("example.com") is None
    assert check_authentication(mail(ALL_PASS.replace(OURS, "mx.forged.example")),
                                [OURS]).proof_for("example.com") is None


@pytest.mark.parametrize("results, domain, proven", [
    (f"{OURS}; dmarc=pass", "example.com", False),  # a pass must say for which From domain
    (f"{OURS}; dmarc=pass header.from=other.example", "example.com", False),
    (f"{OURS}; spf=pass smtp.mailfrom=b@bounce.example.com", "example.com", True),  # relaxed
    (f"{OURS}; dkim=pass header.d=example.com", "shop.example.com", True),
    (f"{OURS}; dkim=pass header.d=com", "example.com", False),  # a bare TLD aligns with nothing
    (f"{OURS}; dkim=pass header.d=notexample.com", "example.com", False),
    (f"{OURS}; spf=pass", "example.com", False),  # nothing says for which domain
    (f"{OURS}; dmarc=pass; spf=fail smtp.mailfrom=example.com", "example.com", False),
])
def test_alignment_decides_whether_a_pass_proves_the_sender(results, domain, proven) -> None:
    verdict = check_authentication(mail(results), [OURS])
    assert (verdict.proof_for(domain) is not None) is proven
