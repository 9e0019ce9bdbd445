"""The real-Dovecot fixtures (tests/mailserver.py) for the mail source tests."""

from tests.mailserver import dovecot, imap_account  # noqa: F401
