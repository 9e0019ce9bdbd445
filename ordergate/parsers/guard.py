"""Running a parser on untrusted bytes in a child process with a time and memory budget.

In-process checks cannot stop a library that chews on one pathological input (pdfminer
repairing an xref table, pandas padding a sheet to 16,384 columns, the email package's
superlinear parameter parser), and nothing in-process bounds the memory it claims. Here the
work runs in a forked child with an address-space limit; the parent waits at most the time
limit (plus a little for the fork) and kills it. What the child prints goes to the log, never
to our standard output, which belongs to the command (``ingest --json``).

The child is forked, so the function and its arguments are not pickled; the result and any
``DocumentError`` are, to cross the pipe back.
"""

from __future__ import annotations

import gc
import io
import logging
import os
import pickle
import resource
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ordergate.errors import DocumentError, InternalError

log = logging.getLogger(__name__)

MB = 1024 * 1024
_GRACE_SECONDS = 2.0  # forking and sending the result back
_MAX_CAPTURED_CHARS = 4000  # of what a library printed in the child, for the log
_READ_CHUNK = 1024 * 1024
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ParseBudget:
    """What reading one document may cost: wall-clock seconds, and megabytes of memory on top
    of what the process already holds (``ORDERGATE_PARSE_MAX_SECONDS`` / ``_MEMORY_MB``)."""

    max_seconds: float = 60.0
    max_memory_mb: int = 512

    @property
    def memory_bytes(self) -> int:
        return self.max_memory_mb * MB


class BudgetExceeded(DocumentError):
    """The document needed more time or memory than the budget allows."""


class GuardedReadFailed(InternalError):
    """An unexpected error inside the child (a bug, not a bad document): the message has its
    traceback."""


def can_fork() -> bool:
    return hasattr(os, "fork")


def run_guarded(function: Callable[..., _T], *args, budget: ParseBudget, what: str,
                error: type[DocumentError] = BudgetExceeded, **kwargs) -> _T:
    """``function(*args, **kwargs)`` in a forked child within ``budget``.

    Returns its result; a ``DocumentError`` it raises is raised here again; running out of
    time or memory raises ``error`` with a sentence naming ``what`` (e.g. "the PDF"); anything
    else is a bug and raises ``GuardedReadFailed``. Where no child can be forked the function
    runs in-process (its own cooperative limits still apply).

    A bare ``os.fork`` and a pipe rather than ``multiprocessing``: mails are small and many,
    and its process bookkeeping tripled the cost of a guarded read.
    """
    if not can_fork():
        return function(*args, **kwargs)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        status = 1
        try:
            os.close(read_end)
            _child(function, args, kwargs, budget, write_end)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        data = _receive(read_end, budget.max_seconds + _GRACE_SECONDS)
    finally:
        os.close(read_end)
        exit_code = _reap(pid)
    if data is None or (not data and exit_code == -signal.SIGXCPU):
        raise error(f"reading {what} took longer than {budget.max_seconds:g} s and was "
                    f"stopped; send it again as a simpler or smaller file")
    if not data:  # the child died without a word: the memory limit, or a crash
        raise error(f"{what} could not be read within {budget.max_memory_mb} MB of memory "
                    f"(exit code {exit_code}); it may be malformed or built to exhaust memory")
    kind, payload, printed = pickle.loads(data)
    if printed:
        log.debug("reading %s printed: %s", what, printed)
    if kind == "ok":
        return payload
    if kind == "document":
        raise payload
    if kind == "memory":
        raise error(f"{what} needs more than {budget.max_memory_mb} MB of memory to read; it may "
                    f"be malformed or built to exhaust memory")
    raise GuardedReadFailed(payload)


def _receive(fd: int, seconds: float) -> bytes | None:
    """Everything the child writes until it closes the pipe; None when that takes longer than
    ``seconds``."""
    deadline = time.monotonic() + seconds
    chunks = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None
        chunk = os.read(fd, _READ_CHUNK)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _reap(pid: int) -> int | None:
    """Kill the child if it still runs, and collect it; its exit code (negative: the signal)."""
    try:
        finished, status = os.waitpid(pid, os.WNOHANG)
        if not finished:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return None
    return os.waitstatus_to_exitcode(status)


def _child(function, args, kwargs, budget: ParseBudget, write_end: int) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides
    # No logging here: the fork copied every lock as it stood, and a log stream's lock that
    # another thread of the parent held at that moment is held for good in this process, so a
    # library's warning would hang the read until the time limit. (Its stderr goes to
    # /dev/null below anyway; what it prints is captured for the parent's log.)
    logging.disable(logging.CRITICAL)
    # The objects inherited from the parent are never garbage here; leaving them out of the
    # collector's walks spares copying their pages.
    gc.freeze()
    printed = _capture_output()
    _limit_memory(budget.memory_bytes)
    _limit_cpu(budget.max_seconds + _GRACE_SECONDS)
    try:
        message = ("ok", function(*args, **kwargs))
    except DocumentError as exc:
        message = ("document", _portable(exc))
    except MemoryError:
        message = ("memory", None)
    except BaseException:  # reported to the parent, which raises it as a bug
        message = ("bug", traceback.format_exc())
    try:
        data = pickle.dumps((*message, printed.getvalue()[:_MAX_CAPTURED_CHARS]),
                            protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = pickle.dumps(("memory", None, ""))
    except Exception:  # noqa: BLE001 - a result that cannot cross the pipe is a bug
        data = pickle.dumps(("bug", traceback.format_exc(), ""))
    try:
        with open(write_end, "wb") as pipe:
            pipe.write(data)
    except OSError:
        pass  # the parent gave up (time limit) and closed its end


def _portable(exc: DocumentError) -> DocumentError:
    """The error itself when it survives the pipe, else a ``DocumentError`` with its text
    (a subclass whose ``__init__`` wants other arguments cannot be rebuilt by pickle)."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - any failure means: send the plain text
        return DocumentError(str(exc))


def _capture_output() -> io.StringIO:
    """Send the child's file descriptors 1 and 2 to /dev/null and ``sys.stdout``/``stderr`` to a
    buffer the parent logs: a library's chatter (xlrd prints to stdout) must not end up in the
    command's output."""
    buffer = io.StringIO()
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.close(null)
    except OSError:
        pass  # the Python-level redirection below still catches print()
    sys.stdout = sys.stderr = buffer
    return buffer


def _limit_cpu(seconds: float) -> None:
    """A backstop for a parent that died before it could kill the child: the kernel stops a
    child that has used more CPU than the parent would ever have waited."""
    try:
        limit = int(seconds) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 1))
    except (OSError, ValueError):
        pass


def _limit_memory(budget: int) -> None:
    """Cap the address space at what the child already maps (inherited from the parent) plus
    ``budget``: a fixed cap below the parent's own size would fail every allocation."""
    try:
        with open(f"/proc/{os.getpid()}/statm") as statm:
            mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = mapped + budget
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError):
        pass  # not Linux: the time limit still applies
