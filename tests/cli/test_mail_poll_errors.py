"""``ordergate mail poll`` against a mail server that does not answer, run as a user runs
it (a process of its own, so the terminal sees exactly what a person would): one line, exit
1 (the server may be back later), no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_an_unreachable_imap_server_is_one_line_and_exit_1(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("ORDERGATE_", "PREFECT_"))}
    env.update(PYTHONPATH=str(ROOT), ORDERGATE_HOME=str(tmp_path / "home"),
               PREFECT_HOME=str(tmp_path / "prefect"), ORDERGATE_IMAP_HOST="127.0.0.1",
               ORDERGATE_IMAP_PORT=str(port), ORDERGATE_IMAP_SECURITY="none",
               ORDERGATE_IMAP_USER="orders", ORDERGATE_IMAP_PASSWORD="secret")
    done = subprocess.run([sys.executable, "-m", "ordergate", "mail", "poll"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=240)

    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert done.stderr == (f"ordergate: cannot reach IMAP server 127.0.0.1:{port}: Connection refused "
                           f"(this may pass: try again later)\n")
