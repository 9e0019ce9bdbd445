"""The wiring: which mail source and mailer the settings make, against real servers."""

from __future__ import annotations

import pytest

from ordergate.app import imap_login, mail_source, open_mail_source, open_mailer
from ordergate.errors import ConfigError
from ordergate.mail_settings import ImapSettings
from ordergate.settings import Settings
from ordergate.sinks.email.smtp import SendStatus
from ordergate.sources.imap import ImapSource
from ordergate.sources.maildir import MaildirSource
from tests.kit.mailserver import make_message


def _settings(tmp_path, **values) -> Settings:
    # imap/smtp given (None or set) so that the runner's ORDERGATE_IMAP_*/SMTP_* cannot leak in.
    return Settings(**{"home": tmp_path / "home", "imap": None, "smtp": None, **values})


def test_without_an_imap_host_mail_comes_from_the_local_maildir(tmp_path):
    settings = _settings(tmp_path, maildir=tmp_path / "box")

    with mail_source(settings) as source:
        assert isinstance(source, MaildirSource)
        assert source.path == (tmp_path / "box").resolve()
        assert source.fetch(10) == []


def test_the_maildir_defaults_to_one_in_the_home(tmp_path):
    settings = _settings(tmp_path)
    settings.ensure_folders()  # as opening the engine does first
    source = open_mail_source(settings)
    try:
        assert source.path == (tmp_path / "home" / "maildir").resolve()
    finally:
        source.close()


def test_with_an_imap_host_mail_comes_from_that_server(tmp_path, imap_account):
    imap_account.append(make_message("wired"))
    settings = _settings(tmp_path, imap=imap_account.settings("tls", password=imap_account.password))

    with mail_source(settings) as source:
        assert isinstance(source, ImapSource)
        fetched = source.fetch(10)

    assert [mail.raw for mail in fetched] == [make_message("wired")]
    assert fetched[0].ref.mailbox == settings.imap.mailbox_url


def test_an_imap_host_read_from_the_environment_is_the_source(tmp_path, imap_account, monkeypatch):
    imap = imap_account.settings("tls")
    for name, value in {"HOST": imap.host, "PORT": imap.port, "SECURITY": "tls", "USER": imap.user,
                        "PASSWORD": imap_account.password, "CA_FILE": imap.ca_file}.items():
        monkeypatch.setenv(f"ORDERGATE_IMAP_{name}", str(value))
    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path / "home"))

    with mail_source(Settings()) as source:
        assert isinstance(source, ImapSource)
        assert source.mailbox == imap.mailbox_url


def test_an_imap_host_without_a_password_says_which_variable_to_set(tmp_path):
    settings = _settings(tmp_path, imap=ImapSettings(host="127.0.0.1", user="u"))

    with pytest.raises(ConfigError, match="no IMAP password: set ORDERGATE_IMAP_PASSWORD"):
        open_mail_source(settings)


def test_watching_needs_an_imap_host(tmp_path):
    with pytest.raises(ConfigError, match="set ORDERGATE_IMAP_HOST"):
        imap_login(_settings(tmp_path))


def test_no_smtp_host_means_no_mailer(tmp_path):
    assert open_mailer(_settings(tmp_path)) is None


def test_with_an_smtp_host_the_mailer_sends_through_it(tmp_path, start_smtp_server):
    server = start_smtp_server("starttls", user="ordergate", password="pw-Ä")
    settings = _settings(tmp_path, smtp=server.settings(password="pw-Ä"))

    mailer = open_mailer(settings)
    results = mailer([("one", b"To: buyer@acme.example\r\nSubject: hi\r\n\r\nbody\r\n")])

    assert [(r.key, r.status) for r in results] == [("one", SendStatus.SENT)]
    assert [m.rcpt_tos for m in server.handler.received] == [["buyer@acme.example"]]
    assert "pw-Ä" not in repr(mailer)
