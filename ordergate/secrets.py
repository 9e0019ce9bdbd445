"""Passwords of the mail servers: the one way ordergate reads a password from a Secret block.

A password comes from an ``ORDERGATE_*_PASSWORD`` variable or from the Prefect Secret block
an ``ORDERGATE_*_PASSWORD_BLOCK`` variable names; ``ordergate.settings`` reads both into the
connection settings (``ImapSettings``, ``SmtpSettings``) and refuses both at once. The block
is read here, when a connection is about to be made, not when the settings are loaded.
"""

from __future__ import annotations

from pydantic import SecretStr

from ordergate.errors import ConfigError
from ordergate.mail_settings import ImapSettings, SmtpSettings


def resolve_password(settings: ImapSettings | SmtpSettings, prefix: str) -> SecretStr | None:
    """The password ``settings`` carry, or the one in the Secret block they name; None when
    neither is set. ``prefix`` (``ORDERGATE_IMAP_``) names the variables in errors."""
    if settings.password_block:
        return SecretStr(secret_from_block(settings.password_block, f"{prefix}PASSWORD_BLOCK"))
    return settings.password


def secret_from_block(name: str, named_by: str) -> str:
    """The string the Prefect Secret block ``name`` holds; ``named_by`` is the variable that
    named it, for the error message. Never puts the secret in an error."""
    # Prefect takes seconds to import; only pay for it when a block is actually named.
    from prefect.blocks.system import Secret

    try:
        value = Secret.load(name).get()
    except Exception as exc:  # not found, API unreachable, wrong block type: all mean "fix the setting"
        raise ConfigError(f"Prefect Secret block {name!r} (from {named_by}) could not be "
                          f"loaded: {type(exc).__name__}: {exc}") from exc
    if not isinstance(value, str) or not value:
        raise ConfigError(f"Prefect Secret block {name!r} (from {named_by}) must hold the "
                          f"password as a non-empty string")
    return value
