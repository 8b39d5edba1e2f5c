"""In headless Chromium: typing a sentence -> heatmap drawn (128 and 512 tokens), and a layer /
head / temperature change -> new figure drawn (128 tokens), on One head and All heads.

Starts `streamlit run app.py`, opens the head and overview pages with MiniLM, types a sentence
of about N tokens and waits until the first chart shows the sentence's last word. The baseline,
measured in the same run, is a reload of the same page with the same (cached) sentence.
Interaction: arrow keys on the One head page's sliders (fragments: only that part reruns), timed
until the figure's title names the new head (or the what-if title the new T). Medians.
Targets (issue 15): typing -> drawn <= 0.5 s at 128 tokens; a slider change <= 0.25 s.
    .venv/bin/python bench/bench_browser.py
"""

from __future__ import annotations

import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from conftest import FLAGS, _free_port  # noqa: E402

WORDS = ("the quick brown fox jumps over a lazy dog while seven curious cats watch from "
         "an old wooden fence near the river").split()


TYPING_TOKENS = (128, 512)


def sentence(n_tokens: int, marker: str) -> str:
    words = [WORDS[i % len(WORDS)] for i in range(n_tokens - 3)]
    return " ".join(words + [marker])


SHOWS = """([word, n]) => {
    const gd = document.querySelector('.js-plotly-plot');
    if (!gd || !gd.querySelector('.main-svg')) return false;
    const layout = JSON.stringify(gd.layout);
    if (n === 0) return layout.includes(word);
    // long inputs label only every k-th token: check the heatmap rows (or the overview title)
    const rows = (gd._fullData || []).filter(t => t.type === 'heatmap').map(t => (t.z || []).length);
    return rows.includes(n) || layout.includes(n + ' tokens');
}"""


def drawn_with(page, word: str, n_tokens: int = 0, timeout_s: float = 120) -> float:
    """Wait until the first chart shows `word` (or, with n_tokens, a sentence of that length)."""
    t = time.perf_counter()
    page.wait_for_function(SHOWS, arg=[word, n_tokens], timeout=timeout_s * 1000)
    return time.perf_counter() - t


TITLE_HAS = """([index, text]) => {
    const charts = document.querySelectorAll('.js-plotly-plot');
    const gd = charts[index];
    return !!gd && !!gd.layout && JSON.stringify((gd.layout.title || {}).text || '').includes(text);
}"""


def interaction(page, base: str, repeats: int = 6) -> None:
    """Layer, head and temperature slider changes on the One head page at 128 tokens (medians)."""
    page.goto(f"{base}/head")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
    box = page.locator("[data-testid='stSidebar'] textarea").first
    box.fill(sentence(128, "house"))
    box.press("Control+Enter")
    drawn_with(page, "house", 128)
    sliders = page.get_by_role("slider")
    print(f"{'change (One head, 128 tokens)':>30} {'median s':>9} {'max s':>7} {'target':>7}")
    for name, index, chart, expect in (
            ("layer", 0, 0, lambda step: f"L{step % 2}H0:"), ("head", 1, 0, lambda step: f"L0H{step % 2}:"),
            ("temperature", 2, 2, lambda step: "T = 1.1 for" if step % 2 else "T = 1 for")):
        slider = sliders.nth(index)
        times = []
        for step in range(1, 2 * repeats + 1):
            slider.focus()
            t = time.perf_counter()
            slider.press("ArrowRight" if step % 2 else "ArrowLeft")
            page.wait_for_function(TITLE_HAS, arg=[chart, expect(step)], timeout=30_000)
            times.append(time.perf_counter() - t)
        print(f"{name:>30} {statistics.median(times):>9.3f} {max(times):>7.3f} {'0.25':>7}")


def main() -> None:
    import subprocess
    import urllib.request

    from playwright.sync_api import sync_playwright

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless",
                               "true", "--server.address", "127.0.0.1", "--server.port", str(port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}/head")
            drawn_with(page, "hungry")  # warm: model loaded, first capture cached
            interaction(page, base)
            print(f"{'page':>9} {'tokens':>6} {'type→drawn s':>13} {'reload (cached) s':>18} {'ratio':>6}")
            markers = iter(["house", "music", "window", "garden"])  # one WordPiece each
            for where in ("head", "overview"):
                for n in TYPING_TOKENS:
                    marker = next(markers)
                    page.goto(f"{base}/{where}")
                    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
                    box = page.locator("[data-testid='stSidebar'] textarea").first
                    typed = []
                    box.fill(sentence(n, marker))
                    t = time.perf_counter()
                    box.press("Control+Enter")
                    drawn_with(page, marker, n)
                    typed.append(time.perf_counter() - t)
                    reloads = []
                    for _ in range(3):
                        t = time.perf_counter()
                        page.reload()
                        drawn_with(page, marker, n)
                        reloads.append(time.perf_counter() - t)
                    base_s = statistics.median(reloads)
                    print(f"{where:>9} {n:>6} {typed[0]:>13.2f} {base_s:>18.2f} {typed[0] / base_s:>6.2f}")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
