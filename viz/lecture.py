"""A lecture's export: one self-contained offline HTML file (plotly.js embedded once, every figure
interactive, no network request), one PNG per slide, and a printable handout. Pure: slides in, bytes out."""

from __future__ import annotations

import base64
import html
import io
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation")


@dataclass
class SlideContent:
    """What one slide shows: the card's words (verbatim from the deck) and its figures."""

    number: int
    question: str
    answer: list[str]
    notes: list[str] = field(default_factory=list)
    figures: list[tuple[str, go.Figure]] = field(default_factory=list)  # (view title, figure)
    reason: str = ""  # why there is no figure
    flags: list[str] = field(default_factory=list)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _figure_json(fig: go.Figure) -> str:
    # inside <script>: no "</" may appear, or a label could close the script element
    return pio.to_json(fig, validate=False, remove_uids=True).replace("</", "<\\/")


_CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:0;background:#fff;color:#111}
header{padding:16px 32px;border-bottom:2px solid #ccc}
section.slide{min-height:92vh;padding:24px 32px;border-bottom:1px solid #ddd;box-sizing:border-box}
.num{color:#666;font-size:1rem}
h2.q{font-size:2rem;line-height:1.25;margin:.3em 0}
.answer li,.answer p{font-size:1.35rem;line-height:1.45}
.notes{color:#555;font-size:1rem}
.fig{width:100%;height:520px}
.none{color:#666;font-style:italic}
details>summary{cursor:pointer;font-size:1.1rem;color:#0b5394}
@media print{section.slide{min-height:0;page-break-inside:avoid}details{display:block}}
"""

_NAV = """
document.addEventListener('keydown', function (e) {
  var s = [].slice.call(document.querySelectorAll('section.slide'));
  var y = window.scrollY + 10, i = s.findIndex(function (x) { return x.offsetTop > y; });
  if (e.key === 'ArrowRight' || e.key === 'PageDown') { (s[i] || s[s.length - 1]).scrollIntoView(); }
  else if (e.key === 'ArrowLeft' || e.key === 'PageUp') {
    var cur = (i < 0 ? s.length : i) - 1; (s[Math.max(cur - 1, 0)]).scrollIntoView(); }
  else { return; }
  e.preventDefault();
});
"""


def _answer_html(slide: SlideContent, open_: bool) -> str:
    if not slide.answer:
        return "<p class='none'>The deck gives no answer for this card.</p>"
    items = "".join(f"<li>{_e(a)}</li>" for a in slide.answer)
    opened = " open" if open_ else ""
    return f"<details{opened}><summary>Answer</summary><ul class='answer'>{items}</ul></details>"


def _notes_html(slide: SlideContent) -> str:
    if not slide.notes:
        return ""
    return "<p class='notes'>Notes: " + " · ".join(_e(n) for n in slide.notes) + "</p>"


def lecture_html(title: str, slides: list[SlideContent], answers_open: bool = False) -> str:
    """One HTML document: every slide with its question, answer (click to reveal), notes and
    interactive figures. plotly.js is embedded once; nothing is loaded from the network."""
    from plotly.offline import get_plotlyjs

    parts, specs = [], []
    for slide in slides:
        figs = []
        for title_, fig in slide.figures:
            specs.append(_figure_json(fig))
            figs.append(f"<p class='num'>{_e(title_)}</p><div class='fig' id='fig{len(specs) - 1}'></div>")
        body = "".join(figs) or f"<p class='none'>{_e(slide.reason or 'No figure for this card.')}</p>"
        parts.append(
            f"<section class='slide' id='slide{slide.number}'><p class='num'>Card {slide.number} of "
            f"{len(slides)}</p><h2 class='q'>{_e(slide.question)}</h2>{_answer_html(slide, answers_open)}"
            f"{_notes_html(slide)}{body}</section>"
        )
    data = "[" + ",".join(specs) + "]"
    # one figure after another once the page has loaded, so the first card shows at once; a figure
    # plotly.js refuses says so in its place (counted in window.figureErrors) and the next one follows
    draw = (
        "var specs=" + data + ";window.figureErrors=0;function draw(i){if(i>=specs.length)return;"
        "var s=specs[i],next=function(){setTimeout(function(){draw(i+1);},0);},fail=function(e){"
        "window.figureErrors++;var p=document.createElement('p');p.className='none';"
        "p.textContent='This figure could not be drawn: '+e;document.getElementById('fig'+i).appendChild(p);"
        "next();};"
        "try{Plotly.newPlot('fig'+i,s.data,s.layout,{responsive:true,displaylogo:false}).then(next,fail);}"
        "catch(e){fail(e);}}"
        "window.addEventListener('load',function(){draw(0);});"
    )
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{_CSS}</style>"
        f"<script>{get_plotlyjs()}</script></head><body><header><h1>{_e(title)}</h1><p>{len(slides)} cards, "
        f"{len(specs)} figures. Arrow keys or Page Up/Down move between cards.</p></header>"
        f"{''.join(parts)}<script>{draw}{_NAV}</script></body></html>"
    )


def handout_html(title: str, slides: list[SlideContent], images: dict[int, list[bytes]] | None = None) -> str:
    """A printable handout: every card with its answer and notes, and the figures as still images
    (PNG bytes by slide number, optional). No script, no network."""
    images = images or {}
    parts = []
    for s in slides:
        pics = "".join(
            f"<img alt='figure' style='max-width:100%' src='data:image/png;base64,"
            f"{base64.b64encode(png).decode()}'>"
            for png in images.get(s.number, [])
        )
        names = ", ".join(_e(t) for t, _ in s.figures)
        figure_line = (
            f"<p class='notes'>Figure: {names}</p>" if names else f"<p class='none'>{_e(s.reason)}</p>"
        )
        parts.append(
            f"<section class='slide'><p class='num'>{s.number}.</p><h2 class='q'>{_e(s.question)}</h2>"
            f"{_answer_html(s, True)}{_notes_html(s)}{figure_line}{pics}</section>"
        )
    css = _CSS.replace("min-height:92vh;", "")
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)} (handout)</title>"
        f"<style>{css}</style></head><body><header><h1>{_e(title)}</h1></header>{''.join(parts)}</body></html>"
    )


def _font(size: int, bold: bool = False):
    from PIL import ImageFont

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        path = Path(folder) / name
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def slide_png(
    slide: SlideContent,
    figure_png: bytes | None = None,
    size: tuple[int, int] = (1600, 900),
    total: int | None = None,
) -> bytes:
    """One slide as a PNG: card number, question, answer and the figure (a PNG, scaled to fit)."""
    from PIL import Image, ImageDraw

    width, height = size
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    y = 28
    draw.text(
        (48, y), f"Card {slide.number}" + (f" of {total}" if total else ""), fill="#666", font=_font(24)
    )
    y += 40
    for line in textwrap.wrap(slide.question, 62)[:4]:
        draw.text((48, y), line, fill="#111", font=_font(40, bold=True))
        y += 50
    y += 8
    answer = slide.answer or ["(no answer in the deck)"]
    for line in [w for a in answer for w in textwrap.wrap(a, 100)][:6]:
        draw.text((48, y), line, fill="#222", font=_font(24))
        y += 32
    if figure_png is not None:
        fig = Image.open(io.BytesIO(figure_png)).convert("RGB")
        room = (width - 96, height - y - 24)
        scale = min(room[0] / fig.width, room[1] / fig.height, 1.0)
        if scale > 0.05:
            fig = fig.resize((max(1, int(fig.width * scale)), max(1, int(fig.height * scale))))
            img.paste(fig, ((width - fig.width) // 2, y + 12))
    elif slide.reason:
        draw.text((48, y + 20), slide.reason, fill="#666", font=_font(24))
    out = io.BytesIO()
    img.save(out, "PNG", optimize=True)
    return out.getvalue()


def export_summary(html_text: str) -> dict:
    """Size and content counts of an exported lecture (for the page and the report)."""
    return {
        "bytes": len(html_text.encode()),
        "figures": html_text.count("class='fig'"),
        "plotly_js_copies": html_text.count("plotly.js v"),
    }


def coverage_figure(with_figure: int, without: dict[str, int], title: str = "Deck coverage") -> go.Figure:
    """One horizontal bar per group: cards with a figure, then each reason for having none."""
    from viz.theme import base_layout

    labels = ["with a figure", *without]
    counts = [with_figure, *without.values()]
    colours = ["#1b7837", *["#bdbdbd" if r.startswith("nothing to draw") else "#e08214" for r in without]]
    wrapped = ["<br>".join(textwrap.wrap(label, 48)) for label in labels]
    fig = go.Figure(
        go.Bar(
            x=counts,
            y=wrapped,
            orientation="h",
            marker_color=colours,
            text=counts,
            textposition="outside",
            hovertext=labels,
            hoverinfo="text+x",
        )
    )
    base_layout(
        fig, f"{title}: {with_figure} of {sum(counts)} cards with a figure", height=120 + 48 * len(labels)
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="cards", range=[0, max(counts) * 1.15 + 1])
    return fig
