"""The Prefect UI as ops see it, in a real browser: `ordergate serve` on a free port, a good
file with a held order and a bad file dropped into the inbox, then Debian's Chromium (driven
by Playwright, no browser download) must show the failed run under its story name, the bad
file's red task run with its reason, the holds page with the held PO, and the held event with
its PO number. Screenshots go to var/screenshots/.

Needs /usr/bin/chromium (`apt-get install chromium`, which `.ci/run` does) and Playwright for
Python; without them the test skips, or fails in strict mode.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.kit.strict import require

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "var" / "screenshots"
WAIT_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _until(what: str, find, timeout: float = WAIT_SECONDS):
    deadline = time.monotonic() + timeout
    while True:
        found = find()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(1)


@pytest.fixture
def served(tmp_path):
    """`ordergate serve` with its own Prefect server, a 5 s poll and the sample master data."""
    require(CHROMIUM.exists(), "Chromium is not installed (apt-get install chromium); the UI "
                               "test needs it")
    try:
        import playwright.sync_api  # noqa: F401 - only whether it is there
    except ImportError:
        require(False, "Playwright for Python is not installed (pip install playwright)")
    port = _free_port()
    home = tmp_path / "home"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("ORDERGATE_", "PREFECT_"))},
           "ORDERGATE_HOME": str(home), "ORDERGATE_POLL_INTERVAL_SECONDS": "5",
           "ORDERGATE_PREFECT_PORT": str(port), "PREFECT_HOME": str(tmp_path / "prefect"),
           "PYTHONPATH": str(ROOT)}
    for command in (["db", "upgrade"], ["seed", str(ROOT / "samples" / "masterdata")]):
        subprocess.run([sys.executable, "-m", "ordergate", *command], env=env, check=True,
                       capture_output=True)
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen([sys.executable, "-m", "ordergate", "serve"], env=env, stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"

    def healthy():
        try:
            return httpx.get(f"{api}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        _until("the Prefect server answering", healthy)
        yield home, f"http://127.0.0.1:{port}", api
    finally:
        os.killpg(serve.pid, signal.SIGINT)
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
        log.close()


def test_the_ui_shows_the_failed_run_its_red_task_the_holds_and_the_held_event(served):
    from playwright.sync_api import sync_playwright

    home, ui, api = served
    inbox = home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for name in ("acme_two_orders.edi", "not_an_order.edi"):
        shutil.copy(ROOT / "samples" / "x12" / name, inbox / name)

    failed_runs = {"limit": 5, "flow_runs": {"state": {"type": {"any_": ["FAILED"]}},
                                             "name": {"like_": "files"}}}
    [run] = _until("a failed drop-folder run", lambda: httpx.post(
        f"{api}/flow_runs/filter", json=failed_runs).json())
    tasks = httpx.post(f"{api}/task_runs/filter",
                       json={"flow_runs": {"id": {"any_": [run["id"]]}}}).json()
    [bad_task] = [task for task in tasks if task["name"] == "ingest not_an_order.edi"]
    holds = _until("the holds page", lambda: httpx.post(
        f"{api}/artifacts/latest/filter",
        json={"artifacts": {"key": {"any_": ["ordergate-holds"]}}}).json())
    held_event = _until("the held order's event", lambda: httpx.post(
        f"{api}/events/filter", json={"filter": {"event": {"name": ["ordergate.order.held"]},
                                                 "occurred": {"since": "2000-01-01T00:00:00Z"}},
                                      "limit": 5}).json()["events"])[0]

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(30_000)

        def show(path: str, *texts: str, shot: str) -> None:
            page.goto(ui + path)
            try:
                for text in texts:
                    page.get_by_text(text, exact=False).first.wait_for()
            except Exception:  # what the page showed instead, for whoever reads the failure
                page.screenshot(path=str(SCREENSHOTS / f"{shot}-failed.png"), full_page=True)
                raise
            page.screenshot(path=str(SCREENSHOTS / f"{shot}.png"), full_page=True)

        # the run, named by what it did, Failed, tagged, with the per-document log lines
        show(f"/runs/flow-run/{run['id']}", "2 files · 2 orders · 1 held · 1 failed", "Failed",
             "channel:dropfolder", "acme_two_orders.edi (x12, document", shot="flow-run")
        # the bad file's task run: red, with the reason
        show(f"/runs/task-run/{bad_task['id']}", "ingest not_an_order.edi", "Failed",
             "not a format ordergate reads", shot="failed-task-run")
        # the standing holds page with the held PO and the command that releases it
        show(f"/artifacts/artifact/{holds[0]['latest_id']}", "PO 4500012347", "holds release",
             shot="holds-artifact")
        # the held order's event, named by its PO
        day = held_event["occurred"][:10]
        show(f"/events/event/{day}/{held_event['id']}", "ordergate.order.held",
             ".ACME.4500012347", shot="held-event")
        browser.close()
    assert sorted(p.name for p in SCREENSHOTS.glob("*.png")) >= [
        "failed-task-run.png", "flow-run.png", "held-event.png", "holds-artifact.png"]
