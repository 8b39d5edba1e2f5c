"""Numbers in the pages' prose are the ones their figures draw (issue 10, items 5-8)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.labs import gradients as cg
from core.labs import softmax as sm

TIMEOUT = 240
PAGES = Path(__file__).resolve().parents[2] / "pages"


def run(page: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / page), default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def prose(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)


def test_softmax_prose_quotes_its_own_run_and_the_right_bound():
    at = run("softmax_jacobian.py")
    text = prose(at)
    sat = sm.saturation_stats(64, 10, trials=5000)
    assert f"mean max weight {sat['unscaled']['mean_max_weight']:.3f} unscaled" in text
    assert f"median ‖J‖ {sat['unscaled']['median_jacobian_norm']:.3f}" in text
    assert "0.865 vs" not in text  # the old hard-coded reference
    assert "Jᵀg = s ⊙ (g − sᵀg)/T" in text
    assert "bounded in [0, 1]" not in text and "largest eigenvalue is 0.5" in text


def test_vjp_formula_has_the_temperature():
    z, g, t = np.array([2.0, 1.0, 0.1, -1.0]), np.array([0.3, -1.0, 2.0, 0.5]), 2.0
    s = sm.softmax(z, t).numpy()
    jac = sm.softmax_jacobian(z, t).numpy()
    assert np.allclose(jac.T @ g, s * (g - s @ g) / t)
    assert np.linalg.eigvalsh(sm.softmax_jacobian(np.zeros(2), 1.0).numpy())[-1] == pytest.approx(0.5)


def test_cost_prose_hops_are_the_graphs_hops():
    at = run("attention_cost.py")
    text = prose(at)
    spec = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                if "Who talks" in json.dumps(json.loads(c.proto.spec)["layout"].get("title", {})))
    titles = [a["text"] for a in spec["layout"]["annotations"]]
    conv = next(t for t in titles if t.startswith("window"))
    assert conv.endswith("longest path 9 hops")  # 10 positions, k = 3: reach 1 per layer
    assert "needs ⌈(n − 1)/⌊k/2⌋⌉ = 9 hops" in text and "n/k ≈" not in text
    layout = spec["layout"]
    shown = [layout[ax].get("showticklabels", True) for ax in layout if ax.startswith("xaxis")]
    assert shown.count(True) == 1  # numbers under the last panel only, not under each title


def test_gradient_prose_level_is_about_one_over_n_and_legend_matches_bound():
    at = run("gradient_flow.py")
    text = prose(at)
    curves = {k: cg.gradient_by_distance(k, 100, 64) for k in ("rnn", "transformer")}
    flat = cg.flat_level(curves["transformer"], curves["rnn"])
    assert 0.5 / 100 < flat["level"] < 2 / 100
    assert flat["rnn_wins"] == list(range(1, 11))
    assert f"median of {flat['level']:.3g}" in text and "distances 1–10" in text
    assert "which is exactly why" not in text
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    bound = next(t for t in spec["data"] if "Pascanu" in t.get("name", ""))
    assert "γ^(d+1)·λ₁^d" in bound["name"] and "(γλ₁)^d" not in bound["name"]


def test_glossary_gives_the_decks_meaning():
    from ui.explorer import VECTOR_DEFINITION

    assert "row of weights" in VECTOR_DEFINITION
    assert re.search(r"how much the ith word in a sentence", VECTOR_DEFINITION)
