"""Benchmark of the attention explorer (issue 6), MiniLM on this machine. Prints, never asserts.

For 128 and 512 tokens:
- plain forward (same run baseline, no capture);
- sentence -> overview figure ready, server side: capture + per-head stats + overview figure +
  fig.to_json() (what Streamlit ships), and the figure JSON size;
- the head view's figure and JSON size.
Then the Streamlit cache: a layer / head change reruns the head page without running the model
(AppTest, counting Model.capture calls), and a cached capture lookup vs a fresh one.

Run: python bench/bench_explorer.py [threads]   (torch threads; default 1: on a shared 2-core
     machine 2 threads oversubscribe and the times explode; the load average is printed)
         (issue targets: 128 tokens <= 0.3 s and 2 MB;
                                          512 tokens <= 1.5 s and 5 MB; BertViz: 0.78 s / 53 MB
                                          and 19.9 s / 869 MB)
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.load import Model, load_model  # noqa: E402
from viz.attention import head_view  # noqa: E402
from viz.attention_overview import capture_stats, overview  # noqa: E402

WORDS = ("the dog ate the cat because it was hungry and then it slept on the warm mat near the "
         "door while the rain fell outside").split()


def text_of(model: Model, n_tokens: int) -> str:
    """A plain English text that tokenizes to exactly n_tokens (with [CLS] and [SEP])."""
    words = [WORDS[i % len(WORDS)] for i in range(n_tokens)]
    while len(model.tokenizer(" ".join(words), verbose=False)["input_ids"]) > n_tokens:
        words.pop()
    return " ".join(words)


def best(fn, repeat: int = 5) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def median(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def sentence_to_overview(model: Model, text: str) -> tuple[int, dict]:
    cap = model.capture(text)
    stats = capture_stats(cap)
    fig = overview(cap, stats=stats)
    return len(fig.to_json()), {}


def main() -> None:
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg())
          + f" on {os.cpu_count()} cores")
    t = time.perf_counter()
    model = load_model("minilm")
    print(f"MiniLM loaded in {time.perf_counter() - t:.2f} s; torch threads {torch.get_num_threads()}")
    print(f"{'tokens':>6} {'forward':>9} {'capture':>9} {'stats':>7} {'figure':>8} {'to_json':>8} "
          f"{'total':>8} {'x fwd':>6} {'JSON MB':>8} {'head view MB':>12}")
    for n in (128, 512):
        measure(model, n)
    cache_demo(model)


def measure(model: Model, n: int) -> None:
    """One row of the table: n tokens."""
    text = text_of(model, n)
    enc = model._encode(text, None, None)
    inputs = model.forward_inputs(enc)
    assert enc.input_ids.shape[1] == n, enc.input_ids.shape

    def forward():
        with torch.no_grad():
            model.model(**inputs)

    forward()
    t_fwd = median(forward)
    t_cap, cap = best(lambda: model.capture(text), 3)
    t_stats, stats = best(lambda: capture_stats(cap), 3)
    t_fig, fig = best(lambda: overview(cap, stats=stats), 3)
    t_json, payload = best(lambda: fig.to_json(), 3)
    total = median(lambda: sentence_to_overview(model, text), 3)
    hv = head_view(cap, 3, 5).to_json()
    print(f"{n:>6} {t_fwd * 1e3:>7.0f}ms {t_cap * 1e3:>7.0f}ms {t_stats * 1e3:>5.0f}ms "
          f"{t_fig * 1e3:>6.0f}ms {t_json * 1e3:>6.0f}ms {total:>7.3f}s {total / t_fwd:>6.1f} "
          f"{len(payload) / 1e6:>8.2f} {len(hv) / 1e6:>12.2f}")


def cache_demo(model: Model) -> None:
    """A head / layer change on the head page reruns without running the model."""
    from streamlit.testing.v1 import AppTest

    calls = {"n": 0}
    original = Model.capture

    def counting(self, *args, **kwargs):
        calls["n"] += 1
        return original(self, *args, **kwargs)

    Model.capture = counting
    try:
        text = text_of(model, 128)
        at = AppTest.from_file(str(ROOT / "pages/head.py"), default_timeout=120)
        at.query_params["s"] = text
        t = time.perf_counter()
        at.run()
        first = time.perf_counter() - t
        print(f"\nhead page at 128 tokens, first run: {first:.2f} s, model runs: {calls['n']}")
        for key, value in (("head", 5), ("layer", 3), ("head", 9)):
            before = calls["n"]
            t = time.perf_counter()
            at.slider(key=key).set_value(value).run()
            took = time.perf_counter() - t
            hit = "cache hit" if calls["n"] == before else "MODEL RAN"
            print(f"  {key} -> {value}: rerun {took:.3f} s, model runs +{calls['n'] - before} ({hit}); "
                  f"capture lookup {at.session_state['_last_capture_ms']:.1f} ms")
        before = calls["n"]
        at.text_area(key="s").set_value(text_of(model, 64)).run()
        print(f"  new sentence: model runs +{calls['n'] - before} (expected 1: a miss)")
    finally:
        Model.capture = original


if __name__ == "__main__":
    main()
