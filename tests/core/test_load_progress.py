"""A long single loading step reports progress while it runs (issue 10, item 11: SmolLM2's
first load sat ~30 s on a frozen bar)."""

from __future__ import annotations

import threading

import pytest

from core.hf.sources import with_heartbeat


def test_heartbeat_reports_while_the_work_runs_then_returns_its_result():
    reports: list[tuple[float, str]] = []
    enough = threading.Event()

    def report(fraction: float, message: str) -> None:
        reports.append((fraction, message))
        if len(reports) >= 3:
            enough.set()

    def work() -> str:
        assert enough.wait(timeout=60), "no progress was reported while the work ran"
        return "model"

    assert with_heartbeat(work, report, 0.3, 0.85, "dequantizing", expected_seconds=30,
                          interval=0.01) == "model"
    fractions = [f for f, _ in reports]
    assert len(reports) >= 3 and fractions == sorted(fractions)
    assert all(0.3 <= f < 0.85 for f in fractions)
    assert all(m.startswith("dequantizing (") and "~30 s" in m for _, m in reports)


def test_heartbeat_passes_errors_on():
    def work():
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        with_heartbeat(work, lambda f, m: None, 0.0, 1.0, "x", expected_seconds=1, interval=0.01)
