"""A classroom against one server: N Chromium sessions typing sentences and switching pages.

Starts `streamlit run app.py` (shared-server mode), then for each N in --sessions (default 1 6)
opens N browser sessions at once (one headless Chromium, one context each, like N students).
Every session types --rounds sentences of its own on "One head" and, after each, switches to
"All heads" and back through the sidebar menu. A redraw is the time from Ctrl+Enter (or the
menu click) until the chart shows the new sentence (or the clicked page has run and drawn its chart,
One head's showing the sentence).
Prints p50 / p95 redraw seconds, errors, the server's resident memory (peak, from
/proc/<pid>/status), the ratio of each N's p95 to the single-session p95 of the same run, and the
server's CPU time per redraw and its share of the machine's cores: the browsers run on the same
cores, so a low share says the waiting is the browsers', which a real class runs on its own
machines.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_classroom.py --sessions 1 6 --rounds 4
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from bench_browser import start_server  # noqa: E402
from conftest import FLAGS  # noqa: E402

# never a word of the default sentence ("The dog ate the cat because it was hungry"): a redraw
# counts when the chart shows the student's own word
NOUNS = ("tiger baker horse teacher lawyer river garden window music house farmer doctor pilot "
         "painter kitten robot").split()
PATHS = {"All heads": "/overview", "One head": "/head"}
# The first chart on the page: a figure component's (ui/switch.py: One head's head view lives in
# a same-origin frame) or the page's own.
FIRST = """(() => {
    const inFrames = [...document.querySelectorAll("iframe[src*='/component/']")]
        .map(f => f.contentDocument && f.contentDocument.querySelector('.js-plotly-plot')).filter(Boolean);
    return inFrames[0] || document.querySelector('.js-plotly-plot');
})()"""
SHOWS = """(word) => {
    const gd = FIRST;
    return !!gd && !!gd.querySelector('.main-svg') && JSON.stringify(gd.layout).includes(word);
}""".replace("FIRST", FIRST)
DRAWN = """([path, word]) => {
    const running = document.querySelector("[data-testid='stStatusWidget']");
    const gd = FIRST;
    return location.pathname.endsWith(path) && !running && !!gd && !!gd.querySelector('.main-svg')
        && (!word || JSON.stringify(gd.layout).includes(word));
}""".replace("FIRST", FIRST)


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used (/proc/<pid>/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return float("nan")
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


async def student(browser, base: str, who: int, rounds: int, times: dict, errors: list) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(180_000)  # a busy shared machine: generous, errors are counted
    try:
        await page.goto(f"{base}/head")
        await page.wait_for_function(SHOWS, arg="hungry", timeout=180_000)
        for r in range(rounds):
            marker = NOUNS[(who * rounds + r) % len(NOUNS)]
            text = f"The {marker} saw student {who} in round {r} because the {marker} was waiting"
            box = page.locator("[data-testid='stSidebar'] textarea").first
            await box.fill(text)
            t = time.perf_counter()
            await box.press("Control+Enter")
            await page.wait_for_function(SHOWS, arg=marker, timeout=180_000)
            times["type"].append(time.perf_counter() - t)
            for title in ("All heads", "One head"):
                t = time.perf_counter()
                await page.locator("[data-testid='stSidebar']").get_by_text(title, exact=True).first.click()
                # the clicked page, run to its end, its first chart drawn (One head's with the word)
                await page.wait_for_function(
                    DRAWN, arg=[PATHS[title], marker if title == "One head" else ""], timeout=180_000)
                times["switch"].append(time.perf_counter() - t)
    except Exception as err:  # noqa: BLE001 - counted, the class goes on
        errors.append(f"student {who}: {type(err).__name__}: {str(err)[:120]}")
    finally:
        await context.close()


async def classroom(base: str, n: int, rounds: int) -> tuple[dict, list]:
    from playwright.async_api import async_playwright

    times: dict[str, list[float]] = {"type": [], "switch": []}
    errors: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=shutil.which("chromium"), args=FLAGS)
        await asyncio.gather(*(student(browser, base, who, rounds, times, errors) for who in range(n)))
        await browser.close()
    return times, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 6])
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    server, base = start_server({"ATTENTION_LAB_SHARED": "1"})
    peak, stop = [0.0], threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mb(server.pid))
            time.sleep(0.5)

    try:
        threading.Thread(target=sample, daemon=True).start()
        asyncio.run(classroom(base, 1, 0))  # warm: MiniLM loaded, the default sentence cached
        print(f"{'sessions':>8} {'redraws':>7} {'type p50':>9} {'type p95':>9} {'switch p50':>10} "
              f"{'switch p95':>10} {'p95 ratio':>9} {'errors':>6} {'server RSS peak MB':>18} "
              f"{'server CPU s/redraw':>19} {'server CPU share':>16}")
        single = None
        for n in args.sessions:
            peak[0] = rss_mb(server.pid)
            cpu, wall = cpu_seconds(server.pid), time.perf_counter()
            times, errors = asyncio.run(classroom(base, n, args.rounds))
            cpu, wall = cpu_seconds(server.pid) - cpu, time.perf_counter() - wall
            every = times["type"] + times["switch"]
            p95 = percentile(every, 0.95)
            single = single or p95
            print(f"{n:>8} {len(every):>7} {statistics.median(times['type'] or [float('nan')]):>9.2f} "
                  f"{percentile(times['type'], 0.95):>9.2f} "
                  f"{statistics.median(times['switch'] or [float('nan')]):>10.2f} "
                  f"{percentile(times['switch'], 0.95):>10.2f} {p95 / single:>9.2f} {len(errors):>6} "
                  f"{peak[0]:>18.0f} {cpu / max(1, len(every)):>19.3f} "
                  f"{cpu / (wall * (os.cpu_count() or 1)):>16.0%}", flush=True)
            for e in errors:
                print("   ", e)
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
