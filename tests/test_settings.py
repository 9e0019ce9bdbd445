"""Settings from the environment: every IMAP/SMTP variable, empty meaning unset, a password or
its Secret block (never both), errors naming the variable, secrets kept out of reprs, and no
module below the wiring reading the environment itself."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ordergate.errors import ConfigError
from ordergate.mail_settings import ImapSettings, SmtpSettings
from ordergate.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SECRET = "s3cret-Pässword"


@pytest.fixture
def env(monkeypatch):
    """Sets variables on a clean slate: the runner's own ORDERGATE_* settings do not leak in."""
    for name in list(os.environ):
        if name.startswith("ORDERGATE_") or name == "PREFECT_API_URL":
            monkeypatch.delenv(name)

    def set_(**variables: str) -> None:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)

    return set_


# ---------------------------------------------------------------- IMAP
def test_every_imap_variable_is_read(env, tmp_path):
    ca_file = tmp_path / "ca.pem"
    ca_file.write_text("-----BEGIN CERTIFICATE-----\n")
    env(ORDERGATE_IMAP_HOST="mail.example.com", ORDERGATE_IMAP_PORT="1993",
        ORDERGATE_IMAP_SECURITY="starttls", ORDERGATE_IMAP_USER="orders@example.com",
        ORDERGATE_IMAP_PASSWORD=SECRET, ORDERGATE_IMAP_FOLDER="Purchase Orders",
        ORDERGATE_IMAP_PROCESSED_FOLDER="Done", ORDERGATE_IMAP_FAILED_FOLDER="Bad",
        ORDERGATE_IMAP_TIMEOUT="12.5", ORDERGATE_IMAP_VERIFY_SSL="false",
        ORDERGATE_IMAP_CA_FILE=str(ca_file))

    imap = Settings().imap

    assert imap == ImapSettings(host="mail.example.com", port=1993, security="starttls",
                                user="orders@example.com", password=SECRET,
                                folder="Purchase Orders", processed_folder="Done",
                                failed_folder="Bad", timeout=12.5, verify_ssl=False, ca_file=ca_file)
    assert imap.password.get_secret_value() == SECRET
    assert imap.mailbox_url == "imap://orders%40example.com@mail.example.com:1993/Purchase%20Orders"


def test_imap_password_block_is_read_as_a_name_without_asking_prefect(env):
    env(ORDERGATE_IMAP_HOST="h", ORDERGATE_IMAP_USER="u", ORDERGATE_IMAP_PASSWORD_BLOCK="imap-pw")

    imap = Settings().imap

    assert (imap.password, imap.password_block) == (None, "imap-pw")


def test_loading_settings_with_secret_blocks_does_not_import_prefect(tmp_path):
    """The block is read when a connection is made; `ordergate orders list` stays fast."""
    probe = ("import sys\n"
             "from ordergate.settings import Settings\n"
             "settings = Settings()\n"
             "assert settings.imap.password_block == 'imap-pw'\n"
             "assert settings.smtp.password_block == 'smtp-pw'\n"
             "print(sorted(m for m in ('prefect', 'imapclient', 'smtplib') if m in sys.modules))\n")
    environ = {name: value for name, value in os.environ.items() if not name.startswith("ORDERGATE_")}
    environ.update(PYTHONPATH=str(ROOT), ORDERGATE_HOME=str(tmp_path),
                   ORDERGATE_IMAP_HOST="h", ORDERGATE_IMAP_USER="u",
                   ORDERGATE_IMAP_PASSWORD_BLOCK="imap-pw",
                   ORDERGATE_SMTP_HOST="s", ORDERGATE_SMTP_PASSWORD_BLOCK="smtp-pw")
    done = subprocess.run([sys.executable, "-c", probe], env=environ, capture_output=True,
                          text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_without_an_imap_host_the_other_imap_variables_are_not_used(env):
    env(ORDERGATE_IMAP_USER="u", ORDERGATE_IMAP_PASSWORD=SECRET, ORDERGATE_IMAP_HOST="")

    assert Settings().imap is None


@pytest.mark.parametrize("variables, problem", [
    ({"ORDERGATE_IMAP_SECURITY": "ssl"},
     "ORDERGATE_IMAP_SECURITY: Input should be 'tls', 'starttls' or 'none'"),
    ({"ORDERGATE_IMAP_PORT": "99999"}, "ORDERGATE_IMAP_PORT: Input should be less than or equal to 65535"),
    ({"ORDERGATE_IMAP_PORT": "imaps"}, "ORDERGATE_IMAP_PORT: Input should be a valid integer"),
    ({"ORDERGATE_IMAP_USER": ""}, "ORDERGATE_IMAP_USER is not set"),
    ({"ORDERGATE_IMAP_FAILED_FOLDER": "INBOX"}, "must differ"),
    ({"ORDERGATE_IMAP_CA_FILE": "/nonexistent/ca.pem"}, "ca_file '/nonexistent/ca.pem' does not exist"),
    ({"ORDERGATE_IMAP_VERIFY_SSL": "perhaps"}, "ORDERGATE_IMAP_VERIFY_SSL: Input should be a valid boolean"),
])
def test_bad_imap_settings_name_the_variable(env, variables, problem):
    env(**{"ORDERGATE_IMAP_HOST": "h", "ORDERGATE_IMAP_USER": "u", **variables})

    with pytest.raises(ConfigError) as caught:
        Settings()

    assert problem in str(caught.value)


# ---------------------------------------------------------------- SMTP
def test_every_smtp_variable_is_read(env):
    env(ORDERGATE_SMTP_HOST="mail.example", ORDERGATE_SMTP_PORT="2525", ORDERGATE_SMTP_SECURITY="tls",
        ORDERGATE_SMTP_USER="ordergate", ORDERGATE_SMTP_PASSWORD=SECRET, ORDERGATE_SMTP_TIMEOUT="12.5",
        ORDERGATE_SMTP_FROM_ADDRESS="sales@ordergate.test", ORDERGATE_SMTP_FROM_NAME="Sales",
        ORDERGATE_SMTP_CA_FILE="/etc/ca.pem")

    smtp = Settings().smtp

    assert smtp == SmtpSettings(host="mail.example", port=2525, security="tls", user="ordergate",
                                password=SECRET, timeout=12.5, from_address="sales@ordergate.test",
                                from_name="Sales", ca_file="/etc/ca.pem")
    assert smtp.password.get_secret_value() == SECRET


def test_smtp_sender_defaults_to_the_mail_address_replies_come_from(env):
    env(ORDERGATE_SMTP_HOST="mail.example", ORDERGATE_MAIL_ADDRESS="desk@shop.test",
        ORDERGATE_MAIL_NAME="Shop desk", ORDERGATE_SMTP_PASSWORD_BLOCK="smtp-pw")

    smtp = Settings().smtp

    assert (smtp.from_address, smtp.from_name, smtp.effective_port) == ("desk@shop.test", "Shop desk", 587)
    assert (smtp.user, smtp.password, smtp.password_block) == (None, None, "smtp-pw")


def test_bad_smtp_settings_name_every_variable(env):
    env(ORDERGATE_SMTP_HOST="h", ORDERGATE_SMTP_PORT="smtp", ORDERGATE_SMTP_SECURITY="ssl",
        ORDERGATE_SMTP_FROM_ADDRESS="nobody", ORDERGATE_SMTP_TIMEOUT="-1")

    with pytest.raises(ConfigError) as caught:
        Settings()

    for name in ("ORDERGATE_SMTP_PORT", "ORDERGATE_SMTP_SECURITY", "ORDERGATE_SMTP_FROM_ADDRESS",
                 "ORDERGATE_SMTP_TIMEOUT"):
        assert name in str(caught.value)


# ---------------------------------------------------------------- both
@pytest.mark.parametrize("prefix", ["ORDERGATE_IMAP_", "ORDERGATE_SMTP_"])
def test_a_password_and_its_block_both_set_is_an_error_naming_both(env, prefix):
    env(**{prefix + "HOST": "h", prefix + "USER": "u", prefix + "PASSWORD": SECRET,
           prefix + "PASSWORD_BLOCK": "some-block"})

    with pytest.raises(ConfigError) as caught:
        Settings()

    message = str(caught.value)
    assert f"both {prefix}PASSWORD and {prefix}PASSWORD_BLOCK are set" in message
    assert SECRET not in message


@pytest.mark.parametrize("prefix", ["ORDERGATE_IMAP_", "ORDERGATE_SMTP_"])
def test_an_empty_password_next_to_a_block_counts_as_unset(env, prefix):
    env(**{prefix + "HOST": "h", prefix + "USER": "u", prefix + "PASSWORD": "",
           prefix + "PASSWORD_BLOCK": "the-block"})

    connection = getattr(Settings(), prefix.split("_")[1].lower())

    assert (connection.password, connection.password_block) == (None, "the-block")


def test_empty_variables_count_as_unset(env):
    env(ORDERGATE_IMAP_HOST="h", ORDERGATE_IMAP_USER="u", ORDERGATE_IMAP_PORT="",
        ORDERGATE_IMAP_SECURITY="", ORDERGATE_IMAP_PASSWORD="", ORDERGATE_SMTP_HOST="",
        ORDERGATE_PREFECT_PORT="", ORDERGATE_POLL_INTERVAL_SECONDS="", ORDERGATE_MAILDIR="")

    settings = Settings()

    assert (settings.imap.port, settings.imap.security, settings.imap.password) == (None, "tls", None)
    assert settings.imap.effective_port == 993
    assert settings.smtp is None
    assert (settings.prefect_port, settings.poll_interval_seconds, settings.maildir) == (4200, 60, None)


def test_secrets_stay_out_of_reprs_and_errors(env):
    env(ORDERGATE_IMAP_HOST="h", ORDERGATE_IMAP_USER="u", ORDERGATE_IMAP_PASSWORD=SECRET,
        ORDERGATE_SMTP_HOST="s", ORDERGATE_SMTP_PASSWORD=SECRET)
    settings = Settings()

    for shown in (repr(settings), str(settings), repr(settings.imap), repr(settings.smtp),
                  settings.model_dump_json()):
        assert SECRET not in shown

    env(ORDERGATE_IMAP_PORT="bad")
    with pytest.raises(ConfigError) as caught:
        Settings()
    assert SECRET not in str(caught.value)


# ---------------------------------------------------------------- Prefect and schedules
def test_prefect_settings(env):
    assert (Settings().prefect_port, Settings().prefect_api_url) == (4200, None)

    env(ORDERGATE_PREFECT_PORT="4300", PREFECT_API_URL="http://prefect.internal:4200/api",
        ORDERGATE_POLL_INTERVAL_SECONDS="30")
    settings = Settings()

    assert (settings.prefect_port, settings.prefect_api_url, settings.poll_interval_seconds) == (
        4300, "http://prefect.internal:4200/api", 30)


@pytest.mark.parametrize("variable, value", [("ORDERGATE_PREFECT_PORT", "http"),
                                             ("ORDERGATE_PREFECT_PORT", "70000"),
                                             ("ORDERGATE_POLL_INTERVAL_SECONDS", "0"),
                                             ("ORDERGATE_STORE_BATCH_SIZE", "0")])
def test_bad_settings_name_the_variable(env, variable, value):
    env(**{variable: value})

    with pytest.raises(ConfigError, match=f"{variable}: "):
        Settings()


# ---------------------------------------------------------------- one place
READS_ENVIRONMENT = re.compile(r"\bos\.environ\b|\bgetenv\b|\bos\.environb\b|from os import .*environ")


@pytest.mark.parametrize("layer", ["processing", "sources", "sinks"])
def test_no_module_below_the_wiring_reads_the_environment(layer):
    modules = sorted((ROOT / "ordergate" / layer).rglob("*.py"))
    assert modules, f"no modules found under ordergate/{layer}"

    readers = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
               for path in modules
               for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if READS_ENVIRONMENT.search(line)]

    assert readers == [], "read settings through ordergate.settings instead:\n" + "\n".join(readers)


def test_the_environment_check_finds_a_reader():
    """The pattern above catches each way of reading the environment it claims to."""
    for line in ('host = os.environ.get("X")', 'os.getenv("X")', "from os import environ",
                 'os.environ["X"]'):
        assert READS_ENVIRONMENT.search(line), line
    assert not READS_ENVIRONMENT.search("settings.environment_name")
