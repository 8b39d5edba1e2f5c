"""Deck import: the user's own messy deck, Anki and Markdown exports, and files that are not decks."""

from pathlib import Path

import pytest

from core.labs.deck import MAX_BYTES, DeckError, detect_format, parse_deck, read_deck

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "lectures" / "transformers_flashcards.txt"
SHARED = Path("/work/shared/fixtures/transformers_flashcards.txt")
FIXTURES = ROOT / "tests" / "fixtures" / "decks"


@pytest.fixture(scope="module")
def deck():
    return read_deck(EXAMPLE.read_bytes())


def test_repo_copy_equals_the_shared_deck_when_it_exists():
    if not SHARED.exists():
        pytest.skip("no shared fixture on this machine (CI): the repo copy is the reference")
    assert EXAMPLE.read_bytes() == SHARED.read_bytes()


def test_example_deck_cards_title_and_stray_lines(deck):
    assert deck.format == "plain" and deck.title == "Transformers Flashcards"
    assert len(deck.cards) == 55
    skipped = {(s.line, s.text): s.reason for s in deck.skipped}
    assert skipped == {
        (1, "Transformers Flashcards"): "title line (the deck's name, not a card)",
        (121, "a"): "stray one-character line",
        (122, "b"): "stray one-character line",
    }
    first = deck.cards[0]
    assert first.question == "Transformers were developed to solve the problem of _____"
    assert first.answer == ["sequence transduction"] and first.line == 2
    # every non-empty line of the file is in a card or in `skipped`: nothing dropped silently
    used = {s.line for s in deck.skipped}
    for card in deck.cards:
        used |= {card.line, *card.answer_lines}
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    url_lines = {i + 1 for i, ln in enumerate(lines) if ln.startswith("https://")}
    assert {i + 1 for i, ln in enumerate(lines) if ln.strip()} == used | url_lines


def test_no_url_is_a_question_and_urls_become_notes(deck):
    assert not any("http" in c.question for c in deck.cards)
    encoder_job = next(c for c in deck.cards if c.question == "What is the encoder’s job?")
    assert encoder_job.answer == ["To take an input sequence and output a context vector/thought vector"]
    assert encoder_job.notes == ["https://medium.com/@b.terryjack/deep-learning-the-transformer-9ae5e9c5a190"]
    assert sum(n.startswith("https://") for c in deck.cards for n in c.notes) == 3


def test_question_without_answer_is_kept_empty_and_flagged(deck):
    flagged = [c for c in deck.cards if "no answer" in c.flags]
    assert [c.line for c in flagged] == [82, 83]
    assert all(c.answer == [] for c in flagged)
    after = deck.cards[deck.cards.index(flagged[-1]) + 1]
    assert after.question.startswith("Why do we talk about the Jacobian")
    assert after.answer[1].startswith("Whereas a gradient")  # a multi-line answer


def test_multi_line_answers_asides_and_answers_that_are_questions(deck):
    by_q = {c.question: c for c in deck.cards}
    pe = by_q["Positional embedding requirements"]
    assert [a[:2] for a in pe.answer] == ["1)", "2)"]
    why = next(c for c in deck.cards if c.question.startswith("Why do transformers need the inputs"))
    assert len(why.answer) == 3 and why.notes[0] == "[explain this from two different angles]"
    # the answer to "what question?" is itself a question, not a new card
    assert by_q["Attention involves answering what question?"].answer == [
        "What part of the input should I focus on?"
    ]
    # a vector in brackets is part of the answer, not an aside
    assert "[.90, .10]" in by_q["RNN sequence to vector example"].answer[0]
    summary = next(c for c in deck.cards if c.question.startswith("Summarize the difference"))
    assert [a.split(":")[0] for a in summary.answer] == [
        "• Attention Score",
        "• Attention Weight",
        "• Attention Vector",
    ]


def test_anki_plain_text_export():
    deck = read_deck((FIXTURES / "anki_export.txt").read_bytes())
    assert deck.format == "anki"
    assert [c.question for c in deck.cards] == [
        "What does softmax output?",
        "Why divide scores by √dk?",
        "What is RoPE?",
    ]
    assert deck.cards[0].answer == ["A probability distribution:", "non-negative, sums to 1"]
    assert deck.cards[0].notes == ["tag: softmax", "tag: basics"]
    assert deck.cards[1].answer == ["Keeps the variance of q·k at 1", "so softmax does not saturate"]
    assert deck.cards[2].flags == ["no answer"]
    orphan = [s for s in deck.skipped if s.line == 6]
    assert orphan and orphan[0].reason == "no question in the first field"


def test_markdown_deck():
    deck = read_deck((FIXTURES / "markdown_deck.md").read_bytes())
    assert deck.format == "markdown" and deck.title == "Attention basics"
    assert [c.question for c in deck.cards] == [
        "What are attention weights?",
        "Why do we need positional encodings?",
        "What is a context vector?",
        "What is the cost of self-attention per layer?",
    ]
    weights = deck.cards[0]
    assert weights.answer == ["The softmax of the scores, row by row.", "• every row sums to 1"]
    assert weights.notes == ["https://arxiv.org/abs/1706.03762"]
    assert deck.cards[1].notes == ["[ask the class first]"]
    assert deck.cards[2].flags == ["no answer"]
    reasons = {s.line: s.reason for s in deck.skipped}
    assert reasons[3] == "text before the first ## question" and reasons[17] == "stray one-character line"


def test_format_detection():
    assert detect_format("Q?\nA\n") == "plain"
    assert detect_format("## Q?\nA\n") == "markdown"
    assert detect_format("front\tback\nf2\tb2\n") == "anki"


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "empty"),
        (b"  \n\n\t\n", "empty"),
        (b"x" * (10 * 1024 * 1024), "10.5 MB"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG image"),
        (b"PK\x03\x04" + bytes(100), "Notes in Plain Text"),
        (bytes(range(256)) * 4, "binary"),
        ("What is attention?\nA weighting\n".encode("utf-16-le"), "UTF-16 without a byte-order mark"),
        (b"\xff\xfeW\x00h\x00?", "damaged"),
    ],
)
def test_files_that_are_not_decks_get_a_clear_message(data, words):
    with pytest.raises(DeckError, match=words):
        read_deck(data)
    assert MAX_BYTES < 10 * 1024 * 1024


def test_a_deck_with_no_cards_says_so():
    with pytest.raises(DeckError, match="No flashcards"):
        parse_deck("# Only a title\n", "markdown")


def test_other_encodings_read_the_same_cards():
    text = "Café questions\nWhat is a naïve RNN?\nA recurrent net, déjà vu\n"
    utf8 = read_deck(text.encode("utf-8"))
    utf16 = read_deck(text.encode("utf-16"))  # with a byte-order mark
    assert utf16.encoding == "utf-16" and not utf16.warnings
    assert [(c.question, c.answer) for c in utf16.cards] == [(c.question, c.answer) for c in utf8.cards]
    latin = read_deck(text.encode("latin-1"))
    assert latin.encoding == "cp1252" and "not UTF-8" in latin.warnings[0]
    assert latin.cards[0].question == "What is a naïve RNN?"
    assert latin.cards[0].answer == ["A recurrent net, déjà vu"]
    bom = read_deck(b"\xef\xbb\xbf" + text.encode())
    assert bom.title == "Café questions"
