"""The whole app in headless Chromium: bookmarks on a fresh server, typing, clicking, exporting."""

from __future__ import annotations

import re
import time

import pytest

from tests.e2e.conftest import in_frames

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# JavaScript that reads the figures Plotly has drawn (data and layout as the browser holds them).
CHARTS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => ({
    title: (gd.layout.title && gd.layout.title.text) || '',
    ticktext: [].concat(...Object.keys(gd.layout).filter(k => /^[xy]axis/.test(k))
                         .map(k => gd.layout[k].ticktext || [])),
    types: gd.data.map(t => t.type)}))"""


def charts(page) -> list[dict]:
    """Every drawn chart in page order (the One head figure lives in its component's frame)."""
    return in_frames(page, CHARTS)


def no_exception(page) -> None:
    errors = page.locator("[data-testid='stException']").all_inner_texts()
    assert not errors, errors[0][:500]


def test_a_bookmarked_view_opens_exactly_on_a_fresh_server(app_url, page, settle):
    """First request of a new server (no session has run app.py's navigation yet): a deep link."""
    page.goto(f"{app_url}/head?layer=2&head=5&s=The+cat+sat+on+the+mat")
    settle(page)
    no_exception(page)
    head_view = charts(page)[0]
    assert "L2H5" in head_view["title"]
    assert "mat" in head_view["ticktext"] and "dog" not in head_view["ticktext"]
    assert page.get_by_text("Sentence", exact=True).count() >= 1  # the shared sidebar is there


@pytest.mark.parametrize("path", ["", "overview", "head", "lines", "compare", "aggregate",
                                  "positional_lab", "positional_trained", "gradient_flow",
                                  "softmax_jacobian", "attention_cost"])
def test_every_page_draws_its_charts_without_an_error(app_url, page, settle, path):
    page.goto(f"{app_url}/{path}")
    settle(page, timeout_s=120, min_charts=0 if path == "" else 1)
    no_exception(page)
    assert page.get_by_text("Page not found").count() == 0


def test_typing_a_sentence_redraws_the_heatmap_with_its_tokens(app_url, page, settle):
    page.goto(f"{app_url}/head")
    settle(page)
    box = page.locator("[data-testid='stSidebar'] textarea").first
    box.fill("Colourless green ideas sleep furiously")
    box.press("Control+Enter")
    deadline = time.time() + 60
    while not any("furiously" in c["ticktext"] for c in charts(page)):
        assert time.time() < deadline, "the sentence was not drawn within 60 s"
        time.sleep(0.2)
    settle(page)
    assert "green" in charts(page)[0]["ticktext"]
    assert "s=Colourless" in page.url


def test_clicking_an_overview_tile_opens_that_head(app_url, page, settle):
    page.goto(f"{app_url}/overview")
    settle(page)
    # pixel position of the click target whose customdata is (layer 1, head 3)
    xy = page.evaluate("""() => {
        const gd = document.querySelectorAll('.js-plotly-plot')[0];
        const full = gd._fullLayout, box = gd.getBoundingClientRect();
        for (const t of gd._fullData) {
            if (!t.customdata) continue;
            for (let i = 0; i < t.customdata.length; i++) {
                const c = t.customdata[i];
                if (c[0] === 1 && c[1] === 3) {
                    const xa = full[(t.xaxis || 'x').replace('x', 'xaxis')];
                    const ya = full[(t.yaxis || 'y').replace('y', 'yaxis')];
                    return [box.left + xa._offset + xa.d2p(t.x[i]), box.top + ya._offset + ya.d2p(t.y[i])];
                }
            }
        }
        return null; }""")
    assert xy, "no click target for L1H3 in the overview"
    page.mouse.click(*xy)
    page.wait_for_url(re.compile(r".*/head.*"), timeout=30_000)
    settle(page)
    assert "L1H3" in charts(page)[0]["title"]


def test_png_export_downloads_a_valid_png(app_url, page, settle):
    page.goto(f"{app_url}/head")
    settle(page)
    with page.expect_download(timeout=90_000) as info:
        page.get_by_role("button", name=re.compile("PNG")).first.click()
    data = open(info.value.path(), "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_switching_pages_keeps_the_model_sentence_and_url(app_url, page, settle):
    """... and the figure frames of a page shown again draw without fetching plotly.js: the first
    frame of the tab leaves its text with the page (ui/web/switch.html)."""
    plotly_fetches = []
    page.on("request", lambda r: "plotly.min.js" in r.url and plotly_fetches.append(r.url))
    page.goto(f"{app_url}/overview?s=Birds+sing+at+dawn")
    settle(page)
    for label, path in (("One head", "/head"), ("All heads", "/overview"), ("One head", "/head")):
        fetched = len(plotly_fetches)
        page.locator("[data-testid='stSidebar']").get_by_role("link", name=label).first.click()
        page.wait_for_url(re.compile(f".*{path}.*"), timeout=30_000)
        settle(page)
        no_exception(page)
        box = page.locator("[data-testid='stSidebar'] textarea").first
        assert box.input_value() == "Birds sing at dawn", label
        assert "dawn" in page.url
    assert "birds" in charts(page)[0]["ticktext"]
    assert len(page.locator("iframe[src*='/component/']").all()) == 2
    assert 1 <= fetched <= 2  # the first visit: each of its two frames may race to fetch it
    assert len(plotly_fetches) == fetched  # the second visit: none


def test_the_head_sliders_switch_in_the_browser_and_keep_their_value(app_url, page, settle):
    """The One head page's Layer and Head sliders live in the figure's component: a move redraws
    the figure in the browser, then the page's run mirrors it in the URL and redraws the query
    breakdown, and the slider stays where it was put (a Streamlit slider in a fragment once snapped
    back after a page load)."""
    page.goto(f"{app_url}/head?head=2&layer=1")
    settle(page)
    frame = page.locator("iframe[src*='/component/']").first.element_handle().content_frame()
    head = frame.locator("#head")
    assert head.input_value() == "2" and "L1H2:" in charts(page)[0]["title"]
    head.focus()
    page.keyboard.press("ArrowRight")
    frame.wait_for_function("() => document.querySelector('.js-plotly-plot').layout.title.text"
                            ".includes('L1H3:')", timeout=10_000)
    page.wait_for_url(re.compile(r".*head=3.*"), timeout=60_000)
    settle(page)
    assert head.input_value() == "3"
    assert "L1H3:" in charts(page)[0]["title"]
    assert any("L1H3, query" in c["title"] for c in charts(page))  # the query breakdown followed
    frame.locator("#layer").focus()
    page.keyboard.press("ArrowRight")
    frame.wait_for_function("() => document.querySelector('.js-plotly-plot').layout.title.text"
                            ".includes('L2H3:')", timeout=10_000)
    page.wait_for_url(re.compile(r".*layer=2.*"), timeout=60_000)
    settle(page)
    assert frame.locator("#layer").input_value() == "2" and "L2H3:" in charts(page)[0]["title"]
    what_if = page.locator("iframe[src*='/component/']").nth(1).element_handle().content_frame()
    what_if.locator("#T").focus()
    page.keyboard.press("ArrowRight")  # T 1.0 -> 1.1, drawn in the browser
    what_if.wait_for_function("() => document.querySelector('.js-plotly-plot').layout.title.text"
                              ".includes('T = 1.1 for L2H3')", timeout=10_000)
    page.wait_for_url(re.compile(r".*T=1\.1.*"), timeout=60_000)
