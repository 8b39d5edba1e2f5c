"""The shared frame's glue: home page, capture cache budget, exports that do not pin captures."""

import gc
from pathlib import Path

import torch
from streamlit.testing.v1 import AppTest

from core import PRESETS, Transformer, capture
from ui.cache import CaptureCache

ROOT = Path(__file__).resolve().parents[2]


def tiny_capture(n: int):
    torch.manual_seed(0)
    return capture(Transformer(PRESETS["tiny-encoder"]), torch.arange(n) % 50)


def test_home_page_runs_in_the_app_and_alone():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("flashcards" in h.value for h in at.subheader)
    alone = AppTest.from_file(str(ROOT / "pages" / "home.py"), default_timeout=60).run()
    assert not alone.exception, [e.value for e in alone.exception]


def test_capture_cache_keeps_within_its_byte_budget_and_serves_hits():
    caps = [tiny_capture(n) for n in (8, 16, 24)]
    budget = caps[1].nbytes + caps[2].nbytes
    cache = CaptureCache(budget)
    for i, cap in enumerate(caps):
        cache.put(("m", str(i)), cap)
    assert cache.nbytes <= budget and len(cache) == 2
    assert cache.get(("m", "0")) is None  # the oldest went first
    assert cache.get(("m", "2")) is caps[2] and cache.hits == 1
    assert cache.key_of(caps[2]) == ("m", "2") and cache.key_of(caps[0]) is None


def test_an_export_callable_does_not_keep_an_uncached_capture_alive():
    from ui.cache import refetcher

    cap = tiny_capture(8)
    fetch = refetcher(cap)
    assert fetch() is cap
    del cap
    gc.collect()
    try:
        fetch()
        raise AssertionError("the capture should have been freed")
    except RuntimeError as err:
        assert "no longer in memory" in str(err)
