"""SMTP delivery against a real aiosmtpd server: plain, STARTTLS, implicit TLS, AUTH, refusals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from pydantic import SecretStr

from ordergate.errors import ConfigError
from ordergate.sinks.email.smtp import (
    OutgoingMail,
    SendStatus,
    SmtpSettings,
    send_messages,
    smtp_password,
)
from tests.kit.smtpserver import SmtpServer, free_port

USER, PASSWORD = "ordergate", "s3cret-Pässword"


def _mail(to: str, subject: str) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = "Ordergate <orders@ordergate.test>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(f"{subject}: zamówienie przyjęte\n", charset="utf-8",
                        cte="quoted-printable")
    return message.as_bytes()


def test_plain_batch_goes_over_one_connection(smtp_server: SmtpServer) -> None:
    results = send_messages(smtp_server.settings(), None, [
        ("outbox-1", _mail("anna@buyer.example", "First")),
        ("outbox-2", _mail("Bob <bob@buyer.example>, carol@buyer.example", "Second")),
    ])

    assert [(r.key, r.status) for r in results] == [("outbox-1", SendStatus.SENT),
                                                     ("outbox-2", SendStatus.SENT)]
    received = smtp_server.handler.received
    assert [(r.mail_from, r.rcpt_tos) for r in received] == [
        ("orders@ordergate.test", ["anna@buyer.example"]),
        ("orders@ordergate.test", ["bob@buyer.example", "carol@buyer.example"])]
    assert b"Subject: First" in received[0].content
    assert len({r.peer for r in received}) == 1  # the same client socket: one connection


def test_envelope_given_explicitly_wins_over_the_headers(smtp_server: SmtpServer) -> None:
    results = send_messages(smtp_server.settings(), None, [
        OutgoingMail("k", _mail("anna@buyer.example", "Hi"), recipients=("archive@ordergate.test",),
                     sender="bounces@ordergate.test")])

    assert results[0].status is SendStatus.SENT
    received = smtp_server.handler.received[0]
    assert (received.mail_from, received.rcpt_tos) == ("bounces@ordergate.test",
                                                       ["archive@ordergate.test"])


def test_message_without_recipients_fails_permanently(smtp_server: SmtpServer) -> None:
    payload = b"From: orders@ordergate.test\r\nSubject: nobody\r\n\r\nbody\r\n"
    (result,) = send_messages(smtp_server.settings(), None, [("k", payload)])

    assert result.status is SendStatus.PERMANENT
    assert "no recipients" in result.detail
    assert smtp_server.handler.received == []


def test_starttls(start_smtp_server: Callable[..., SmtpServer]) -> None:
    server = start_smtp_server("starttls")
    (result,) = send_messages(server.settings(), None, [("k", _mail("anna@buyer.example", "TLS"))])

    assert result.status is SendStatus.SENT
    assert len(server.handler.received) == 1


def test_starttls_required_but_not_used_is_refused(start_smtp_server: Callable[..., SmtpServer]
                                                   ) -> None:
    server = start_smtp_server("starttls")
    (result,) = send_messages(server.settings(security="none"), None,
                              [("k", _mail("anna@buyer.example", "TLS"))])

    assert result.status is SendStatus.PERMANENT
    assert "530" in result.detail and "STARTTLS" in result.detail


def test_untrusted_certificate_is_connection_trouble(start_smtp_server: Callable[..., SmtpServer]
                                                     ) -> None:
    server = start_smtp_server("starttls")
    (result,) = send_messages(server.settings(ca_file=None), None,
                              [("k", _mail("anna@buyer.example", "TLS"))])

    assert result.status is SendStatus.TRANSIENT
    assert "CERTIFICATE_VERIFY_FAILED" in result.detail
    assert server.handler.received == []


def test_implicit_tls(start_smtp_server: Callable[..., SmtpServer]) -> None:
    server = start_smtp_server("tls")
    (result,) = send_messages(server.settings(), None, [("k", _mail("anna@buyer.example", "TLS"))])

    assert result.status is SendStatus.SENT
    assert len(server.handler.received) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize(("security", "password"), [
    ("starttls", PASSWORD), ("starttls", "ascii-only-42"), ("none", "ascii-only-42")])
def test_auth(start_smtp_server: Callable[..., SmtpServer], security: str, password: str) -> None:
    server = start_smtp_server(security, user=USER, password=password)
    (result,) = send_messages(server.settings(), SecretStr(password),
                              [("k", _mail("anna@buyer.example", "Auth"))])

    assert result.status is SendStatus.SENT
    assert len(server.handler.received) == 1


@pytest.mark.parametrize("wrong", ["wrong-password-42", "wrong-Pässword-42"])
def test_wrong_password_fails_every_message_permanently_without_showing_it(
        start_smtp_server: Callable[..., SmtpServer], caplog: pytest.LogCaptureFixture,
        wrong: str) -> None:
    server = start_smtp_server("starttls", user=USER, password=PASSWORD)
    with caplog.at_level(logging.DEBUG):
        results = send_messages(server.settings(), SecretStr(wrong),
                                [("a", _mail("anna@buyer.example", "1")),
                                 ("b", _mail("anna@buyer.example", "2"))])

    assert [(r.key, r.status) for r in results] == [("a", SendStatus.PERMANENT),
                                                     ("b", SendStatus.PERMANENT)]
    assert "refused the login of user 'ordergate'" in results[0].detail
    assert "535" in results[0].detail
    for shown in [r.detail for r in results] + [caplog.text]:
        assert wrong not in shown and PASSWORD not in shown
    assert server.handler.received == []


def test_user_without_password_is_a_configuration_error(smtp_server: SmtpServer) -> None:
    with pytest.raises(ConfigError, match="ORDERGATE_SMTP_PASSWORD"):
        send_messages(smtp_server.settings(user=USER), None, [("k", _mail("a@b.example", "x"))])


def test_550_recipient_is_permanent_and_the_batch_goes_on(smtp_server: SmtpServer) -> None:
    smtp_server.handler.rcpt_answers["gone@buyer.example"] = "550 5.1.1 No such user"
    results = send_messages(smtp_server.settings(), None, [
        ("bad", _mail("gone@buyer.example", "1")), ("good", _mail("anna@buyer.example", "2"))])

    assert [(r.key, r.status) for r in results] == [("bad", SendStatus.PERMANENT),
                                                     ("good", SendStatus.SENT)]
    assert "gone@buyer.example: 550 5.1.1 No such user" in results[0].detail
    assert [r.rcpt_tos for r in smtp_server.handler.received] == [["anna@buyer.example"]]


def test_451_recipient_is_transient(smtp_server: SmtpServer) -> None:
    smtp_server.handler.rcpt_answers["busy@buyer.example"] = "451 4.3.0 Try again later"
    (result,) = send_messages(smtp_server.settings(), None, [("k", _mail("busy@buyer.example", "1"))])

    assert result.status is SendStatus.TRANSIENT
    assert "451 4.3.0 Try again later" in result.detail


def test_one_refused_recipient_of_two_still_sends(smtp_server: SmtpServer) -> None:
    smtp_server.handler.rcpt_answers["gone@buyer.example"] = "550 No such user"
    (result,) = send_messages(smtp_server.settings(), None,
                              [("k", _mail("gone@buyer.example, anna@buyer.example", "1"))])

    assert result.status is SendStatus.SENT
    assert result.refused == ("gone@buyer.example",)
    assert [r.rcpt_tos for r in smtp_server.handler.received] == [["anna@buyer.example"]]


def test_server_down_is_transient_for_every_message() -> None:
    settings = SmtpSettings(host="127.0.0.1", port=free_port(), security="none", timeout=5,
                            from_address="orders@ordergate.test")
    results = send_messages(settings, None, [("a", _mail("anna@buyer.example", "1")),
                                             ("b", _mail("anna@buyer.example", "2"))])

    assert [(r.key, r.status) for r in results] == [("a", SendStatus.TRANSIENT),
                                                     ("b", SendStatus.TRANSIENT)]
    assert f"127.0.0.1:{settings.port}" in results[0].detail


# Reading the settings from ORDERGATE_SMTP_* is ordergate.settings' part: tests/test_settings.py.
def test_password_is_hidden_in_reprs() -> None:
    settings = SmtpSettings(host="h", from_address="orders@ordergate.test", password=PASSWORD)
    password = smtp_password(settings)

    assert password is not None and password.get_secret_value() == PASSWORD
    assert PASSWORD not in repr(password) and PASSWORD not in str(password)
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings)
    assert smtp_password(settings.model_copy(update={"password": None})) is None


def test_a_password_and_a_block_both_given_is_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="not both") as error:
        SmtpSettings(host="h", from_address="orders@ordergate.test", password=PASSWORD,
                     password_block="some-block")
    assert PASSWORD not in str(error.value)


def test_password_from_a_prefect_secret_block() -> None:
    from prefect.blocks.system import Secret
    from prefect.testing.utilities import prefect_test_harness

    from ordergate.flows.runtime import quiet_prefect

    quiet_prefect()
    with prefect_test_harness(server_startup_timeout=60):
        Secret(value=PASSWORD).save("ordergate-smtp-test")
        settings = SmtpSettings(host="h", from_address="orders@ordergate.test",
                                password_block="ordergate-smtp-test")
        password = smtp_password(settings)
        with pytest.raises(ConfigError, match="Prefect Secret block 'no-such-block' "
                                              r"\(from ORDERGATE_SMTP_PASSWORD_BLOCK\)") as error:
            smtp_password(settings.model_copy(update={"password_block": "no-such-block"}))

    assert password is not None and password.get_secret_value() == PASSWORD
    assert PASSWORD not in str(error.value)
