"""The seq2seq page in headless Chromium: step a decode with the buttons, then play it."""

from __future__ import annotations

import re
import time

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

STEP_TITLES = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .map(gd => (gd.layout.title && gd.layout.title.text) || '')
    .filter(t => t.includes('next-word probabilities'))"""


def steps_shown(page) -> list[int]:
    """The step numbers of the drawn next-word charts (two for a moment while a rerun swaps them)."""
    titles = page.evaluate(STEP_TITLES)
    found = [re.search(r"Step\D{0,8}?(\d+)", t) for t in titles]
    assert titles and all(found), titles
    return [int(m.group(1)) for m in found]


def step_shown(page) -> int:
    steps = steps_shown(page)
    assert len(steps) == 1, steps
    return steps[0]


def test_stepping_and_playing_a_decode(app_url, page, settle):
    page.goto(f"{app_url}/seq2seq?s2s_text=the+red+car+does+not+see+a+small+dog&s2s_model=transformer")
    settle(page, timeout_s=240, min_charts=3)
    assert not page.locator("[data-testid='stException']").count()
    assert step_shown(page) == 1
    page.get_by_role("button", name=re.compile("Next")).click()
    settle(page, timeout_s=60)
    assert step_shown(page) == 2
    page.get_by_role("button", name=re.compile("Previous")).click()
    settle(page, timeout_s=60)
    assert step_shown(page) == 1
    page.get_by_text("Play", exact=True).click()  # one step per second
    deadline = time.time() + 60
    while time.time() < deadline and max(steps_shown(page)) < 4:
        time.sleep(0.5)
    assert max(steps_shown(page)) >= 4
    assert not page.locator("[data-testid='stException']").count()
