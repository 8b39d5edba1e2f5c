"""Token display keeps sub-word markers and decodes split emoji (issue 10, item 11)."""

from __future__ import annotations

import numpy as np

from core.hf.tokens import _byte_decoder, clean_token, clean_tokens, word_labels


def byte_piece(data: bytes) -> str:
    encoder = {b: ch for ch, b in _byte_decoder().items()}
    return "".join(encoder[b] for b in data)


def test_wordpiece_pieces_keep_their_marker_and_words_join_them(wordpiece_tokenizer):
    raw = wordpiece_tokenizer.tokenize("Hundbiss")
    tokens = clean_tokens(raw)
    assert len(tokens) > 1 and all(t.startswith("##") for t in tokens[1:])
    assert word_labels(tokens, [list(range(len(tokens)))]) == ["hundbiss"]


def test_split_emoji_is_decoded_across_its_byte_pieces():
    emoji = "😀".encode()  # 4 bytes
    raw = [byte_piece(b"Hi"), byte_piece(b" " + emoji[:2]), byte_piece(emoji[2:]), byte_piece(b"!")]
    assert clean_token(raw[1], byte_level=True) == "<0xF0><0x9F>"  # one piece alone: its bytes in hex
    assert clean_tokens(raw, byte_level=True) == ["Hi", "😀 (1/2)", "😀 (2/2)", "!"]


def test_whole_emoji_piece_and_plain_pieces_are_unchanged():
    raw = [byte_piece("😀".encode()), byte_piece(b" dog")]
    assert clean_tokens(raw, byte_level=True) == ["😀", "dog"]


def test_entropy_grid_prints_zero_not_dot_zero_zero():
    from viz.attention_overview import head_stats_figure

    z = np.full((2, 12), 0.52)
    z[0, 0] = 0.001
    fig = head_stats_figure({"entropy": z}, "entropy")
    texts = list(fig.data[0].text)
    assert texts[0] == "0" and ".00" not in texts and texts[1] == ".52"
