"""IMAP IDLE latency: how long from APPEND to the watcher's callback, on a local Dovecot.

Starts its own Dovecot (benchmarks/dovecot_server.py), runs ``watch_mailbox`` in a thread
over implicit TLS, then appends N messages one at a time, each after the previous callback,
and reports p50/p95/max of APPEND-returned → ``on_new`` called. Most of it is Dovecot's own
notification delay (~0.5 s after delivery), not ours. Goal: about a second.

    python -m benchmarks.bench_imap_idle_latency [--messages N]
"""

from __future__ import annotations

import argparse
import platform
import queue
import statistics
import threading
import time

from benchmarks.dovecot_server import start_dovecot
from ordergate.sources.imap import ImapSettings
from ordergate.sources.imap_idle import watch_mailbox

SETTLE = 0.1  # seconds between a callback and the next APPEND, so the watcher is idling again


def measure(messages: int) -> list[float]:
    server = start_dovecot()
    user = server.add_user()
    settings = ImapSettings(host=server.host, port=server.imaps_port, security="tls",
                            user=user.name, ca_file=server.ca_file)
    stop = threading.Event()
    calls: queue.Queue[float] = queue.Queue()
    watcher = threading.Thread(target=watch_mailbox, daemon=True, kwargs=dict(
        settings=settings, password=user.password, stop=stop,
        on_new=lambda: calls.put(time.perf_counter())))
    try:
        watcher.start()
        calls.get(timeout=10)  # the call at start
        latencies = []
        for n in range(messages):
            time.sleep(SETTLE)
            raw = f"Subject: bench {n}\r\nMessage-ID: <bench{n}@example.com>\r\n\r\nbody\r\n".encode()
            server.append(user, raw)
            appended = time.perf_counter()
            latencies.append(calls.get(timeout=10) - appended)
        return latencies
    finally:
        stop.set()
        watcher.join(timeout=5)
        server.stop()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50)
    args = parser.parse_args()
    latencies = measure(args.messages)
    print(f"{args.messages} messages, APPEND → on_new over implicit TLS, Dovecot on 127.0.0.1; "
          f"Python {platform.python_version()}, {platform.machine()}")
    print(f"p50 {percentile(latencies, 0.50):.3f} s   p95 {percentile(latencies, 0.95):.3f} s   "
          f"max {max(latencies):.3f} s   mean {statistics.fmean(latencies):.3f} s   "
          f"min {min(latencies):.3f} s")


if __name__ == "__main__":
    main()
