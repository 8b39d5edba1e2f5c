"""Display strings for tokenizer pieces, and which pieces form each word.

One cleanup for every tokenizer family:
- WordPiece (BERT): a continuation piece keeps its '##'              '##ing' -> '##ing'
  (so "Hundbiss" reads "hu ##nd ##bis ##s" on an axis; word labels join it back: "hundbiss")
- byte-level BPE (GPT-2, Llama 3, SmolLM2): 'Ġ' marks a leading space,   'Ġdog' -> 'dog'
  'Ċ' a newline; other bytes are mapped to printable characters and are decoded back here
- SentencePiece (T5, Marian, Llama 2): '▁' marks a leading space         '▁dog' -> 'dog'
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

SPACE_MARKERS = ("Ġ", "▁")
NEWLINE, TAB = "↵", "⇥"  # visible stand-ins, so a newline token is not an empty label
BLANK = "␣"  # a piece that is only whitespace
_HEX_BYTES = "attention_lab_hex_bytes"


def _hex_bytes(err: UnicodeDecodeError) -> tuple[str, int]:
    """Undecodable bytes as '<0xE2>' (the byte-fallback spelling of Llama's tokenizers)."""
    return "".join(f"<0x{b:02X}>" for b in err.object[err.start:err.end]), err.end


codecs.register_error(_HEX_BYTES, _hex_bytes)


def visible(text: str) -> str:
    """Control and format characters (bell, escape, NUL, right-to-left override, zero-width
    space...) as visible escapes such as '\\x07' or '\\u202e'; other text unchanged."""
    out = []
    for ch in text:
        if ch in "\n\t\r" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co") or ch == "\u200d":
            out.append(ch)  # newline, tab: handled by the caller; ZWJ joins emoji
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000
                       else f"\\U{code:08x}")
    return "".join(out)


@lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """GPT-2's byte-to-printable-character table, inverted (character -> byte)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    chars, n = list(printable), 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(printable, chars)}


def clean_token(token: str, byte_level: bool = False) -> str:
    """A tokenizer piece as a short display string.

    `byte_level=True` (GPT-2 style tokenizers) decodes the piece's byte characters back to
    text; a piece that holds only part of a multi-byte character (one byte of an emoji) shows
    its bytes as '<0xE2>' (`clean_tokens` first merges pieces that together hold a whole character).
    WordPiece continuation pieces keep their '##'. Whitespace-only pieces become '␣', newlines '↵',
    tabs '⇥', control characters visible escapes ('\\x07'): a label never shows raw control bytes or '�'.
    """
    if not isinstance(token, str):
        token = str(token)
    if token.isascii() and token.isprintable() and not token.endswith("</w>"):
        # the common case, and the same result as the steps below: no marker, no newline or
        # control character, and byte-level decoding maps printable ASCII to itself
        return token.strip() or (BLANK if token else token)
    if byte_level:
        table = _byte_decoder()
        if token and all(ch in table for ch in token):
            token = bytes(table[ch] for ch in token).decode("utf-8", errors=_HEX_BYTES)
    for marker in SPACE_MARKERS:
        token = token.replace(marker, " ")
    if token.endswith("</w>"):  # original GPT / CLIP end-of-word marker
        token = token[: -len("</w>")]
    token = token.replace("\r\n", NEWLINE).replace("\n", NEWLINE).replace("\r", NEWLINE)
    token = token.replace("Ċ", NEWLINE).replace("\t", TAB).replace("ĉ", TAB)
    token = visible(token)
    stripped = token.strip()
    return stripped if stripped else (BLANK if token else token)


def _piece_bytes(token: str) -> bytes | None:
    table = _byte_decoder()
    return bytes(table[ch] for ch in token) if token and all(ch in table for ch in token) else None


def _complete(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def clean_tokens(raw: Sequence[str], byte_level: bool = False) -> list[str]:
    """clean_token of every piece; on byte-level tokenizers, pieces that each hold part of one
    multi-byte character (an emoji split in two) are decoded together: every piece of the run
    shows the character and its place, '😀 (1/2)', '😀 (2/2)', instead of '�'."""
    out = [clean_token(t, byte_level) for t in raw]
    if not byte_level:
        return out
    i = 0
    while i < len(raw):
        data = _piece_bytes(raw[i])
        if data is None or _complete(data):
            i += 1
            continue
        j = i + 1
        while j < len(raw) and j - i < 8 and (more := _piece_bytes(raw[j])) is not None:
            data += more
            j += 1
            if _complete(data):
                break
        if _complete(data):
            text = clean_token(data.decode("utf-8"))
            for k in range(i, j):
                out[k] = f"{text} ({k - i + 1}/{j - i})"
            i = j
        else:
            i += 1
    return out


def starts_word(token: str, marked: bool) -> bool:
    """True when a raw piece begins a new word (used when a tokenizer gives no word ids).

    marked: the tokenizer marks word starts ('Ġ', '▁'); otherwise it marks continuations ('##').
    """
    if token.startswith("##"):
        return False
    if not marked:
        return True
    return token[:1] in SPACE_MARKERS or token[:1] in (" ", "Ċ", "\n") or not token[:1].isalnum()


def group_words(raw_tokens: Sequence[str], word_ids: Sequence[int | None] | None = None,
                sequence_ids: Sequence[int | None] | None = None) -> list[list[int]]:
    """Token indices per word, in order; every token is in exactly one group.

    word_ids / sequence_ids: the fast tokenizer's per-token word and sentence index (None for
    special tokens, which become one-token groups). Without them, words are found from the
    pieces' markers ('##' continues a word; 'Ġ' / '▁' starts one).
    """
    groups: list[list[int]] = []
    marked = any(t[:1] in SPACE_MARKERS for t in raw_tokens)
    previous: tuple | None = None
    for i, token in enumerate(raw_tokens):
        if word_ids is not None:
            wid = word_ids[i]
            sid = sequence_ids[i] if sequence_ids is not None else 0
            key = None if wid is None else (sid, wid)
            if key is not None and key == previous:
                groups[-1].append(i)
            else:
                groups.append([i])
            previous = key
        else:
            if groups and not starts_word(token, marked):
                groups[-1].append(i)
            else:
                groups.append([i])
    return groups


def word_labels(tokens: Sequence[str], groups: Sequence[Sequence[int]]) -> list[str]:
    """Display text of each word: its cleaned pieces joined, without WordPiece '##' markers
    ("hu", "##nd", "##bis", "##s" -> "hundbiss")."""
    def piece(k: int, i: int) -> str:
        t = tokens[i]
        return t[2:] if k > 0 and t.startswith("##") and len(t) > 2 else t

    return [tokens[group[0]] if len(group) == 1 else "".join(piece(k, i) for k, i in enumerate(group))
            for group in groups]  # most words are one token: no join
