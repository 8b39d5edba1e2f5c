"""The lecture in headless Chromium: keyboard stepping on the presenter, and the exported HTML offline."""

from __future__ import annotations

import pytest

from ui.catalog import Context
from ui.lecture import contents, example
from viz.lecture import lecture_html

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _card_number(page) -> str:
    return (
        page.locator("[data-testid='stMarkdownContainer']", has_text="Card ")
        .filter(has_text=" of ")
        .first.inner_text()
    )


def _press_until(page, key: str, text: str, tries: int = 3) -> None:
    """Press `key` until `text` shows. On a loaded machine a key pressed while the page reruns
    can be lost (the listener's iframe is being redrawn; seen once in CI): pressed again, only
    if the page still shows the old card after 20 s."""
    for attempt in range(tries):
        page.locator(".lecture-q").click()  # focus the page, not a text box
        page.keyboard.press(key)
        try:
            page.wait_for_function(f"() => document.body.innerText.includes({text!r})", timeout=20_000)
            return
        except Exception:  # noqa: BLE001 (playwright's TimeoutError)
            if attempt == tries - 1:
                raise


def test_keyboard_steps_three_cards_reveals_an_answer_and_draws_a_figure(app_url, page, settle):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{app_url}/lecture?present=1")
    settle(page, min_charts=0)
    assert "Card 1 of 55" in _card_number(page)
    # the key listener is installed by a component iframe that may load after the page settles
    page.wait_for_function("() => !!document.__lectureKeys", timeout=60_000)
    page.locator(".lecture-q").click()  # focus the page, not a text box
    for expected in (2, 3, 4):
        _press_until(page, "ArrowRight", f"Card {expected} of 55")
    settle(page, min_charts=0)
    assert page.get_by_text("RNNs are what").count() >= 1
    page.keyboard.press("a")
    page.get_by_text("Feed forward networks with the input spread out over time").first.wait_for(
        timeout=30_000
    )
    page.keyboard.press("f")
    settle(page, min_charts=1)
    titles = page.evaluate(
        "() => [...document.querySelectorAll('.js-plotly-plot')].map("
        "gd => (gd.layout.title && gd.layout.title.text) || '')"
    )
    assert any("unrolled over" in t for t in titles), titles  # an RNN unrolled over time, this card's figure
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => document.body.innerText.includes('Card 3 of 55')", timeout=30_000)
    assert "card=3" in page.url
    errors = page.locator("[data-testid='stException']").all_inner_texts()
    assert not errors, errors[0][:500]


def test_exported_lecture_opens_offline_with_every_figure_drawn(page, tmp_path):
    deck, slides = example()
    built = contents(slides, Context())
    path = tmp_path / "lecture.html"
    path.write_text(lecture_html(deck.title, built), encoding="utf-8")
    n_figures = sum(len(c.figures) for c in built)
    assert n_figures == sum(bool(s.views) for s in slides)

    requests = []
    page.route(
        "**/*",
        lambda route: (
            requests.append(route.request.url),
            route.continue_() if route.request.url.startswith(("file:", "data:")) else route.abort(),
        ),
    )
    page.goto(path.as_uri(), timeout=120_000)
    page.wait_for_function(
        "n => [...document.querySelectorAll('.js-plotly-plot')]"
        ".filter(gd => gd.querySelector('.main-svg')).length >= n",
        arg=n_figures,
        timeout=240_000,
    )
    drawn = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => gd.data.length)")
    assert len(drawn) == n_figures and all(n >= 1 for n in drawn)
    assert page.evaluate("() => window.figureErrors") == 0  # plotly.js refused none of them
    leaving = [u for u in requests if not u.startswith(("file:", "data:"))]
    assert not leaving, leaving
    assert page.locator("section.slide").count() == len(slides)
