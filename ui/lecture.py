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
from ui.catalog import View, by_name

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
                raise LinksError(f"entry {i} ({entry['question'][:60]!r}) links an unknown view {name!r}") from None
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
    return {"cards": len(slides), "with_figure": sum(bool(s.views) for s in slides),
            "without": without}


def example() -> tuple[Deck, list[Slide]]:
    """The example deck shipped in lectures/ with its chosen links."""
    deck = read_deck(EXAMPLE_DECK.read_bytes())
    return deck, plan(deck, parse_links(EXAMPLE_LINKS.read_text(encoding="utf-8")))
