"""ImapSource, its settings and password lookup, against a real Dovecot (tests/kit/mailserver.py)."""

from __future__ import annotations

import logging
import socket
import ssl

import pytest
from pydantic import SecretStr

from ordergate.errors import ConfigError
from ordergate.sources.imap import ImapSettings, ImapSource, imap_password, open_imap
from ordergate.sources.mailbox import MailboxLoginError, MailboxUnavailable, MailRef
from tests.kit.mailserver import make_message


# ---------------------------------------------------------------- connecting
@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_login_is_encrypted_and_verified_with_the_given_ca(imap_account, security):
    client = open_imap(imap_account.settings(security), imap_account.password)
    try:
        assert isinstance(client.socket(), ssl.SSLSocket)
        assert client.socket().getpeercert()["subject"] == ((("commonName", "ordergate test IMAP"),),)
    finally:
        client.logout()


def test_plain_connection_when_asked_for(imap_account):
    client = open_imap(imap_account.settings("none"), SecretStr(imap_account.password))
    try:
        assert not isinstance(client.socket(), ssl.SSLSocket)
    finally:
        client.logout()


def test_wrong_password_is_a_login_error_that_does_not_repeat_the_password(imap_account):
    wrong = "Tr0ub4dor&3-wrong"
    settings = imap_account.settings("tls")

    with pytest.raises(MailboxLoginError) as caught:
        ImapSource(settings, wrong)

    message = str(caught.value)
    assert message == (f"IMAP server {settings.host}:{settings.effective_port} refused the login of "
                       f"user {imap_account.user.name!r}: [AUTHENTICATIONFAILED] Authentication failed.")
    assert wrong not in message
    assert isinstance(caught.value, ConfigError)  # retrying cannot fix it


def test_a_self_signed_server_without_the_ca_file_is_refused_with_a_hint(imap_account):
    with pytest.raises(ConfigError, match=r"not trusted .*ORDERGATE_IMAP_CA_FILE"):
        open_imap(imap_account.settings("tls", ca_file=None), imap_account.password)


def test_implicit_tls_against_the_plain_port_explains_the_mismatch(imap_account):
    settings = imap_account.settings("tls", port=imap_account.server.imap_port)

    with pytest.raises(ConfigError, match="does the port match security='tls'"):
        open_imap(settings, imap_account.password)


def test_nobody_listening_is_a_transient_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # free once closed, and nothing listens on it
    settings = ImapSettings(host="127.0.0.1", port=port, security="none", user="x", timeout=2)

    with pytest.raises(MailboxUnavailable, match=f"cannot reach IMAP server 127.0.0.1:{port}"):
        open_imap(settings, "secret")


def test_the_password_never_reaches_the_logs_or_reprs(imap_account, caplog):
    caplog.set_level(logging.DEBUG)  # imapclient logs the whole protocol at DEBUG
    settings = imap_account.settings("starttls", password=imap_account.password)

    with ImapSource(settings, imap_password(settings)) as source:
        source.fetch(1)
        shown = repr(source) + repr(settings) + str(source.__dict__)

    assert "LOGIN" in caplog.text or "AUTHENTICATE" in caplog.text  # the login was logged...
    assert imap_account.password not in caplog.text  # ...without the password
    assert imap_account.password not in shown


# ---------------------------------------------------------------- fetching
def test_fetch_returns_appended_mail_oldest_first_with_server_identity(imap_account):
    raws = [make_message(f"order {n}") for n in range(3)]
    uids = [imap_account.append(raw) for raw in raws]
    settings = imap_account.settings("tls")

    with ImapSource(settings, imap_account.password) as source:
        mails = source.fetch(10)

    with imap_account.connect() as client:
        server_uidvalidity = client.select_folder("INBOX")[b"UIDVALIDITY"]
    assert [m.raw for m in mails] == raws
    assert [m.size for m in mails] == [len(raw) for raw in raws]
    assert [m.ref for m in mails] == [MailRef(settings.mailbox_url, str(server_uidvalidity), str(uid))
                                      for uid in uids]
    assert settings.mailbox_url == (f"imap://{imap_account.user.name}@127.0.0.1:"
                                    f"{imap_account.server.imaps_port}/INBOX")


def test_fetch_is_stable_until_moved_and_leaves_mail_unread(imap_account):
    for n in range(3):
        imap_account.append(make_message(f"order {n}"))

    with ImapSource(imap_account.settings("starttls"), imap_account.password) as source:
        first = source.fetch(2)
        second = source.fetch(2)
    with ImapSource(imap_account.settings("tls"), imap_account.password) as other_connection:
        third = other_connection.fetch(2)

    assert [m.ref for m in second] == [m.ref for m in first]
    assert [(m.ref.uidvalidity, m.ref.uid) for m in third] == [(m.ref.uidvalidity, m.ref.uid) for m in first]
    assert [m.raw for m in first] == [make_message("order 0"), make_message("order 1")]
    with imap_account.connect() as client:
        client.select_folder("INBOX", readonly=True)
        assert client.search(["SEEN"]) == []


def test_fetch_of_an_empty_folder_and_a_bad_limit(imap_account):
    with ImapSource(imap_account.settings("tls"), imap_account.password) as source:
        assert source.fetch(5) == []
        with pytest.raises(ValueError, match="at least 1"):
            source.fetch(0)


def test_a_missing_folder_is_a_config_error_naming_it(imap_account):
    with pytest.raises(ConfigError, match="cannot open IMAP folder 'Orders' .*ORDERGATE_IMAP_FOLDER"):
        ImapSource(imap_account.settings("tls", folder="Orders"), imap_account.password)


# ---------------------------------------------------------------- moving
@pytest.mark.parametrize("use_move", [True, False], ids=["MOVE", "copy+delete"])
def test_mark_processed_and_failed_move_mail_and_twice_is_harmless(imap_account, caplog, use_move):
    good, bad, waiting = make_message("good"), make_message("bad"), make_message("waiting")
    for raw in (good, bad, waiting):
        imap_account.append(raw)
    caplog.set_level(logging.DEBUG, logger="imapclient")

    with ImapSource(imap_account.settings("tls"), imap_account.password, use_move=use_move) as source:
        first, second, third = source.fetch(10)
        source.mark_processed(first.ref)
        source.mark_failed(second.ref)
        source.mark_processed(first.ref)  # a retried run: nothing happens
        source.mark_failed(first.ref)  # no longer in INBOX: stays in Processed
        remaining = source.fetch(10)

    assert [m.ref for m in remaining] == [third.ref]
    assert imap_account.bodies("INBOX") == [waiting]
    assert imap_account.bodies("Processed") == [good]
    assert imap_account.bodies("Failed") == [bad]
    # Which path was taken, as the protocol log shows it.
    logged = [r.getMessage() for r in caplog.records]
    sent = [line for line in logged if "UID MOVE" in line or "UID COPY" in line]
    assert len(sent) == 2
    assert all(("UID MOVE" in line) == use_move and ("UID COPY" in line) != use_move for line in sent)


def test_target_folders_are_created_with_the_configured_names(imap_account):
    imap_account.append(make_message("one"))
    settings = imap_account.settings("tls", processed_folder="Orders/Done", failed_folder="Orders/Bad")

    with ImapSource(settings, imap_account.password) as source:
        source.mark_failed(source.fetch(1)[0].ref)

    with imap_account.connect() as client:
        names = {name for _, _, name in client.list_folders()}
        subscribed = {name for _, _, name in client.list_sub_folders()}
    assert {"Orders/Done", "Orders/Bad"} <= names
    assert {"Orders/Done", "Orders/Bad"} <= subscribed
    assert imap_account.bodies("Orders/Bad") == [make_message("one")]


def test_a_ref_from_another_mailbox_is_refused(imap_account):
    with ImapSource(imap_account.settings("tls"), imap_account.password) as source:
        foreign = MailRef("imap://someone@elsewhere:993/INBOX", "1", "1")
        with pytest.raises(ValueError, match="does not belong"):
            source.mark_processed(foreign)


def test_a_ref_from_before_the_folder_was_rebuilt_is_not_moved(imap_account, caplog):
    imap_account.append(make_message("kept"))
    with ImapSource(imap_account.settings("tls"), imap_account.password) as source:
        mail = source.fetch(1)[0]
        stale = MailRef(mail.ref.mailbox, str(int(mail.ref.uidvalidity) + 1), mail.ref.uid)
        source.mark_processed(stale)

    assert imap_account.bodies("INBOX") == [make_message("kept")]
    assert "UIDVALIDITY is now" in caplog.text


def test_a_dropped_connection_is_transient_and_the_next_call_reconnects(imap_account):
    imap_account.append(make_message("one"))
    with ImapSource(imap_account.settings("tls"), imap_account.password) as source:
        before = source.fetch(10)
        assert imap_account.server.kill_sessions(imap_account.user) == 1

        with pytest.raises(MailboxUnavailable, match="connection to imap://.* lost during fetch"):
            source.fetch(10)
        after = source.fetch(10)
        source.mark_processed(after[0].ref)

    assert [m.ref for m in after] == [m.ref for m in before]
    assert imap_account.bodies("Processed") == [make_message("one")]


# ---------------------------------------------------------------- settings and password
# Reading them from ORDERGATE_IMAP_* is ordergate.settings' part: tests/test_settings.py.
def test_settings_default_to_verified_implicit_tls():
    settings = ImapSettings(host="mail.example.com", user="u")

    assert (settings.security, settings.effective_port, settings.verify_ssl) == ("tls", 993, True)
    assert settings.ssl_context().verify_mode == ssl.CERT_REQUIRED


def test_password_stays_wrapped():
    password = imap_password(ImapSettings(host="h", user="u", password="s3cret"))

    assert password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(password) and "s3cret" not in str(password)


def test_no_password_anywhere_says_where_to_put_one():
    with pytest.raises(ConfigError, match="set ORDERGATE_IMAP_PASSWORD, or ORDERGATE_IMAP_PASSWORD_BLOCK"):
        imap_password(ImapSettings(host="h", user="u"))


def test_a_password_and_a_block_both_given_is_refused_not_guessed():
    with pytest.raises(ValueError, match="not both") as error:
        ImapSettings(host="h", user="u", password="env-secret", password_block="some-block")
    assert "env-secret" not in str(error.value)


def test_password_from_a_prefect_secret_block(prefect_api):
    from prefect.blocks.system import Secret

    Secret(value="from-the-block").save("ordergate-imap-test", overwrite=True)
    settings = ImapSettings(host="h", user="u", password_block="ordergate-imap-test")

    assert imap_password(settings).get_secret_value() == "from-the-block"
    with pytest.raises(ConfigError, match="Prefect Secret block 'no-such-block' "
                                          r"\(from ORDERGATE_IMAP_PASSWORD_BLOCK\) could not be loaded"):
        imap_password(settings.model_copy(update={"password_block": "no-such-block"}))


@pytest.fixture(scope="module")
def prefect_api():
    """A throwaway Prefect API for the Secret block (it takes seconds to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield
