"""Reading an untrusted PDF in a child process that can be stopped.

``extract_pdf_order`` checks its time limit between pages, which cannot stop pdfminer while it
opens a damaged file or chews on one pathological page, and nothing in-process bounds the
memory a PDF bomb can claim. Here the extraction runs in a forked child with an address-space
limit; the parent waits at most the time limit (plus a little for the fork) and kills it.
The result is a plain dataclass, so it crosses the pipe cheaply.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import traceback
from collections.abc import Sequence

from ordergate.errors import DocumentError
from ordergate.parsers.pdf_extract import extract_pdf_order
from ordergate.parsers.pdf_result import PdfExtraction
from ordergate.parsers.pdf_template import PdfTemplate
from ordergate.parsers.pdf_text import PdfError, PdfLimits

MEMORY_BUDGET = 1024 * 1024 * 1024  # bytes of address space a PDF may take on top of the parent
_GRACE_SECONDS = 2.0  # forking and sending the result back


class PdfReadFailed(RuntimeError):
    """An unexpected error inside the child (a bug, not a bad PDF): the message has its traceback."""


def _can_fork() -> bool:
    return ("fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon)


def extract_pdf_order_guarded(content: bytes, *, templates: Sequence[PdfTemplate] = (),
                              limits: PdfLimits = PdfLimits(),
                              memory_budget: int = MEMORY_BUDGET) -> PdfExtraction:
    if not _can_fork():  # e.g. inside a daemonic worker: the in-process limits still apply
        return extract_pdf_order(content, templates=templates, limits=limits)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(content, tuple(templates), limits,
                                                 memory_budget, sender, receiver),
                            daemon=True, name="ordergate-pdf")
    child.start()
    sender.close()
    try:
        if not receiver.poll(limits.max_seconds + _GRACE_SECONDS):
            raise PdfError(f"reading the PDF took longer than {limits.max_seconds:g} s and was "
                           f"stopped; send it again as a simpler or smaller file")
        try:
            kind, payload = receiver.recv()
        except EOFError:  # the child died without a word: the memory limit, or a crash
            child.join(timeout=5)
            raise PdfError(f"the PDF could not be read within {memory_budget // (1024 * 1024)} MB "
                           f"of memory (exit code {child.exitcode}); it may be malformed or "
                           f"built to exhaust memory") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if kind == "ok":
        return payload
    if kind == "document":
        raise PdfError(payload)
    raise PdfReadFailed(payload)


def _child(content: bytes, templates: tuple[PdfTemplate, ...], limits: PdfLimits,
           memory_budget: int, sender, receiver) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides
    receiver.close()
    _limit_memory(memory_budget)
    try:
        message = ("ok", extract_pdf_order(content, templates=templates, limits=limits))
    except DocumentError as exc:
        message = ("document", str(exc))
    except MemoryError:
        message = ("document", f"the PDF needs more than {memory_budget // (1024 * 1024)} MB of "
                               f"memory to read; it may be malformed or built to exhaust memory")
    except BaseException:  # reported to the parent, which logs it as a bug
        message = ("bug", traceback.format_exc())
    try:
        sender.send(message)
    except OSError:
        pass  # the parent gave up (time limit) and closed its end
    finally:
        sender.close()


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
