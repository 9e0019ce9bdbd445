"""The speed machinery of the intake, kept apart so that the domain code reads without it.

Two processes: a document's prepare stage (parse, map, check) runs in a second process while
this one stores (``prepared_items``), and ``Pace`` tells the prepare side when the store is
behind, so work either side may do (an acknowledgement's lines, ``PreparedOrder.ack_lines``;
an EDIFACT message handed over unread) goes where there is time for it. And the cyclic garbage
collector is paused while documents are processed (``collector_paused``).

Storing is bound to one database connection and parsing is pure Python, so on a machine with
two cores a large interchange goes about twice as fast when the two overlap. The child is
forked, so it shares the bytes, the settings and the master data without copying them; it
sends its items back in chunks through a pipe (the items are built to pickle cheaply) and
never touches the database. A small document is prepared in this process: forking costs a
few milliseconds and gains nothing there.

The child is a pure function of its inputs, so anything that goes wrong in it is re-raised
here: a ``DocumentError`` as a ``DocumentError`` with the same message (the document is
marked failed), anything else as ``PrepareFailed`` with the child's traceback logged.
"""

from __future__ import annotations

import functools
import gc
import logging
import multiprocessing
import os
import pickle
import queue
import signal
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from ordergate.errors import DocumentError, InternalError
from ordergate.parsers.edi_limits import Budget, check_budget
from ordergate.printable import printable_lines

log = logging.getLogger(__name__)

T = TypeVar("T")
CHUNK = 100  # items per message through the pipe (about 250 KB of 10-line orders)
PIPE_BYTES = 4 * 1024 * 1024
# How far the child may run ahead of the store, in bytes of pickled items waiting here (plus
# what the pipe holds): counted in bytes, not chunks, because a chunk of 100 orders of 1,000
# lines is a hundred times one of 10 lines, and the memory of an ingest must not follow the
# document's size. 16 MB is about 60 chunks of 10-line orders, several store batches.
QUEUED_BYTES = 16 * 1024 * 1024
# How long past the budget this process waits for a child that does not report it itself
# (it checks between chunks of its reading: one chunk may run over).
BUDGET_GRACE_SECONDS = 5.0


# How often the two processes hand the C allocator's free memory back to the system
# (``give_back_freed_memory``): every tenth stored batch here, every fiftieth chunk in the
# prepare process, each a few milliseconds.
TRIM_EVERY_BATCHES = 10
TRIM_EVERY_CHUNKS = 50


@functools.cache  # looked up on first use: ctypes is not worth importing at every start
def malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library is another."""
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def give_back_freed_memory() -> None:
    """Return the memory the C allocator holds free to the system (glibc's ``malloc_trim``;
    nothing elsewhere). A large document frees most of what each batch allocated, but glibc
    keeps the freed pages of its heaps, scattered between live ones, and they count in the
    process's memory: at 100,000 orders on PostgreSQL the two processes grew by 70 MB over
    the 10,000-order peak, 22 MB of it such pages. Python's own small-object arenas are given
    back by Python itself."""
    trim = malloc_trim()
    if trim is not None:
        trim(0)


class Pace:
    """How far the storing process is behind, shared by the two processes.

    Some work can be done on either side with the same result (e.g. writing an
    acknowledgement's lines: ``PreparedOrder.ack_lines``). The prepare process does it only
    while the store has a backlog of more than ``backlog`` items, so neither process waits for
    the other: on a busy or noisy machine the balance moves by itself. Created before the fork
    (the count lives in shared memory); the child counts what it sent, the parent what it took.
    """

    def __init__(self, backlog: int) -> None:
        self.backlog = backlog
        self._taken = multiprocessing.get_context("fork").RawValue("q", 0)
        self._sent = 0  # only the child's copy counts

    @classmethod
    def for_store(cls, batch_size: int, in_child: bool) -> Pace | None:
        """The pace of a document's two processes (None in one): work ahead while the store
        has more than two of its batches waiting."""
        return cls(backlog=batch_size * 2) if in_child else None

    def store_is_behind(self) -> bool:
        """In the prepare process: whether the store has more than enough items waiting."""
        return self._sent - self._taken.value > self.backlog

    def store_will_wait(self) -> bool:
        """In the prepare process: whether the store has at most one chunk of items left to
        deal with, so that it will wait before the chunk being filled now arrives. (The store
        counts an item once it comes back for the next one: most items as soon as they join
        a batch, the one that fills a batch only after that batch is stored.)"""
        return self._sent - self._taken.value <= CHUNK


def time_to_spare(pace: Pace | None) -> bool:
    """In the prepare stage: whether to do the work either process may do. In one process it
    costs the same wherever it is done; in two, only while the store is behind."""
    return pace is None or pace.store_is_behind()


def store_will_wait(pace: Pace | None) -> bool:
    """In the prepare stage: whether to hand work that the store can do as well over to it,
    because it would wait otherwise. Never in one process: there is nobody to hand it to."""
    return pace is not None and pace.store_will_wait()


class PrepareFailed(InternalError):
    """An unexpected error in the child process (a bug): its traceback is in the log."""


def can_fork() -> bool:
    # A daemonic process (e.g. a multiprocessing pool worker) may not start children.
    return ((os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon)


def worth_a_second_process(content: bytes, threshold: int) -> bool:
    """``settings.parallel_from_bytes``: 0 never, else documents at least that large."""
    return bool(threshold) and len(content) >= threshold and can_fork()


def prepared_items(produce: Callable[[], Iterator[T]], *, in_child: bool,
                   pace: Pace | None = None, budget: Budget | None = None) -> Iterator[T]:
    """Yield what ``produce()`` yields, computed here or, with ``in_child``, in a forked process
    (which ``pace``, when given, tells how far behind this one is).

    With a ``budget``, storing what the child sent is held to it too (once per chunk of
    items), and a child that runs past it without a word is stopped: ``BudgetExceeded``."""
    if not in_child:
        yield from produce()
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    _widen(receiver)
    child = context.Process(target=_run_child, args=(produce, sender, receiver, pace), daemon=True,
                            name="ordergate-prepare")
    child.start()
    sender.close()  # only the child writes; EOF then means the child is gone
    # A thread drains the pipe while this one stores: without it the child would stall on a
    # full pipe during every database batch and the two processes would take turns instead
    # of overlapping. It moves raw bytes only (reading releases the GIL); unpickling happens
    # here, as items are consumed.
    chunks = ByteQueue(QUEUED_BYTES)
    stop = threading.Event()
    drain = threading.Thread(target=_drain, args=(receiver, chunks, stop), daemon=True,
                             name="ordergate-prepare-drain")
    drain.start()
    try:
        while True:
            if budget is None:
                raw = chunks.get()
            else:
                try:
                    raw = chunks.get(timeout=max(0.0, budget.remaining()) + BUDGET_GRACE_SECONDS)
                except queue.Empty:
                    budget.exceeded("preparing the document")
            if raw is None:
                child.join(timeout=5)  # so the exit code is known, not None
                raise PrepareFailed(f"the prepare process ended without finishing "
                                    f"(exit code {child.exitcode})")
            kind, payload = pickle.loads(raw)
            if kind == "items":
                if pace is None:
                    yield from payload
                else:
                    taken = pace._taken
                    for item in payload:
                        yield item
                        taken.value += 1  # the consumer is done with it
                check_budget(budget, "storing the document's orders")
            elif kind == "done":
                return
            else:
                _raise_child_error(payload)
    finally:
        # The consumer may stop early (its own error, or a generator closed half-way) while the
        # child is still producing and the drain thread waits on a full queue: tell the thread
        # to let go, kill the child (its work is pure and is simply lost; SIGKILL because it
        # ignores SIGINT), and only then close our end, once nobody reads from it.
        stop.set()
        if child.is_alive():
            child.kill()
        child.join()
        drain.join()
        receiver.close()


def _widen(connection) -> None:
    """Let the pipe hold a few chunks: the draining thread reads only when it gets the GIL
    (every few milliseconds while this process stores), and with the default 64 KiB a chunk
    needed several such turns, each one stalling the child."""
    try:
        import fcntl

        limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())
        fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, min(limit, PIPE_BYTES))
    except (ImportError, AttributeError, OSError, ValueError):
        pass  # not Linux: the default size only costs speed


class ByteQueue:
    """A FIFO of byte strings bounded by their total size: ``put`` waits while the queue holds
    ``limit`` bytes or more (one item always fits, however large, so nothing is stuck)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: deque[bytes | None] = deque()
        self._bytes = 0
        self._changed = threading.Condition()

    def put(self, item: bytes | None, timeout: float | None = None) -> None:
        """Raises ``queue.Full`` when there is no room within ``timeout`` seconds."""
        size = len(item) if item is not None else 0
        with self._changed:
            if not self._changed.wait_for(lambda: not self._items or self._bytes < self.limit,
                                          timeout):
                raise queue.Full
            self._items.append(item)
            self._bytes += size
            self._changed.notify_all()

    def get(self, timeout: float | None = None) -> bytes | None:
        """Raises ``queue.Empty`` when nothing comes within ``timeout`` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._items, timeout):
                raise queue.Empty
            item = self._items.popleft()
            self._bytes -= len(item) if item is not None else 0
            self._changed.notify_all()
            return item


def _drain(receiver, chunks: ByteQueue, stop: threading.Event) -> None:
    try:
        while not stop.is_set():
            if not _put(chunks, receiver.recv_bytes(), stop):
                return
    except (EOFError, OSError):  # the child finished (or was stopped) and closed its end
        _put(chunks, None, stop)


def _put(chunks: ByteQueue, item: bytes | None, stop: threading.Event) -> bool:
    """Queue ``item`` unless the consumer has gone away; False when it has."""
    while not stop.is_set():
        try:
            chunks.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _run_child(produce: Callable[[], Iterator], sender, receiver, pace: Pace | None) -> None:
    _become_a_child(receiver)
    # Everything inherited from the parent is left alone by the collector: walking it would
    # cost time and copy every page the fork shares.
    gc.freeze()
    chunk: list = []
    sent = 0
    try:
        for item in produce():
            chunk.append(item)
            if len(chunk) >= CHUNK:
                _send(sender, ("items", chunk))
                if pace is not None:
                    pace._sent += len(chunk)
                chunk = []
                sent += 1
                if sent % TRIM_EVERY_CHUNKS == 0:
                    give_back_freed_memory()
        if chunk:
            _send(sender, ("items", chunk))
        _send(sender, ("done", None))
    except BaseException as exc:  # reported to the parent, which decides what it means
        try:
            if chunk:  # what was prepared before the error is stored like everything else
                _send(sender, ("items", chunk))
            _send(sender, ("error", (isinstance(exc, DocumentError), f"{type(exc).__name__}: {exc}",
                                     str(exc), traceback.format_exc())))
        except OSError:
            pass  # the parent is gone: nobody to tell
    finally:
        sender.close()


def _become_a_child(receiver) -> None:
    """Undo what the fork inherited that only the parent should have.

    The parent's signal handlers (e.g. a server's graceful SIGTERM) would run here too, and
    Ctrl-C reaches the whole process group: the parent decides and kills this process. The
    inherited read end is closed so that when the parent dies, the next send fails (EPIPE)
    and this process ends instead of running on as an orphan. (Not PR_SET_PDEATHSIG: it
    fires when the forking *thread* ends, and flows run documents in worker threads.)
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    receiver.close()
    # A log stream's lock held by another thread of the parent at the fork stays held here
    # for good: a record logged in this process would wait on it forever. Whatever goes wrong
    # here is sent to the parent, which logs it.
    logging.disable(logging.CRITICAL)


def _send(sender, message: tuple) -> None:
    sender.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def _raise_child_error(payload: tuple[bool, str, str, str]) -> None:
    is_document_error, summary, message, child_traceback = payload
    if is_document_error:
        raise DocumentError(message)
    # Composed into the message (not an argument), so the traceback keeps its lines in the log.
    log.error("the prepare process failed:\n" + printable_lines(child_traceback))
    raise PrepareFailed(summary)


# ---------------------------------------------------------------- the collector
@contextmanager
def collector_paused():
    """A large interchange allocates millions of objects, nearly all freed by reference
    counting the moment they are done with; the cyclic collector finds nothing among them but
    walked them anyway: with first-generation thresholds of 700 it cost about a quarter of the
    run, and still about 9 % at 50,000 (measured: 0.18 s of a 2 s run in the storing process,
    0.15 s in the preparing one, which is forked with the collector as it is here). So it is
    off while a document is processed and back on afterwards; the few cycles it makes wait
    until then. Counted, because flows may process documents in several threads at once; a
    document that ends while others keep it off collects the young objects itself, so that
    overlapping documents never keep the collector away for good."""
    with _PAUSE_LOCK:
        if _PAUSED[0] == 0:
            _PAUSED[1] = gc.isenabled()
            gc.disable()
        _PAUSED[0] += 1
    try:
        yield
    finally:
        with _PAUSE_LOCK:
            _PAUSED[0] -= 1
            others = _PAUSED[0]
            if others == 0 and _PAUSED[1]:
                gc.enable()
        if others and _PAUSED[1]:
            gc.collect(0)


_PAUSE_LOCK = threading.Lock()
_PAUSED = [0, True]  # documents being processed; whether the collector was on before
