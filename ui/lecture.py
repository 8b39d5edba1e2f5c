"""A lecture = a deck + which catalogue views answer each card (the links file). Pure: no Streamlit.

Links file (JSON, saved next to a deck): {"deck": name, "cards": [{"question": ..., "line": n,
"views": [view names, best first]} or {..., "none": "why there is no figure"}]}. Cards are matched
by question text; a card the file does not mention has no chosen view yet (the app suggests some).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from core.labs.deck import Card, Deck, read_deck
from ui.catalog import Context, View, by_name
from viz.lecture import SlideContent

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_DECK = ROOT / "lectures" / "transformers_flashcards.txt"
EXAMPLE_LINKS = ROOT / "lectures" / "transformers_flashcards.links.json"
NOT_CHOSEN = "no figure chosen yet (the presenter suggests some)"


@dataclass
class Slide:
    """One card with the views that answer it (best first), or the reason it has none."""

    number: int  # 1-based
    card: Card
    views: list[View] = field(default_factory=list)
    reason: str = ""


class LinksError(ValueError):
    """A links file that cannot be used; the message says which entry and why."""


def parse_links(text: str) -> dict[str, dict]:
    """question -> {"views": [...]} or {"none": reason}, checked against the catalogue."""
    try:
        data = json.loads(text)
        entries = data["cards"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise LinksError(f"not a links file (expected JSON with a 'cards' list): {exc}") from None
    out = {}
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("question"), str):
            raise LinksError(f"entry {i} has no 'question' text")
        views = entry.get("views", [])
        for name in views:
            try:
                by_name(name)
            except KeyError:
                raise LinksError(
                    f"entry {i} ({entry['question'][:60]!r}) links an unknown view {name!r}"
                ) from None
        out[entry["question"]] = {"views": list(views), "none": str(entry.get("none", ""))}
    return out


def plan(deck: Deck, links: dict[str, dict] | None = None) -> list[Slide]:
    """The slides of a lecture: every card of the deck, in order, with its linked views."""
    links = links or {}
    slides = []
    for number, card in enumerate(deck.cards, start=1):
        entry = links.get(card.question)
        if entry is None:
            slides.append(Slide(number, card, [], NOT_CHOSEN))
        elif entry["views"]:
            slides.append(Slide(number, card, [by_name(n) for n in entry["views"]]))
        else:
            slides.append(Slide(number, card, [], entry["none"] or "no figure"))
    return slides


def links_json(deck_name: str, slides: list[Slide]) -> str:
    """The links file of these slides (what the lecturer saves next to the deck)."""
    cards = []
    for s in slides:
        entry = {"line": s.card.line, "question": s.card.question}
        if s.views:
            entry["views"] = [v.name for v in s.views]
        elif s.reason != NOT_CHOSEN:
            entry["none"] = s.reason
        else:
            continue
        cards.append(entry)
    return json.dumps({"deck": deck_name, "cards": cards}, indent=1, ensure_ascii=False)


def coverage(slides: list[Slide]) -> dict:
    """Counts for the coverage view: with a figure, without (grouped by reason)."""
    without: dict[str, list[int]] = {}
    for s in slides:
        if not s.views:
            without.setdefault(s.reason, []).append(s.number)
    return {"cards": len(slides), "with_figure": sum(bool(s.views) for s in slides), "without": without}


def coverage_summary(slides: list[Slide]) -> str:
    """The coverage in words, for a README or a report: how many cards have a figure, then each
    card without one with its reason."""
    cov = coverage(slides)
    lines = [f"{cov['with_figure']} of the {cov['cards']} cards are answered by a live figure."]
    lines += [f"Card {s.number}, “{s.card.question}” — {s.reason}." for s in slides if not s.views]
    return " ".join(lines)


def contents(slides: list[Slide], ctx: Context, views_per_slide: int = 1) -> list[SlideContent]:
    """Slides with their figures drawn (the first `views_per_slide` views of each). A figure that
    cannot be drawn (e.g. a model that failed) becomes the slide's reason, not an exception."""
    out = []
    for s in slides:
        figures, reason = [], s.reason
        for view in s.views[:views_per_slide]:
            try:
                figures.append((view.title, view.draw(ctx)))
            except Exception as exc:  # one failing figure must not sink a whole export
                reason = f"figure '{view.title}' could not be drawn: {type(exc).__name__}: {exc}"
        out.append(
            SlideContent(
                s.number,
                s.card.question,
                list(s.card.answer),
                list(s.card.notes),
                figures,
                reason,
                list(s.card.flags),
            )
        )
    return out


def slide_pngs(contents_: list[SlideContent]) -> bytes:
    """A zip with one PNG per slide (slide-01.png, ...); figures rendered by kaleido."""
    import io
    import zipfile

    from viz.export import to_image
    from viz.lecture import slide_png

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for c in contents_:
            figure = to_image(c.figures[0][1], "png", scale=1.0) if c.figures else None
            zf.writestr(f"slide-{c.number:02d}.png", slide_png(c, figure, total=len(contents_)))
    return buffer.getvalue()


def example() -> tuple[Deck, list[Slide]]:
    """The example deck shipped in lectures/ with its chosen links."""
    deck = read_deck(EXAMPLE_DECK.read_bytes())
    return deck, plan(deck, parse_links(EXAMPLE_LINKS.read_text(encoding="utf-8")))
