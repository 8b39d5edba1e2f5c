"""A Streamlit session without a browser: Streamlit's own websocket protocol, for benches.

`record` drives one real Chromium session (load One head, type a sentence, click All heads, click
One head) and keeps the messages the browser sent. `Session` replays them over a websocket, with a
student's own sentence in place of the recorded one, reads the server's reply to the end of the run
and fetches what the page's figure frames would fetch (their page and, for each deck, the figure
and the chunk on screen: ui/web/switch.html's `wanted`). So N sessions load the server as N
students do, while nothing is drawn: in a class, the drawing happens on the students' laptops.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

COMPONENT = "/component/ui.switch.switch/"
FINISHED = {ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY}


@dataclass
class Recorded:
    """The BackMsgs (serialized) a browser sent: opening One head, typing `sentence` there,
    clicking each page of `pages` ({url path: message})."""
    load: bytes
    typed: bytes
    sentence: str
    pages: dict[str, bytes]


@dataclass
class Reply:
    """What the server sent for one run, and the frame files fetched after it."""
    finished: bool = False
    query: str = ""
    errors: list[str] = field(default_factory=list)
    components: list[dict] = field(default_factory=list)
    charts: int = 0
    fetched_bytes: int = 0

    @property
    def page_query(self) -> dict[str, list[str]]:
        return urllib.parse.parse_qs(self.query, keep_blank_values=True)


def listen(page, direction: str, kind: str, note) -> None:
    """Call `note(payload)` for every message of type `kind` on `page`'s websocket: `direction`
    "framesent" (BackMsg, browser to server) or "framereceived" (ForwardMsg)."""
    proto = BackMsg if direction == "framesent" else ForwardMsg

    def on_frame(payload) -> None:
        if isinstance(payload, bytes):
            msg = proto()
            msg.ParseFromString(payload)
            if msg.WhichOneof("type") == kind:
                note(payload)
    page.on("websocket", lambda ws: ws.on(direction, on_frame))


async def record(browser, base: str, sentence: str, pages: dict[str, str], shows: str,
                 drawn: str) -> Recorded:
    """Drive one Chromium session (`pages`: {menu title: url path}); `shows` and `drawn` are the
    page functions the classroom bench waits on (bench_classroom.SHOWS, DRAWN)."""
    sent: list[bytes] = []
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    listen(page, "framesent", "rerun_script", sent.append)
    try:
        await page.goto(f"{base}/head")
        await page.wait_for_function(shows, arg="hungry", timeout=180_000)
        load = sent[0]
        box = page.locator("[data-testid='stSidebar'] textarea").first
        await box.fill(sentence)
        mark = len(sent)
        await box.press("Control+Enter")
        await page.wait_for_function(shows, arg=sentence.split()[1], timeout=180_000)
        typed = sent[mark]
        clicks = {}
        for title, path in pages.items():
            mark = len(sent)
            await page.locator("[data-testid='stSidebar']").get_by_text(title, exact=True).first.click()
            await page.wait_for_function(drawn, arg=[path, ""], timeout=180_000)
            clicks[path] = sent[mark]
    finally:
        await context.close()
    return Recorded(load, typed, sentence, clicks)


def _message(recorded: bytes, old: str = "", new: str = "") -> BackMsg:
    """A recorded message, every widget value `old` (if given) replaced by `new`, no cached
    messages claimed (so the server sends every message in full)."""
    msg = BackMsg()
    msg.ParseFromString(recorded)
    for widget in msg.rerun_script.widget_states.widgets:
        if old and widget.WhichOneof("value") == "string_value" and widget.string_value == old:
            widget.string_value = new
    del msg.rerun_script.cached_message_hashes[:]
    return msg


class Session:
    """One student's session: `async with Session(base) as s: reply = await s.run(message)`."""

    def __init__(self, base: str):
        self.base = base
        self.query = ""

    async def __aenter__(self) -> Session:
        import websockets

        url = self.base.replace("http", "ws", 1) + "/_stcore/stream"
        self.ws = await websockets.connect(url, subprotocols=["streamlit"], max_size=None,
                                           compression=None)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()

    async def open(self, recorded: Recorded) -> Reply:
        return await self.run(_message(recorded.load))

    async def type(self, recorded: Recorded, sentence: str) -> Reply:
        """`sentence` typed in the sidebar (Ctrl+Enter) on the page the recording typed on."""
        msg = _message(recorded.typed, recorded.sentence, sentence)
        msg.rerun_script.query_string = self.query
        return await self.run(msg)

    async def click(self, recorded: Recorded, path: str) -> Reply:
        """The menu entry of the page at url `path` clicked."""
        return await self.run(_message(recorded.pages[path]))

    async def run(self, msg: BackMsg) -> Reply:
        """Send `msg`, read to the end of the run it starts, then fetch the frames' files."""
        await self.ws.send(msg.SerializeToString())
        reply = Reply()
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await self.ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "page_info_changed":
                reply.query = self.query = fwd.page_info_changed.query_string
            elif kind == "page_not_found":
                reply.errors.append("page not found")
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                which = element.WhichOneof("type")
                if which == "exception":
                    reply.errors.append(f"{element.exception.type}: {element.exception.message[:100]}")
                elif which == "component_instance":
                    reply.components.append(json.loads(element.component_instance.json_args))
                elif which == "plotly_chart":
                    reply.charts += 1
            elif kind == "script_finished":
                reply.finished = fwd.script_finished in FINISHED
                if not reply.finished:
                    reply.errors.append(f"run ended with status {fwd.script_finished}")
                break
        sizes = await asyncio.gather(*(asyncio.to_thread(self._fetch, path)
                                       for args in reply.components for path in _frame_files(args)))
        reply.fetched_bytes = sum(sizes)
        return reply

    def _fetch(self, path: str) -> int:
        with urllib.request.urlopen(self.base + COMPONENT + path, timeout=120) as response:
            return len(response.read())


def _frame_files(args: dict) -> list[str]:
    """What a newly mounted frame fetches (ui/web/switch.html): its page, the deck's figure, and
    the chunk holding the entry on screen (or every entry, if only that is written)."""
    at = ",".join(str(i) for i in args["at"])
    ready = set(args["ready"])
    chunk = next((f"c{i}.bin.gz" for i, keys in enumerate(args["chunks"]) if at in keys), None)
    files = [name for name in ("figure.json.gz", chunk) if name in ready]
    if chunk not in ready and "all.bin.gz" in ready:
        files.append("all.bin.gz")
    return ["index.html"] + [args["base"] + name for name in files]
