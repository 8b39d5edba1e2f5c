"""One token cleanup for WordPiece, byte-level BPE and SentencePiece pieces; word grouping."""

from __future__ import annotations

import pytest

from core.hf.tokens import clean_token, group_words, word_labels


@pytest.mark.parametrize(("raw", "byte_level", "shown"), [
    ("##ing", False, "##ing"), ("[CLS]", False, "[CLS]"), ("#", False, "#"), ("##", False, "##"),
    ("Ġdog", True, "dog"), ("Ċ", True, "↵"), ("Ġ", True, "␣"), ("ĉ", True, "⇥"),
    ("Ã©", True, "é"), ("ðŁ¤ĸ", True, "🤖"), ("ðŁ", True, "<0xF0><0x9F>"),
    ("▁dog", False, "dog"), ("▁", False, "␣"), ("dog</w>", False, "dog"), ("é", False, "é"),
])
def test_clean_token(raw, byte_level, shown):
    assert clean_token(raw, byte_level) == shown


def test_group_words_from_markers():
    raw = ["[CLS]", "token", "##ization", "is", "fun", "[SEP]"]
    groups = group_words(raw)
    assert groups == [[0], [1, 2], [3], [4], [5]]
    tokens = [clean_token(t) for t in raw]
    assert word_labels(tokens, groups) == ["[CLS]", "tokenization", "is", "fun", "[SEP]"]
    assert group_words(["The", "Ġdo", "g", "Ġran", "."]) == [[0], [1, 2], [3], [4]]


def test_group_words_from_word_ids():
    groups = group_words(["<s>", "a", "b", "c", "</s>", "d"], word_ids=[None, 0, 0, 1, None, 0],
                         sequence_ids=[None, 0, 0, 0, None, 1])
    assert groups == [[0], [1, 2], [3], [4], [5]]
