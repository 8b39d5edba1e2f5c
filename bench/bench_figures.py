"""The One head page's three figures at 128 tokens (MiniLM): what it costs to build them in Python
and to draw them in Chromium, against baselines run in the same process.

- Python: head view, query breakdown and temperature what-if (viz/attention.py, built in one pass
  on viz/grid.py layouts), and the projector theme on each; baseline: the plain forward of the
  model on the same text (what a new sentence costs anyway).
- Chromium (plotly.js, offline, headless): Plotly.newPlot of each figure as the app ships it
  (margins from viz/grid.fixed_margins, automargin off), against the same figure with plotly's
  automargin turned back on (what the figures did before).
Medians of paired alternating runs; prints, never asserts.
    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_figures.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = ("the quick brown fox jumps over a lazy dog while seven curious cats watch from "
         "an old wooden fence near the river").split()


def paired_ms(fns: dict, repeats: int) -> dict[str, float]:
    """Median ms of each callable, run in turn so machine load hits them alike."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    for fn in fns.values():
        fn()  # warm-up
    for _ in range(repeats):
        for name, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t) * 1000)
    return {k: statistics.median(v) for k, v in times.items()}


def browser_ms(specs: dict[str, dict], repeats: int) -> dict[str, float]:
    """Median ms of Plotly.newPlot per spec in headless Chromium (plotly.js from the plotly package)."""
    import plotly
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    from conftest import FLAGS

    script = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()
    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_content("<div id=g style='width:1200px'></div>")
        page.add_script_tag(content=script)
        runs: dict[str, list[float]] = {k: [] for k in specs}
        for _ in range(repeats + 1):  # the first round warms plotly.js up and is dropped
            for name, spec in specs.items():
                runs[name].append(page.evaluate("""async (spec) => {
                    const gd = document.getElementById('g'); Plotly.purge(gd);
                    const t = performance.now(); await Plotly.newPlot(gd, spec.data, spec.layout);
                    return performance.now() - t; }""", spec))
        browser.close()
        out = {k: statistics.median(v[1:]) for k, v in runs.items()}
    return out


def with_automargin(spec: dict) -> dict:
    """The same figure with plotly's automargin on every axis (the template's default)."""
    spec = json.loads(json.dumps(spec))
    for key, axis in spec["layout"].items():
        if key.startswith(("xaxis", "yaxis")):
            axis.pop("automargin", None)
    return spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    import plotly.io as pio
    import torch

    from core import load_model
    from viz.attention import head_data, head_view, query_breakdown, temperature_whatif
    from viz.theme import presentation

    print(f"load average at start: {os.getloadavg()[0]:.1f}; torch threads {torch.get_num_threads()}")
    model = load_model("minilm")
    text = " ".join(WORDS[i % len(WORDS)] for i in range(126))
    enc = model.tokenizer(text, return_tensors="pt")
    cap = model.capture(text)
    data = head_data(cap, 2, 3)
    print(f"MiniLM, {len(cap.tokens)} tokens, L2H3")
    build = {"head view": lambda: head_view(data), "query breakdown": lambda: query_breakdown(data, 5),
             "what-if": lambda: temperature_whatif(data, 2.0)}
    figures = {name: fn() for name, fn in build.items()}

    def forward():
        with torch.inference_mode():
            model.model(**enc)

    fns = {"plain forward (baseline)": forward, **build}
    for name, fig in figures.items():
        fns[f"{name} + projector theme"] = lambda fig=fig: presentation(fig)
    ms = paired_ms(fns, args.repeats)
    base = ms["plain forward (baseline)"]
    print(f"{'Python':<34} {'ms':>8} {'x forward':>10}")
    for name, value in ms.items():
        print(f"{name:<34} {value:>8.1f} {value / base:>10.2f}")
    specs = {}
    for name, fig in figures.items():
        spec = json.loads(pio.to_json(fig))
        specs[f"{name}: as shipped"] = spec
        specs[f"{name}: automargin (baseline)"] = with_automargin(spec)
    drawn = browser_ms(specs, args.repeats)
    print(f"{'Chromium Plotly.newPlot':<40} {'ms':>8} {'x baseline':>10}")
    for name in figures:
        ours, theirs = drawn[f"{name}: as shipped"], drawn[f"{name}: automargin (baseline)"]
        print(f"{name + ': automargin (baseline)':<40} {theirs:>8.0f}")
        print(f"{name + ': as shipped':<40} {ours:>8.0f} {ours / theirs:>10.2f}")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
