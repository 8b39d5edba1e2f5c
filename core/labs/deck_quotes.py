"""The user's flashcard deck, and the one marker for quoting it: `deck_quote("...")`.

A page that shows words *as the deck's* wraps them in `deck_quote`; tests/core/test_deck_quotes.py
reads every `deck_quote(...)` call in the code and checks that each fragment is verbatim in
lectures/transformers_flashcards.txt (a copy of the user's deck). Fragments of one quote are
joined by " … " (words left out between them).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

DECK_PATH = Path(__file__).resolve().parents[2] / "lectures" / "transformers_flashcards.txt"
GAP = " … "  # joins verbatim fragments of one quote


def deck_quote(text: str) -> str:
    """`text`, marked as the deck's own words (returned unchanged; checked by a test)."""
    return text


@lru_cache(maxsize=1)
def deck_text() -> str:
    """The deck with runs of whitespace collapsed to one space."""
    return " ".join(DECK_PATH.read_text(encoding="utf-8").split())


def missing_fragments(quote: str) -> list[str]:
    """The fragments of `quote` (split at GAP) that are not verbatim in the deck."""
    deck = deck_text()
    return [part for part in (" ".join(p.split()) for p in quote.split(GAP)) if part not in deck]
