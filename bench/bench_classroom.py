"""A classroom against one server: N Chromium sessions typing sentences and switching pages.

Starts `streamlit run app.py` (shared-server mode), then for each N in --sessions (default 1 6)
opens N browser sessions at once (one headless Chromium, one context each, like N students).
Every session types --rounds sentences of its own on "One head" and, after each, switches to
"All heads" and back through the sidebar menu. A redraw is the time from Ctrl+Enter (or the
menu click) until the chart shows the new sentence (or the clicked page has run and drawn its chart,
One head's showing the sentence).

Students act as students do: they type their sentence key by key (--cps characters a second on
average, each student at their own steady speed between 0.6x and 1.4x of it) and look at each
page for --look seconds before the next click. Neither pause is part of a redraw's time.
`--cps 0 --look 0` is the stress test: every student acts again the instant a chart is drawn.

The browsers run on the bench's own cores, which a real class's students bring on their own
laptops: `--clients protocol` replaces each Chromium by a session speaking Streamlit's websocket
protocol (bench/streamlit_client.py: a browser's messages, recorded once, replayed with each
student's sentence, and the files the figure frames fetch). A redraw is then the server's whole
reply to the end of its run, and the frames' files fetched; nothing is drawn.

Prints p50 / p95 redraw seconds, errors, the server's resident memory (peak, from
/proc/<pid>/status), the ratio of each N's p95 to the single-session p95 of the same run, the
server's CPU time per redraw and its share of the machine's cores, and the clients' CPU time per
redraw (the browsers', or this process's for protocol students).

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_classroom.py --sessions 1 6 --rounds 3
    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_classroom.py --sessions 1 6 12 24 --clients protocol
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
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


def browsers_cpu(exclude: int) -> float:
    """CPU seconds used by this process's descendants (the browsers, their reaped children
    included), except the process `exclude` (the server) and its own."""
    parents, times = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")

    def ours(pid: int) -> bool:
        while pid in parents and pid not in (exclude, 0, 1):
            pid = parents[pid]
            if pid == os.getpid():
                return True
        return False

    return sum(t for pid, t in times.items() if ours(pid))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def typing_speed(who: int, cps: float) -> float:
    """Characters a second student `who` types at: their own steady speed, 0.6x to 1.4x `cps`."""
    return cps * random.Random(who).uniform(0.6, 1.4)


def sentence(who: int, r: int, rounds: int) -> tuple[str, str]:
    """(the marker word, the sentence) student `who` types in round `r`."""
    marker = NOUNS[(who * rounds + r) % len(NOUNS)]
    return marker, f"The {marker} saw student {who} in round {r} because the {marker} was waiting"


async def student(browser, base: str, who: int, rounds: int, pace: tuple[float, float], times: dict,
                  errors: list) -> None:
    """One student in Chromium: `rounds` sentences typed at `pace` = (characters a second, 0:
    pasted at once; seconds spent looking at each page)."""
    cps, look = pace
    speed = typing_speed(who, cps)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(180_000)  # a busy shared machine: generous, errors are counted
    try:
        await page.goto(f"{base}/head")
        await page.wait_for_function(SHOWS, arg="hungry", timeout=180_000)
        for r in range(rounds):
            marker, text = sentence(who, r, rounds)
            box = page.locator("[data-testid='stSidebar'] textarea").first
            if speed:
                await box.fill("")
                await box.press_sequentially(text, delay=1000 / speed)
            else:
                await box.fill(text)
            t = time.perf_counter()
            await box.press("Control+Enter")
            await page.wait_for_function(SHOWS, arg=marker, timeout=180_000)
            times["type"].append(time.perf_counter() - t)
            await asyncio.sleep(look)
            for title in ("All heads", "One head"):
                t = time.perf_counter()
                await page.locator("[data-testid='stSidebar']").get_by_text(title, exact=True).first.click()
                # the clicked page, run to its end, its first chart drawn (One head's with the word)
                await page.wait_for_function(
                    DRAWN, arg=[PATHS[title], marker if title == "One head" else ""], timeout=180_000)
                times["switch"].append(time.perf_counter() - t)
                await asyncio.sleep(look)
    except Exception as err:  # noqa: BLE001 - counted, the class goes on
        errors.append(f"student {who}: {type(err).__name__}: {str(err)[:120]}")
    finally:
        await context.close()


async def protocol_student(recorded, base: str, who: int, rounds: int, pace: tuple[float, float],
                           times: dict, errors: list) -> None:
    """The same student over Streamlit's protocol (bench/streamlit_client.py): the server's reply
    and the frames' files, nothing drawn; typing and looking are waited out."""
    from streamlit_client import Session

    cps, look = pace
    speed = typing_speed(who, cps)

    def check(reply, word: str, what: str) -> None:
        shown = reply.page_query.get("s", [""])[0]
        if reply.errors or not reply.finished or word not in shown or not (
                reply.components if what == "One head" else reply.charts):
            raise RuntimeError(f"{what}: {reply.errors or 'not drawn'} ({shown[:40]!r})")

    try:
        async with Session(base) as session:
            check(await session.open(recorded), "hungry", "One head")
            for r in range(rounds):
                marker, text = sentence(who, r, rounds)
                await asyncio.sleep(len(text) / speed if speed else 0)
                t = time.perf_counter()
                reply = await session.type(recorded, text)
                times["type"].append(time.perf_counter() - t)
                check(reply, marker, "One head")
                await asyncio.sleep(look)
                for title in ("All heads", "One head"):
                    t = time.perf_counter()
                    reply = await session.click(recorded, PATHS[title])
                    times["switch"].append(time.perf_counter() - t)
                    check(reply, marker, title)
                    await asyncio.sleep(look)
    except Exception as err:  # noqa: BLE001 - counted, the class goes on
        errors.append(f"student {who}: {type(err).__name__}: {str(err)[:120]}")


async def record_session(base: str):
    """A browser's messages for the protocol students (streamlit_client.record)."""
    from playwright.async_api import async_playwright
    from streamlit_client import record

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=shutil.which("chromium"), args=FLAGS)
        recorded = await record(browser, base, "The teacher saw the class because the teacher was early",
                                {title: PATHS[title] for title in ("All heads", "One head")}, SHOWS, DRAWN)
        await browser.close()
    return recorded


async def classroom_over_protocol(recorded, base: str, n: int, rounds: int,
                                  pace: tuple[float, float]) -> tuple[dict, list, float]:
    """(redraw seconds, errors, this process's CPU seconds): `n` protocol students."""
    times: dict[str, list[float]] = {"type": [], "switch": []}
    errors: list[str] = []
    cpu = time.process_time()
    await asyncio.gather(*(protocol_student(recorded, base, who, rounds, pace, times, errors)
                           for who in range(n)))
    return times, errors, time.process_time() - cpu


async def classroom(base: str, n: int, rounds: int, pace: tuple[float, float],
                    server: int) -> tuple[dict, list, float]:
    """(redraw seconds {"type": [...], "switch": [...]}, errors, the browsers' CPU seconds): `n`
    Chromium students; `server`: the server's pid, whose CPU is not the browsers'."""
    from playwright.async_api import async_playwright

    times: dict[str, list[float]] = {"type": [], "switch": []}
    errors: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=shutil.which("chromium"), args=FLAGS)
        cpu = browsers_cpu(exclude=server)
        await asyncio.gather(*(student(browser, base, who, rounds, pace, times, errors) for who in range(n)))
        cpu = browsers_cpu(exclude=server) - cpu
        await browser.close()
    return times, errors, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 6])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--cps", type=float, default=8.0,
                        help="typing speed, characters a second (8: about 95 words a minute, faster than "
                        "most students); 0 pastes each sentence at once")
    parser.add_argument("--look", type=float, default=2.0, help="seconds a student looks at each page")
    parser.add_argument("--clients", choices=["browser", "protocol"], default="browser",
                        help="browser: a headless Chromium per student, drawing on this machine; protocol: "
                        "Streamlit's websocket protocol (bench/streamlit_client.py), nothing drawn, as "
                        "when the students' browsers run on their own laptops")
    args = parser.parse_args()
    pace = (args.cps, args.look)
    print(f"{args.clients} clients typing {args.cps:g} characters a second, {args.look:g} s on each page; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    server, base = start_server({"ATTENTION_LAB_SHARED": "1"})
    peak, stop = [0.0], threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mb(server.pid))
            time.sleep(0.5)

    try:
        threading.Thread(target=sample, daemon=True).start()
        # warm: MiniLM loaded, the default sentence cached
        asyncio.run(classroom(base, 1, 0, (0, 0), server.pid))
        recorded = asyncio.run(record_session(base)) if args.clients == "protocol" else None
        print(f"{'sessions':>8} {'redraws':>7} {'type p50':>9} {'type p95':>9} {'switch p50':>10} "
              f"{'switch p95':>10} {'p95 ratio':>9} {'errors':>6} {'server RSS peak MB':>18} "
              f"{'server CPU s/redraw':>19} {'server CPU share':>16} {'clients CPU s/redraw':>20}")
        single = None
        for n in args.sessions:
            peak[0] = rss_mb(server.pid)
            cpu, wall = cpu_seconds(server.pid), time.perf_counter()
            times, errors, clients = asyncio.run(
                classroom_over_protocol(recorded, base, n, args.rounds, pace) if recorded
                else classroom(base, n, args.rounds, pace, server.pid))
            cpu, wall = cpu_seconds(server.pid) - cpu, time.perf_counter() - wall
            every = times["type"] + times["switch"]
            p95 = percentile(every, 0.95)
            single = single or p95
            print(f"{n:>8} {len(every):>7} {statistics.median(times['type'] or [float('nan')]):>9.2f} "
                  f"{percentile(times['type'], 0.95):>9.2f} "
                  f"{statistics.median(times['switch'] or [float('nan')]):>10.2f} "
                  f"{percentile(times['switch'], 0.95):>10.2f} {p95 / single:>9.2f} {len(errors):>6} "
                  f"{peak[0]:>18.0f} {cpu / max(1, len(every)):>19.3f} "
                  f"{cpu / (wall * (os.cpu_count() or 1)):>16.0%} {clients / max(1, len(every)):>20.3f}",
                  flush=True)
            for e in errors:
                print("   ", e)
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
