"""Process-wide locks don't freeze the class: while one session runs a long computation (a
timing loop, a training run), another session's seeded model build and single-thread sweep
run to the end. Shown by ordering, not by clocks: the long computation pauses at its first
progress report until the other work has finished, which would never happen (the wait gives up)
if it held a lock the other work needs."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pytest
import torch

from core.labs import costs, training_dynamics
from core.labs.gradients import gradient_by_distance
from core.rng import seeded, threads

GUARD_S = 120  # a deadlock guard only: the test passes long before, or fails by ordering


def other_session() -> dict:
    """What a second student does meanwhile: a seeded build (global-RNG lock) and a Jacobian
    sweep on one thread (the thread count)."""
    model = training_dynamics.build_model(seed=3)
    return {"weights": model.token.weight.detach().clone(),
            "sweep": gradient_by_distance("transformer", 6, 8, seed=1)}


def run_with_pause(long_run: Callable[[Callable], object]) -> tuple[list[str], dict, object]:
    """long_run(progress) in one thread; at its first progress call it waits for other_session()
    to finish in a second thread. Returns the order of events and both results."""
    events: list[str] = []
    paused, others_done = threading.Event(), threading.Event()
    results: dict = {}

    def progress(*_args) -> None:
        if paused.is_set():
            return
        events.append("long computation paused mid-run")
        paused.set()
        events.append("long computation resumed" if others_done.wait(GUARD_S) else "gave up waiting")

    def long_thread() -> None:
        results["long"] = long_run(progress)
        events.append("long computation finished")

    def other_thread() -> None:
        paused.wait(GUARD_S)
        results["other"] = other_session()
        events.append("other session finished")
        others_done.set()

    workers = [threading.Thread(target=long_thread), threading.Thread(target=other_thread)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(3 * GUARD_S)
    return events, results.get("other"), results.get("long")


EXPECTED = ["long computation paused mid-run", "other session finished", "long computation resumed",
            "long computation finished"]


@pytest.fixture(scope="module")
def alone() -> dict:
    return other_session()


def check_other(other: dict, alone: dict) -> None:
    """The concurrent run gave exactly what the same work gives alone (seeded really seeds)."""
    assert torch.equal(other["weights"], alone["weights"])
    np.testing.assert_array_equal(other["sweep"], alone["sweep"])


def test_a_seeded_build_is_not_delayed_by_a_timing_loop(alone):
    before = torch.get_num_threads()
    events, other, table = run_with_pause(
        lambda progress: costs.measure_costs([4, 8, 16], 16, repeats=1, progress=progress))
    assert events == EXPECTED
    check_other(other, alone)
    assert table["n"].tolist() == [4, 8, 16] and all(np.all(table[k] > 0) for k in costs.LAYERS)
    assert torch.get_num_threads() == before


def test_a_seeded_build_is_not_delayed_by_a_training_run(alone):
    before = torch.get_num_threads()
    events, other, history = run_with_pause(lambda progress: training_dynamics.train_gradient_history(
        steps=4, n_layers=2, batch=4, snapshot_every=2, progress=progress))
    assert events == EXPECTED
    check_other(other, alone)
    reference = training_dynamics.train_gradient_history(steps=4, n_layers=2, batch=4, snapshot_every=2)
    np.testing.assert_array_equal(history.loss, reference.loss)  # pausing changed nothing
    assert torch.get_num_threads() == before


def test_thread_count_is_per_thread_and_the_default_comes_back():
    default = torch.get_num_threads()
    inside, seen_by_other = threading.Event(), []
    release = threading.Event()

    def single() -> None:
        with threads(1):
            seen_by_other.append(torch.get_num_threads())
            inside.set()
            release.wait(GUARD_S)

    worker = threading.Thread(target=single)
    worker.start()
    assert inside.wait(GUARD_S)
    with threads(default):  # opens and closes while the other block is open: no wait
        assert torch.get_num_threads() == default
    assert torch.get_num_threads() == default  # this thread's count was never 1
    release.set()
    worker.join(GUARD_S)
    assert seen_by_other == [1]
    fresh: list[int] = []
    late = threading.Thread(target=lambda: fresh.append(torch.get_num_threads()))
    late.start()
    late.join(GUARD_S)
    assert fresh == [default]  # a thread started after every block closed gets the default


def test_seeded_still_isolates_the_global_rng():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    with seeded(0):
        torch.rand(5)
    torch.testing.assert_close(torch.rand(3), expected)
