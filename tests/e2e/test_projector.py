"""Projector mode measured in a real browser (issue 10, item 10): every page with ?present=1 at
1280×720 and 1920×1080. For every Plotly chart: each title, axis title, legend entry, colour-bar
label, annotation and tick label lies inside the chart's box; the figure title and the axis titles
do not overlap the legend; tick labels are black and large; printed cell values and table cells
are large enough to read from the back of a lecture hall."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import in_frames
from ui.menu import HOME, SECTIONS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SIZES = ((1280, 720), (1920, 1080))
TICK_PX = 16  # smallest tick label font on a projector
CELL_PX = 15  # smallest printed value in a cell (heatmap text, table cell, value on a bar)
SLACK = 1.0  # pixels of rounding allowed at a box edge
# URL paths of every page in the menu (Home is the root URL: its own path is "Page not found")
PATHS = ["" if path == HOME else path.removeprefix("pages/").removesuffix(".py")
         for entries in SECTIONS.values() for path, _, _ in entries]
CHARTLESS = {"", "rehearse"}  # Home, and the students' self-test (it links to the figures)
# the presenter shows a card's figure when asked: its Figure button (the F key is tested in test_lecture.py)
FIGURE_BUTTON = {"lecture": ".st-key-lec_figure button"}

# For every chart: its box, and the box, font size and fill of every piece of text Plotly drew.
# kind: title (figure title), axistitle, legend, colorbar, annotation, tick, cell.
MEASURE = """() => {
  const kinds = [
    ['title', 'text.gtitle'],
    ['axistitle', '.infolayer text[class^="x"][class$="title"], .infolayer text[class^="y"][class$="title"]'],
    ['legend', 'g.legend text'],
    ['colorbar', 'g.colorbar text'],
    ['annotation', 'g.annotation text'],
    ['tick', 'g.xaxislayer-above text, g.yaxislayer-above text, g.polarlayer text'],
    ['cell', 'g.textpoint text, g.heatmaplayer text, g.bartext text, g.table text'],
  ];
  const box = r => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom});
  return [...document.querySelectorAll('.js-plotly-plot')].map((gd, i) => {
    if (gd.getBoundingClientRect().width === 0) return null;  // in a tab not shown
    const out = {index: i, box: box(gd.getBoundingClientRect()),
                 title: (gd.layout.title && gd.layout.title.text) || `chart ${i}`, texts: []};
    const legend = gd.querySelector('g.legend');
    out.legend = legend ? box(legend.getBoundingClientRect()) : null;
    for (const [kind, selector] of kinds) {
      for (const el of gd.querySelectorAll(selector)) {
        const r = el.getBoundingClientRect();
        const text = el.textContent.trim();
        if (!text || r.width === 0 || r.height === 0) continue;
        if (el.closest('[display="none"]') || getComputedStyle(el).visibility === 'hidden') continue;
        const style = getComputedStyle(el);
        out.texts.push({kind, text: text.slice(0, 60), box: box(r),
                        size: parseFloat(style.fontSize), fill: style.fill});
      }
    }
    return out;
  });
}"""


def _inside(inner: dict, outer: dict) -> bool:
    return (inner["left"] >= outer["left"] - SLACK and inner["right"] <= outer["right"] + SLACK
            and inner["top"] >= outer["top"] - SLACK and inner["bottom"] <= outer["bottom"] + SLACK)


def _overlap(a: dict, b: dict) -> bool:
    return (min(a["right"], b["right"]) - max(a["left"], b["left"]) > SLACK
            and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > SLACK)


def problems(charts: list[dict]) -> list[str]:
    """Everything unreadable in the measured charts, one line each (empty: all good)."""
    found = []
    for chart in charts:
        name = f"chart {chart['index']} ({chart['title'][:50]!r})"
        for t in chart["texts"]:
            what = f"{name}: {t['kind']} {t['text']!r}"
            if not _inside(t["box"], chart["box"]):
                found.append(f"{what} is clipped: {t['box']} outside {chart['box']}")
            titled = t["kind"] in ("title", "axistitle")
            if titled and chart["legend"] and _overlap(t["box"], chart["legend"]):
                found.append(f"{what} overlaps the legend")
            if t["kind"] == "tick" and (t["size"] < TICK_PX or t["fill"] != "rgb(0, 0, 0)"):
                found.append(f"{what} is {t['size']:.0f} px {t['fill']} (want >= {TICK_PX} px black)")
            if t["kind"] == "cell" and t["size"] < CELL_PX:
                found.append(f"{what} is {t['size']:.0f} px (want >= {CELL_PX} px)")
    return found


def numbered(charts: list) -> dict[int, dict]:
    """Measured charts by their place on the page (component frames first; None: not shown)."""
    return {i: {**c, "index": i} for i, c in enumerate(charts) if c}


def measure(page, settle, url: str, size: tuple[int, int], min_charts: int = 1,
            button: str = "") -> list[dict]:
    """Open `url` at `size`, click `button` (a CSS selector) if given once the page has settled,
    and measure every chart, those in every tab too (each tab is clicked)."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(url)
    if button:
        settle(page, timeout_s=240, min_charts=0)
        page.locator(button).first.click(timeout=60_000)
        page.wait_for_selector(".js-plotly-plot", timeout=240_000)
    settle(page, timeout_s=240, min_charts=min_charts)
    page.wait_for_timeout(500)  # Plotly's relayout after Streamlit's last resize
    seen = numbered(in_frames(page, MEASURE))
    tabs = page.locator("[data-testid='stMain'] button[role='tab']")
    for i in range(tabs.count()):
        tabs.nth(i).click()
        page.wait_for_timeout(800)  # the tab's charts draw at their real width
        seen.update({i: c for i, c in numbered(in_frames(page, MEASURE)).items() if i not in seen})
    return [seen[i] for i in sorted(seen)]


@pytest.mark.parametrize("path", PATHS)
def test_projector_mode_draws_every_chart_readable_and_unclipped(app_url, page, settle, path):
    found = []
    for size in SIZES:
        charts = measure(page, settle, f"{app_url}/{path}?present=1", size,
                         min_charts=0 if path in CHARTLESS else 1, button=FIGURE_BUTTON.get(path, ""))
        assert not page.locator("[data-testid='stException']").count(), path
        if path not in CHARTLESS:
            assert charts, f"{path}: no chart drawn at {size}"
            assert all(c["texts"] for c in charts), f"{path}: a chart drew no text at {size}"
        found += [f"{size[0]}x{size[1]} {p}" for p in problems(charts)]
        if path == "head":  # the figure comes first: it starts above the fold
            assert charts[0]["box"]["top"] < size[1] * 0.75, charts[0]["box"]
    assert not found, "\n".join(found)


def test_the_measure_catches_a_clipped_title_and_a_grey_tick():
    """The checker itself: a title past the right edge, a title on the legend, a small grey tick."""
    def box(left, top, right, bottom):
        return {"left": left, "top": top, "right": right, "bottom": bottom}

    k, grey = "rgb(0, 0, 0)", "rgb(68, 68, 68)"
    chart = {"index": 0, "title": "t", "box": box(0, 0, 500, 300), "legend": box(300, 0, 500, 40),
             "texts": [{"kind": "title", "text": "long", "box": box(9, 5, 520, 30), "size": 28, "fill": k},
                       {"kind": "tick", "text": "0", "box": box(10, 280, 20, 295), "size": 12, "fill": grey},
                       {"kind": "tick", "text": "1", "box": box(30, 280, 40, 295), "size": 18, "fill": k}]}
    found = problems([chart])
    assert len(found) == 3, found
    assert "clipped" in found[0] and "overlaps the legend" in found[1] and "12 px" in found[2]
