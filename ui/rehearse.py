"""Rehearsal progress for students, small enough to live in the URL: a shuffle seed and one mark per
card ('.' not seen yet, 'k' knew it, 'a' again). Pure: no Streamlit."""

from __future__ import annotations

import json
import random

MARKS = ".ka"


def order(n_cards: int, seed: int) -> list[int]:
    """The shuffled card order (0-based indices) for a seed."""
    cards = list(range(n_cards))
    random.Random(seed).shuffle(cards)
    return cards


def valid(marks: str, n_cards: int) -> bool:
    return len(marks) == n_cards and set(marks) <= set(MARKS)


def next_card(marks: str, seed: int) -> int | None:
    """The next card to ask: unseen cards in shuffled order, then the 'again' ones; None when all known."""
    shuffled = order(len(marks), seed)
    for wanted in ".a":
        for i in shuffled:
            if marks[i] == wanted:
                return i
    return None


def mark(marks: str, index: int, knew: bool) -> str:
    return marks[:index] + ("k" if knew else "a") + marks[index + 1 :]


def progress(marks: str) -> dict[str, int]:
    return {"knew it": marks.count("k"), "again": marks.count("a"), "not seen": marks.count(".")}


def to_file(deck_name: str, seed: int, marks: str) -> str:
    return json.dumps({"deck": deck_name, "seed": seed, "marks": marks})


def from_file(text: str, n_cards: int) -> tuple[int, str]:
    """(seed, marks) from a saved progress file; ValueError with the reason otherwise."""
    try:
        data = json.loads(text)
        seed, marks = int(data["seed"]), str(data["marks"])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"not a progress file: {exc}") from None
    if not valid(marks, n_cards):
        raise ValueError(f"this progress is for a deck of {len(marks)} cards; the open deck has {n_cards}")
    return seed, marks
