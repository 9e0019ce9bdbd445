"""The run loop: inputs by index, each fed to one reader under a time and a memory bound,
in several processes; failures grouped, counted and kept with one reproducer each.

Input ``i`` of a run depends only on (seed, reader, i), so any failure is reproduced by its
index alone (``--replay``). Each worker process checks its share of indices and writes a
checkpoint now and then; a worker that dies or hangs in C code (faulthandler ends it after
``HANG_GRACE`` seconds past the time bound) is restarted from its checkpoint, past the input it
was on, and that input is recorded as a ``crash`` failure.
"""

from __future__ import annotations

import contextlib
import faulthandler
import importlib
import logging
import multiprocessing
import os
import pickle
import random
import re
import resource
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .known import Failure, known_label
from .targets import Target, Violation

HANG_GRACE = 1.5  # seconds past the time bound before faulthandler ends a hung worker
CHECKPOINT_EVERY = 2000
ROOT = Path(__file__).resolve().parents[2]


class Timeout(BaseException):
    """The time bound ran out (a BaseException, so a reader's ``except Exception`` cannot
    swallow it)."""


@dataclass
class Group:
    failure: Failure
    count: int
    index: int  # the lowest input index that showed it
    trace: str

    @property
    def known(self) -> str | None:
        return known_label(self.failure)


@dataclass
class Tally:
    done: int = 0
    outcomes: Counter = field(default_factory=Counter)
    groups: dict[tuple, Group] = field(default_factory=dict)
    seconds: float = 0.0

    def add_failure(self, failure: Failure, index: int, trace: str) -> None:
        key = (failure.kind, failure.exc_type, failure.location,
               failure.message if failure.kind == "violation" else "")
        group = self.groups.get(key)
        if group is None:
            self.groups[key] = Group(failure, 1, index, trace)
        else:
            group.count += 1
            if index < group.index:
                group.index, group.trace = index, trace

    def merge(self, other: "Tally") -> None:
        self.done += other.done
        self.outcomes.update(other.outcomes)
        for group in other.groups.values():
            for _ in range(group.count):
                self.add_failure(group.failure, group.index, group.trace)

    @property
    def failures(self) -> int:
        return sum(g.count for g in self.groups.values())


def input_rng(seed: int, reader: str, index: int) -> random.Random:
    return random.Random(f"{seed}:{reader}:{index}")


def target_named(reader: str) -> Target:
    if reader == "e2e":
        from .e2e import TARGET
        return TARGET
    from .targets import TARGETS
    return TARGETS[reader]


# ---------------------------------------------------------------- classifying
def _frames(exc: BaseException) -> list[traceback.FrameSummary]:
    return traceback.extract_tb(exc.__traceback__)


def _short(filename: str) -> str:
    path = Path(filename)
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        parts = path.parts
        cut = max((i for i, p in enumerate(parts) if p in ("site-packages", "python3.11")),
                  default=len(parts) - 2)
        return "/".join(parts[cut + 1:])


def _normalise(message: str) -> str:
    """A violation message with its varying values taken out, for grouping."""
    message = re.sub(r"'[^']*'|\"[^\"]*\"", "…", message)
    return re.sub(r"\d+", "#", message)[:120]


def classify(reader: str, exc: BaseException, kind: str) -> tuple[Failure, str]:
    frames = _frames(exc)
    ours = [f for f in frames if "/ordergate/" in f.filename]
    where = (ours or frames or [None])[-1]
    location = f"{_short(where.filename)}:{where.lineno} {where.name}" if where else "?"
    files = tuple(_short(f.filename) for f in frames)
    message = str(exc)[:300]
    failure = Failure(reader, kind, type(exc).__name__, location, files,
                      _normalise(message) if kind == "violation" else message)
    trace = "".join(traceback.format_exception(exc, limit=-12))[-3000:]
    return failure, trace


# ---------------------------------------------------------------- one worker
def _quiet(stderr: Path) -> int:
    """Send this process's stdout to a file, so a reader that prints is caught, its stderr
    (where faulthandler writes the stack of a hang) to ``stderr``, and keep library logging
    out of the report."""
    err = os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(err, 2)
    logging.getLogger().handlers[:] = [logging.NullHandler()]
    logging.getLogger().setLevel(logging.CRITICAL)
    logging.lastResort = None
    sys.stdout.flush()
    sink = tempfile.TemporaryFile()
    os.dup2(sink.fileno(), 1)
    sys.stdout = open(1, "w", closefd=False)
    return 1


def _limit_memory(memory_mb: int) -> None:
    with open("/proc/self/statm") as statm:
        current = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = current + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _on_alarm(signum, frame):
    raise Timeout("over the time bound")


def run_one(target: Target, seed: int, index: int, time_limit: float
            ) -> tuple[str | None, tuple[Failure, str] | None]:
    """(outcome, failure) of input ``index``; the caller has set the SIGALRM handler."""
    signal.setitimer(signal.ITIMER_REAL, time_limit)
    try:
        data = target.generate(input_rng(seed, target.name, index))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return check(target, data, time_limit)


def check(target: Target, data: object, time_limit: float
          ) -> tuple[str | None, tuple[Failure, str] | None]:
    """(outcome, failure) of feeding ``data`` to the target under the time bound (SIGALRM)."""
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, time_limit)
    try:
        return target.run(data), None
    except Timeout as exc:
        return None, classify(target.name, exc, "timeout")
    except MemoryError as exc:
        return None, classify(target.name, exc, "memory")
    except Violation as exc:
        return None, classify(target.name, exc, "violation")
    except Exception as exc:  # what the fuzzer is for: an exception the reader did not handle
        return None, classify(target.name, exc, "exception")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


WARM_IMPORTS = ("pandas", "openpyxl", "xlrd", "pdfplumber", "fpdf")


def _worker(reader: str, seed: int, indices: range, start: int, skip: frozenset[int],
            time_limit: float, memory_mb: int, state: Path, current) -> None:
    target = target_named(reader)
    signal.signal(signal.SIGALRM, _on_alarm)
    out = _quiet(state.with_suffix(".stderr"))
    with contextlib.suppress(Exception):  # load master data, templates, imports before the bounds
        target.run(target.generate(input_rng(seed, reader, -1)))
    # The readers import these on first need; a time bound that fell inside such an import
    # would leave the module half-initialised for every later input of this worker.
    for name in WARM_IMPORTS:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    _limit_memory(memory_mb)
    tally = _load(state) if start else Tally()
    started = time.monotonic() - tally.seconds
    hang_after = time_limit + HANG_GRACE
    for position in range(start, len(indices)):
        index = indices[position]
        if index in skip:
            continue
        current.value = index
        faulthandler.dump_traceback_later(hang_after, exit=True)
        outcome, failure = run_one(target, seed, index, time_limit)
        faulthandler.cancel_dump_traceback_later()
        tally.done += 1
        tally.outcomes[outcome or "failure"] += 1
        if failure is not None:
            tally.add_failure(failure[0], index, failure[1])
        if os.fstat(out).st_size:
            os.ftruncate(out, 0)
            os.lseek(out, 0, os.SEEK_SET)
            tally.add_failure(Failure(reader, "stdout", "-", "stdout", (), "the reader wrote to "
                                      "stdout"), index, "")
        if (position + 1) % CHECKPOINT_EVERY == 0:
            tally.seconds = time.monotonic() - started
            _save(state, tally, position + 1)
    tally.seconds = time.monotonic() - started
    _save(state, tally, len(indices))


def _save(path: Path, tally: Tally, position: int) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps((position, tally)))
    tmp.replace(path)


def _load(path: Path) -> Tally:
    return pickle.loads(path.read_bytes())[1]


def _position(path: Path) -> int:
    return pickle.loads(path.read_bytes())[0] if path.exists() else 0


# ---------------------------------------------------------------- the run
def run(reader: str, count: int, seed: int, jobs: int, time_limit: float, memory_mb: int,
        progress=None) -> Tally:
    ctx = multiprocessing.get_context("fork")
    if reader != "e2e":  # imports and master data once, here: a restarted worker inherits them
        target = target_named(reader)
        with contextlib.suppress(Exception):
            target.run(target.generate(input_rng(seed, reader, -1)))
    workdir = Path(tempfile.mkdtemp(prefix=f"fuzz-{reader}-"))
    slices = [range(job, count, jobs) for job in range(jobs)]
    skips: list[set[int]] = [set() for _ in slices]
    crashes = Tally()
    running: dict[int, tuple] = {}

    def start(job: int) -> None:
        state = workdir / f"job{job}.pickle"
        current = ctx.RawValue("q", -1)
        process = ctx.Process(target=_worker, args=(reader, seed, slices[job], _position(state),
                                                    frozenset(skips[job]), time_limit, memory_mb,
                                                    state, current), daemon=True)
        process.start()
        running[job] = (process, current, state)

    began = time.monotonic()
    for job in range(jobs):
        start(job)
    while running:
        time.sleep(0.2)
        for job, (process, current, state) in list(running.items()):
            if process.is_alive():
                continue
            process.join()
            del running[job]
            if process.exitcode != 0:
                index = current.value
                if index < 0 or index in skips[job]:
                    raise RuntimeError(f"the {reader} worker died before its first input "
                                       f"(exit {process.exitcode}); run with --jobs 1 to see why")
                skips[job].add(index)
                failure, trace = _crash(reader, process.exitcode, state.with_suffix(".stderr"))
                crashes.add_failure(failure, index, trace)
                crashes.done += 1
                crashes.outcomes["failure"] += 1
                start(job)
        if progress is not None:
            progress(time.monotonic() - began)
    total = Tally()
    for job in range(jobs):
        total.merge(_load(workdir / f"job{job}.pickle"))
    total.merge(crashes)
    total.seconds = time.monotonic() - began
    return total


_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<name>\S+)')


def _crash(reader: str, exitcode: int, stderr: Path) -> tuple[Failure, str]:
    """A worker that died: where it was, from the stack faulthandler wrote (innermost
    first), so hangs group by place like exceptions do."""
    text = stderr.read_text(errors="replace") if stderr.exists() else ""
    frames = [m.groupdict() for m in _FRAME.finditer(text)]
    ours = [f for f in frames if "/ordergate/" in f["file"]]
    where = (ours or frames or [None])[0]
    location = f"{_short(where['file'])}:{where['line']} {where['name']}" if where else "?"
    files = tuple(_short(f["file"]) for f in reversed(frames))
    kind = "timeout" if "Timeout (" in text else "crash"
    message = ("hung past the hard time bound (stack dumped by faulthandler)" if kind == "timeout"
               else f"the worker process died (exit {exitcode})")
    return Failure(reader, "crash", kind, location, files, message), text[-3000:]


def replay(reader: str, seed: int, index: int, time_limit: float) -> tuple[bytes, str]:
    """Input ``index`` as bytes, and what happened to it (a traceback or the outcome)."""
    target = target_named(reader)
    signal.signal(signal.SIGALRM, _on_alarm)
    data = target.generate(input_rng(seed, reader, index))
    outcome, failure = run_one(target, seed, index, time_limit)
    return target.as_bytes(data), (failure[1] or failure[0].message) if failure else f"outcome: {outcome}"
