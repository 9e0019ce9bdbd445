"""Secrets kept in Prefect: the one way ordergate reads a password from a Secret block.

Passwords come from an ``ORDERGATE_*_PASSWORD`` variable or from the Prefect Secret block an
``ORDERGATE_*_PASSWORD_BLOCK`` variable names (see ``sources/imap.py``, ``sinks/smtp.py``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import SecretStr

from ordergate.errors import ConfigError


def password_from_env(variable: str, block_variable: str,
                      environ: Mapping[str, str] | None = None) -> SecretStr | None:
    """The password in ``variable``, or in the Prefect Secret block ``block_variable`` names;
    None when neither is set. Both set is an error rather than a silent choice: which one a
    server uses must not depend on which variable happens to be read first."""
    env = os.environ if environ is None else environ
    value = env.get(variable, "")
    block = env.get(block_variable, "").strip()
    if value and block:
        raise ConfigError(f"both {variable} and {block_variable} are set: set only one (the "
                          f"password itself, or the name of the Prefect Secret block holding it)")
    if block:
        return SecretStr(secret_from_block(block, block_variable))
    return SecretStr(value) if value else None


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
