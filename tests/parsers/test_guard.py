"""The guarded child runner every untrusted-file parser uses: results and document errors come
back as they are, time and memory limits stop the child with a sentence a person can act on,
a bug is reported as a bug, what the child prints stays off our output, no child is left."""

from __future__ import annotations

import os
import time

import pytest

from ordergate.errors import DocumentError
from ordergate.parsers import guard
from ordergate.parsers.guard import (
    BudgetExceeded,
    GuardedReadFailed,
    ParseBudget,
    run_guarded,
)
from tests.kit.processes import children


class PickyError(DocumentError):
    """A DocumentError pickle cannot rebuild: its __init__ wants two arguments."""

    def __init__(self, what: str, where: int) -> None:
        super().__init__(f"{what} at {where}")


class OtherError(DocumentError):
    pass


def test_the_result_comes_back():
    before = children()
    assert run_guarded(lambda a, b=0: {"sum": a + b, "pid": os.getpid()}, 2, b=3,
                       budget=ParseBudget(), what="x")["sum"] == 5
    assert children() <= before  # the guarded child is gone


def test_the_child_is_another_process():
    assert run_guarded(os.getpid, budget=ParseBudget(), what="x") != os.getpid()


def test_a_document_error_keeps_its_class_and_text():
    def bad():
        raise OtherError("row 3 is wrong")

    with pytest.raises(OtherError, match="row 3 is wrong"):
        run_guarded(bad, budget=ParseBudget(), what="x")


def test_a_document_error_pickle_cannot_rebuild_still_arrives_with_its_text():
    def bad():
        raise PickyError("odd", 7)

    with pytest.raises(DocumentError, match="odd at 7"):
        run_guarded(bad, budget=ParseBudget(), what="x")


def test_a_child_that_never_finishes_is_killed_at_the_time_limit(monkeypatch):
    before = children()
    monkeypatch.setattr(guard, "_GRACE_SECONDS", 0.1)
    started = time.monotonic()
    with pytest.raises(OtherError, match="reading the file took longer than 0.3 s and was "
                                         "stopped; send it again as a simpler or smaller file"):
        run_guarded(time.sleep, 60, budget=ParseBudget(max_seconds=0.3), what="the file",
                    error=OtherError)
    assert time.monotonic() - started < 5
    assert children() <= before  # the guarded child is gone


def test_a_child_over_the_memory_budget_is_refused():
    with pytest.raises(BudgetExceeded, match="the file (needs more than|could not be read within) "
                                             "64 MB of memory"):
        run_guarded(bytearray, 1024 * 1024 * 1024, budget=ParseBudget(max_memory_mb=64),
                    what="the file")


def test_a_bug_is_reported_with_its_traceback_not_blamed_on_the_file():
    with pytest.raises(GuardedReadFailed, match="ZeroDivisionError"):
        run_guarded(lambda: 1 / 0, budget=ParseBudget(), what="x")


def test_a_result_that_cannot_cross_the_pipe_is_a_bug():
    with pytest.raises(GuardedReadFailed, match="pickle"):
        run_guarded(lambda: (lambda: None), budget=ParseBudget(), what="x")


def test_what_the_child_prints_stays_off_our_output_and_goes_to_the_log(capfd, caplog):
    def chatty():
        print("library chatter")
        os.write(1, b"raw fd 1\n")
        os.write(2, b"raw fd 2\n")
        return "done"

    with caplog.at_level("DEBUG", logger="ordergate.parsers.guard"):
        assert run_guarded(chatty, budget=ParseBudget(), what="the file") == "done"
    assert capfd.readouterr() == ("", "")
    assert "library chatter" in caplog.text


def test_the_child_cannot_outlive_its_budget_in_cpu_time_even_without_its_parent(monkeypatch):
    import resource

    monkeypatch.setattr(guard, "_GRACE_SECONDS", 2.0)
    soft, _ = run_guarded(resource.getrlimit, resource.RLIMIT_CPU,
                          budget=ParseBudget(max_seconds=10), what="x")
    assert soft == 14  # 10 s, the 2 s grace and 2 s to spare: never before the parent's kill
