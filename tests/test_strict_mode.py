"""Strict mode turns "skipped: PostgreSQL not reachable" into a failure, whoever runs the suite:
``ORDERGATE_TEST_STRICT=1`` (set by .ci/run) or ``CI=true`` (set by CI services)."""

from __future__ import annotations

import pytest

from tests.kit.strict import require, strict


@pytest.fixture
def relaxed(monkeypatch):
    monkeypatch.delenv("ORDERGATE_TEST_STRICT", raising=False)
    monkeypatch.delenv("CI", raising=False)


def test_without_strict_mode_a_missing_part_skips_with_the_reason(relaxed):
    assert not strict()
    with pytest.raises(pytest.skip.Exception, match="Dovecot is not installed"):
        require(False, "Dovecot is not installed")


@pytest.mark.parametrize(("variable", "value"), [("ORDERGATE_TEST_STRICT", "1"), ("CI", "true")])
def test_in_strict_mode_a_missing_part_fails_with_the_reason(relaxed, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    assert strict()
    with pytest.raises(pytest.fail.Exception, match="Dovecot is not installed.*everything must run"):
        require(False, "Dovecot is not installed")


def test_a_part_that_is_there_neither_skips_nor_fails(relaxed, monkeypatch):
    monkeypatch.setenv("ORDERGATE_TEST_STRICT", "1")
    assert require(True, "never said") is None


@pytest.mark.parametrize("value", ["0", "", "true"])
def test_only_one_turns_strict_mode_on(relaxed, monkeypatch, value):
    monkeypatch.setenv("ORDERGATE_TEST_STRICT", value)
    assert not strict()
