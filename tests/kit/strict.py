"""Whether everything must run: the one place the suite decides between skipping and failing.

A test that needs something outside the repository (PostgreSQL, Dovecot, the third-party
corpus, a font, a row of the corpus's report) calls ``require``. On a developer's machine a
missing part skips the test with the reason; in strict mode it fails, so a broken service or
a moved corpus can never turn the suite green by skipping. Strict mode is
``ORDERGATE_TEST_STRICT=1`` (``.ci/run`` sets it); ``CI=true``, which CI services set, turns it
on too.
"""

from __future__ import annotations

import os

import pytest

STRICT_VARIABLE = "ORDERGATE_TEST_STRICT"


def strict() -> bool:
    """True when every test must run: ``ORDERGATE_TEST_STRICT=1`` or ``CI=true``."""
    return os.environ.get(STRICT_VARIABLE) == "1" or os.environ.get("CI") == "true"


def require(condition: object, reason: str) -> None:
    """Go on when ``condition`` holds; otherwise skip the test with ``reason``, or fail it in
    strict mode (the reason then says how to run without strict mode)."""
    if condition:
        return
    if strict():
        pytest.fail(f"{reason} ({STRICT_VARIABLE}=1 or CI=true: everything must run)", pytrace=False)
    pytest.skip(reason)
