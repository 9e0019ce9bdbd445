"""Fixtures for the sink tests: the in-process SMTP server from ``tests/smtpserver.py``."""

from smtpserver import smtp_certificate, smtp_server, start_smtp_server  # noqa: F401  (fixtures)
