"""``python -m benchmarks.fuzz --reader x12 --count 100000 --seed 1``: see the package doc."""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

from . import engine, seeds

READERS = ("x12", "edifact", "tabular", "email", "pdf-text", "pdf-file", "e2e")
OUT = engine.ROOT / "benchmarks" / "out" / "fuzz"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fuzz", description=__doc__)
    parser.add_argument("--reader", action="append", choices=READERS + ("all",),
                        help="reader to fuzz (repeatable; 'all' for every one)")
    parser.add_argument("--count", type=int, default=100_000, help="inputs per reader")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--time-limit", type=float,
                        help="seconds per input (default 2; pdf-file 10, e2e 20 per batch)")
    parser.add_argument("--memory-mb", type=int, default=1024,
                        help="memory per worker beyond what it had at start")
    parser.add_argument("--pdf-file-share", type=float, default=0.02,
                        help="with 'all': pdf-file and e2e run this share of --count")
    parser.add_argument("--out", type=Path, default=OUT, help="where reproducers are written")
    parser.add_argument("--replay", type=int, metavar="INDEX",
                        help="run one input in this process and show what happened")
    args = parser.parse_args(argv)
    readers = list(READERS) if not args.reader or "all" in args.reader else args.reader
    if args.replay is not None:
        data, result = engine.replay(readers[0], args.seed, args.replay, _time_limit(args, readers[0]))
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / f"{readers[0]}-seed{args.seed}-{args.replay}.bin"
        path.write_bytes(data)
        print(f"input written to {path}\n{result}")
        return 0
    if not seeds.corpus_present():
        print(f"note: corpus not found at {seeds.CORPUS}; mutating samples/ only", flush=True)
    summary = {}
    new = 0
    for reader in readers:
        count = args.count
        if reader in ("pdf-file", "e2e") and (not args.reader or "all" in args.reader):
            count = max(1, int(args.count * args.pdf_file_share))
        print(f"== {reader}: {count} inputs, seed {args.seed}, {args.jobs} processes", flush=True)
        tally = engine.run(reader, count, args.seed, args.jobs, _time_limit(args, reader),
                           args.memory_mb)
        new += _report(reader, args, tally)
        summary[reader] = _summary(tally)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "summary.json").write_text(json.dumps(
        {"seed": args.seed, "machine": platform.platform(), "finished": time.ctime(),
         "readers": summary}, indent=2))
    print(f"\nsummary: {args.out / 'summary.json'}; {new} new failure group(s)")
    return 1 if new else 0


def _time_limit(args, reader: str) -> float:
    # A whole PDF parse and a batch through the database take longer than one reader call.
    return args.time_limit or {"pdf-file": 10.0, "e2e": 20.0}.get(reader, 2.0)


def _report(reader: str, args, tally: engine.Tally) -> int:
    rate = tally.done / tally.seconds if tally.seconds else 0.0
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(tally.outcomes.items()))
    print(f"   {tally.done} inputs in {tally.seconds:.0f} s ({rate:.0f}/s): {outcomes}")
    new = 0
    args.out.mkdir(parents=True, exist_ok=True)
    for group in sorted(tally.groups.values(), key=lambda g: (g.known is not None, -g.count)):
        f = group.failure
        label = f"known: {group.known}" if group.known else "NEW"
        new += group.known is None
        print(f"   [{label}] {group.count}x {f.kind} {f.exc_type} at {f.location}: "
              f"{f.message[:160]}")
        print(f"      reproduce: python -m benchmarks.fuzz --reader {reader} --seed {args.seed} "
              f"--replay {group.index}")
        if group.known is None and group.trace:
            print("      " + group.trace.strip().replace("\n", "\n      ")[-1500:])
    return new


def _summary(tally: engine.Tally) -> dict:
    return {
        "inputs": tally.done, "seconds": round(tally.seconds, 1),
        "outcomes": dict(tally.outcomes),
        "failures": [{"count": g.count, "kind": g.failure.kind, "type": g.failure.exc_type,
                      "location": g.failure.location, "message": g.failure.message[:300],
                      "known": g.known, "replay": g.index}
                     for g in sorted(tally.groups.values(), key=lambda g: -g.count)],
    }


if __name__ == "__main__":
    sys.exit(main())
