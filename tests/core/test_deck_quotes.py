"""Every quote shown as the deck's words is verbatim from the deck (issue 10, item 4)."""

from __future__ import annotations

import ast
import filecmp
from pathlib import Path

from core.labs.deck_quotes import DECK_PATH, deck_quote, missing_fragments

ROOT = Path(__file__).resolve().parents[2]
SHARED_DECK = Path("/work/shared/fixtures/transformers_flashcards.txt")


def deck_quote_calls() -> list[tuple[str, int, ast.Call]]:
    calls = []
    for folder in ("core", "viz", "ui", "pages"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "deck_quote":
                    calls.append((str(path.relative_to(ROOT)), node.lineno, node))
    return calls


def test_every_deck_quote_is_verbatim_in_the_deck():
    calls = deck_quote_calls()
    assert len(calls) >= 10  # the scorecard's measures and the pages' quotes
    for where, line, call in calls:
        assert len(call.args) == 1 and isinstance(call.args[0], ast.Constant), \
            f"{where}:{line}: deck_quote takes one literal string, so this test can read it"
        quote = call.args[0].value
        assert not missing_fragments(quote), f"{where}:{line}: not in the deck: {missing_fragments(quote)}"


def test_the_checker_catches_a_paraphrase():
    # the quote the scorecard used to show as the deck's, which the deck never says
    assert missing_fragments("the AIAYN choice is best understood with Fourier analysis")
    assert not missing_fragments("The AIAYN paper’s choice of positional embedding is best understood "
                                 "if you have knowledge of what? … Fourier Analysis")
    assert deck_quote("x") == "x"


def test_repo_deck_is_the_users_deck():
    assert DECK_PATH == ROOT / "lectures" / "transformers_flashcards.txt"
    if SHARED_DECK.exists():
        assert filecmp.cmp(DECK_PATH, SHARED_DECK, shallow=False)


def test_scorecard_quotes_are_marked():
    from core.labs.positional_scorecard import MEASURES

    for info in MEASURES.values():
        assert not missing_fragments(info["deck"]), info["deck"]
