"""A real Streamlit server and Debian's headless Chromium, started fresh for the e2e tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url():
    """A freshly started `streamlit run app.py` (no session has opened the root URL yet)."""
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("streamlit did not become healthy within 90 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.fail("Debian's chromium is not on PATH: run `bash setup.sh --dev`")
    return {**browser_type_launch_args, "executable_path": chromium, "args": FLAGS, "headless": True}


COMPONENT_FRAMES = "iframe[src*='/component/']"  # our browser components (ui/head_switch.py)
# every component frame has drawn its chart (same-origin frames: the page can look inside)
FRAMES_DRAWN = f"""() => [...document.querySelectorAll("{COMPONENT_FRAMES}")].every(f =>
    f.contentDocument && f.contentDocument.querySelector('.js-plotly-plot .main-svg'))"""


def in_frames(page, script: str) -> list:
    """`script` (a function returning a list, one item per chart) run in every component frame, in
    page order, then in the page: a component's chart comes first, as it does on the page. Boxes
    ({left, top, right, bottom} anywhere in an item) are moved to page coordinates."""
    out = []
    for handle in page.locator(COMPONENT_FRAMES).element_handles():
        frame, at = handle.content_frame(), handle.bounding_box()
        if frame is None or at is None:
            continue
        out += [_shift(item, at["x"], at["y"]) for item in frame.evaluate(script)]
    return out + page.evaluate(script)


def _shift(item, dx: float, dy: float):
    if isinstance(item, dict):
        if {"left", "top", "right", "bottom"} <= item.keys():
            return {**item, "left": item["left"] + dx, "right": item["right"] + dx,
                    "top": item["top"] + dy, "bottom": item["bottom"] + dy}
        return {k: _shift(v, dx, dy) for k, v in item.items()}
    if isinstance(item, list):
        return [_shift(v, dx, dy) for v in item]
    return item


@pytest.fixture
def settle():
    """Wait until Streamlit has stopped running and every Plotly chart is drawn (those of
    component frames too)."""

    def wait(page, timeout_s: float = 60.0, min_charts: int = 1) -> None:
        page.wait_for_selector("[data-testid='stApp']", timeout=timeout_s * 1000)
        deadline, quiet_since = time.time() + timeout_s, None
        while time.time() < deadline:
            running = page.locator("[data-testid='stStatusWidget']").count() > 0
            charts = page.locator(".js-plotly-plot").count()
            drawn = page.locator(".js-plotly-plot .main-svg").count()
            if not running and charts >= min_charts and drawn >= charts and page.evaluate(FRAMES_DRAWN):
                quiet_since = quiet_since or time.time()
                if time.time() - quiet_since > 1.0:
                    return
            else:
                quiet_since = None
            time.sleep(0.2)
        raise AssertionError(f"page did not settle with {min_charts}+ drawn charts in {timeout_s} s")

    return wait
