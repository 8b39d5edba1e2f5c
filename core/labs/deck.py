"""Flashcard decks: read a file (bytes, any common encoding), detect its format, parse its cards.

Formats: the plain format of a hand-written deck (a title line, a question line, one or more
answer lines), Anki's plain-text export (tab- or comma-separated, `#key:value` header lines,
HTML in fields) and Markdown (`## question` then answer lines). Nothing is dropped silently:
every line is either in a card or in `Deck.skipped` with the reason.
"""

from __future__ import annotations

import csv
import html
import re
from dataclasses import dataclass, field

MAX_BYTES = 2_000_000  # ~20,000 cards; a 10 MB "deck" is a wrong file, not a deck
FORMATS = ("plain", "anki", "markdown")


class DeckError(ValueError):
    """A file that is not a readable deck; the message says why and what to do."""


@dataclass
class Card:
    """One flashcard. `line` is the 1-based line of the question in the file."""

    question: str
    answer: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    line: int = 0
    answer_lines: list[int] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Question and answer in one string (what suggestions are computed from)."""
        return " ".join([self.question, *self.answer])


@dataclass
class Skipped:
    line: int
    text: str
    reason: str


@dataclass
class Deck:
    title: str
    cards: list[Card]
    skipped: list[Skipped]
    format: str
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- bytes -> text

_MAGIC = {
    b"PK\x03\x04": "a ZIP archive (an Anki .apkg/.colpkg package? In Anki use File > Export > "
    "'Notes in Plain Text' and load that .txt)",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"SQLite format 3": "an SQLite database (an Anki collection? export 'Notes in Plain Text')",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
}


def decode_deck(data: bytes) -> tuple[str, str, list[str]]:
    """(text, encoding, warnings) of a deck file's bytes, or DeckError with a clear message.

    UTF-8 (with or without BOM) and UTF-16 with a BOM are read as they are; other bytes that are
    not UTF-8 are read as Windows-1252 (Latin-1) with a warning, since that is what such files are."""
    if len(data) > MAX_BYTES:
        raise DeckError(
            f"The file is {len(data) / 1e6:.1f} MB; a deck must be under "
            f"{MAX_BYTES / 1e6:.0f} MB (that is about 20,000 cards). Is it the right file?"
        )
    if not data.strip():
        raise DeckError("The file is empty: a deck needs at least one question line and its answer.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16", []
        except UnicodeDecodeError as exc:
            raise DeckError(
                f"The file starts like UTF-16 but is damaged at byte {exc.start}: save it again as UTF-8."
            ) from None
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise DeckError(f"This is {what}, not a text deck.")
    if b"\x00" in data:
        hint = (
            " It may be UTF-16 without a byte-order mark: save it as UTF-8."
            if data[1::2].count(0) > len(data) // 4 or data[0::2].count(0) > len(data) // 4
            else ""
        )
        raise DeckError("This looks like a binary file, not a text deck (it contains NUL bytes)." + hint)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text, encoding, warnings = data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError as exc:
        text, encoding = data.decode("cp1252", errors="replace"), "cp1252"
        warnings = [
            f"The file is not UTF-8 (byte {exc.start} is not valid UTF-8): it was read as "
            "Windows-1252 / Latin-1. Check accented letters; save the deck as UTF-8 to be sure."
        ]
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > max(8, len(text) // 100):
        raise DeckError(f"This looks like a binary file, not a text deck ({controls} control characters).")
    return text, encoding, warnings


def read_deck(data: bytes, format: str | None = None) -> Deck:
    """Decode and parse a deck file. Raises DeckError for files that are not decks."""
    text, encoding, warnings = decode_deck(data)
    deck = parse_deck(text, format)
    deck.encoding, deck.warnings = encoding, warnings + deck.warnings
    return deck


# --------------------------------------------------------------------------- text -> cards

_URL = re.compile(r"https?://\S+")
# "[...]" holding words (not a vector such as [.90, .10]), or "[..." left open to the line's end
_ASIDE = re.compile(r"\[(?=[^\]]*[A-Za-z]{2})[^\]]*\]?")
_CONTINUATION = re.compile(r"^(\d+[).]|[•\-*–·]|\(?[a-z]\)\s)")
_CONNECTORS = ("but ", "whereas ", "and ", "or ", "so ", "also ", "then ", "because ", "however")
_WH = (
    "what ",
    "why ",
    "how ",
    "when ",
    "where ",
    "which ",
    "who ",
    "is ",
    "are ",
    "do ",
    "does ",
    "can ",
    "list ",
    "name ",
    "define ",
    "explain ",
    "describe ",
)


def split_notes(line: str) -> tuple[str, list[str]]:
    """(text without bracketed asides and URLs, [asides and URLs])."""
    notes = [m.group(0).strip() for m in _ASIDE.finditer(line)] + _URL.findall(line)
    text = _URL.sub("", _ASIDE.sub("", line))
    return re.sub(r"\s{2,}", " ", text).strip(), [n for n in notes if n]


def _asks(line: str) -> bool:
    """Whether a line reads as a question: a '?' outside brackets, a blank to fill, or a wh-word."""
    bare = _ASIDE.sub("", line).strip()
    return "?" in bare or "___" in bare or bare.lower().startswith(_WH)


def _continues(line: str) -> bool:
    """Whether a line after an answer line continues that answer (rather than asking anew)."""
    bare = _ASIDE.sub("", line).strip()
    if _asks(bare):
        return False
    return (
        bool(_CONTINUATION.match(bare))
        or bare[:1].islower()
        or bare.lower().startswith(_CONNECTORS)
        or len(bare.split()) > 12
    )


def detect_format(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if any(ln.startswith(("#separator:", "#html:", "#notetype", "#deck:", "#columns:")) for ln in lines):
        return "anki"
    if lines and sum("\t" in ln for ln in lines) >= 0.6 * len(lines):
        return "anki"
    if any(re.match(r"^#{2,3}\s+\S", ln) for ln in lines):
        return "markdown"
    return "plain"


def parse_deck(text: str, format: str | None = None) -> Deck:
    """Parse a deck's text; format None detects it (see FORMATS)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    fmt = format or detect_format(text)
    if fmt not in FORMATS:
        raise DeckError(f"Unknown deck format {fmt!r}; known: {', '.join(FORMATS)}")
    deck = {"plain": _parse_plain, "anki": _parse_anki, "markdown": _parse_markdown}[fmt](text)
    if not deck.cards:
        reasons = "; ".join(sorted({s.reason for s in deck.skipped})) or "no lines"
        raise DeckError(
            f"No flashcards found in this {fmt} file ({reasons}). A plain deck is a "
            "question line followed by its answer line(s)."
        )
    return deck


def _add_line(card: Card, line: str, number: int) -> None:
    bare, notes = split_notes(line)
    card.notes += notes
    if bare:
        card.answer.append(bare)
        card.answer_lines.append(number)


def _new_card(line: str, number: int) -> Card:
    bare, notes = split_notes(line)
    return Card(question=bare or line.strip(), notes=notes, line=number)


def _finish(cards: list[Card]) -> list[Card]:
    for card in cards:
        if not card.answer and "no answer" not in card.flags:
            card.flags.append("no answer")
    return cards


def _parse_plain(text: str) -> Deck:
    lines = text.split("\n")
    cards: list[Card] = []
    skipped: list[Skipped] = []
    title = ""
    current: Card | None = None
    expecting = "question"  # after a question: "answer"; after an answer: "either"
    content = [(i + 1, ln.strip()) for i, ln in enumerate(lines)]
    first = next((i for i, (_, ln) in enumerate(content) if ln), None)
    nexts = [ln for _, ln in content[first + 1 :] if ln] if first is not None else []
    for index, (number, line) in enumerate(content):
        if not line:
            expecting = "question"  # a blank line ends a card
            continue
        if index == first and len(line.split()) <= 6 and not _asks(line) and nexts and _asks(nexts[0]):
            title = line
            skipped.append(Skipped(number, line, "title line (the deck's name, not a card)"))
            continue
        if len(line) <= 1:
            skipped.append(Skipped(number, line, "stray one-character line"))
            continue
        if _URL.fullmatch(line):
            if current is None:
                skipped.append(Skipped(number, line, "link before the first question"))
            else:
                current.notes.append(line)
            continue
        if expecting == "answer":
            # A second question right after a question (the first got no answer), unless the
            # first asks for a question ("Attention involves answering what question?").
            if line.endswith("?") and _asks(line) and "question" not in current.question.lower():
                current.flags.append("no answer")
                current = _new_card(line, number)
                cards.append(current)
                continue
            _add_line(current, line, number)
            expecting = "either"
            continue
        if expecting == "either" and _continues(line):
            _add_line(current, line, number)
            continue
        current = _new_card(line, number)
        cards.append(current)
        expecting = "answer"
    return Deck(title, _finish(cards), skipped, "plain")


def _strip_html(field_text: str) -> list[str]:
    """Anki field HTML -> text lines (br/div/p/li become line breaks; entities decoded)."""
    text = re.sub(r"(?i)<br\s*/?>|</(div|p|li)>", "\n", field_text)
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", text)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return [ln.strip() for ln in text.split("\n") if ln.strip()]


_SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " ", "colon": ":"}


def _parse_anki(text: str) -> Deck:
    headers: dict[str, str] = {}
    body: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        m = re.match(r"^#([a-z ]+):(.*)$", line)
        if m and not body:
            headers[m.group(1).strip()] = m.group(2).strip()
        elif line.strip():
            body.append((number, line))
    sep = headers.get("separator", "tab").lower()
    delimiter = _SEPARATORS.get(sep, sep[:1] or "\t")
    drop = {int(v) - 1 for k, v in headers.items() if k.endswith(" column") and v.isdigit()}
    tags_col = int(headers["tags column"]) - 1 if headers.get("tags column", "").isdigit() else None
    cards, skipped = [], []
    skipped += [Skipped(0, f"#{k}:{v}", "Anki header line") for k, v in headers.items()]
    rows = csv.reader([ln for _, ln in body], delimiter=delimiter, quotechar='"')
    for (number, line), row in zip(body, rows):
        fields = [f for i, f in enumerate(row) if i not in drop]
        tags = row[tags_col].split() if tags_col is not None and tags_col < len(row) else []
        if len(fields) < 1 or not _strip_html(fields[0]):
            skipped.append(Skipped(number, line[:200], "no question in the first field"))
            continue
        front = " ".join(_strip_html(fields[0]))
        card = _new_card(front, number)
        for extra in fields[1:]:
            for ln in _strip_html(extra):
                _add_line(card, ln, number)
        card.notes += [f"tag: {t}" for t in tags]
        cards.append(card)
    return Deck(headers.get("deck", ""), _finish(cards), skipped, "anki")


def _parse_markdown(text: str) -> Deck:
    cards, skipped, title = [], [], ""
    current: Card | None = None
    in_code = False
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if line.startswith("```"):
            in_code = not in_code
        if not line:
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", line) if not in_code else None
        if heading and len(heading.group(1)) == 1 and not cards and not title:
            title = heading.group(2).strip()
            skipped.append(Skipped(number, line, "title line (the deck's name, not a card)"))
        elif heading:
            current = _new_card(heading.group(2).strip(), number)
            cards.append(current)
        elif current is None:
            skipped.append(Skipped(number, line, "text before the first ## question"))
        elif _URL.fullmatch(line.lstrip("<").rstrip(">")):
            current.notes.append(line.strip("<>"))
        elif len(line) <= 1:
            skipped.append(Skipped(number, line, "stray one-character line"))
        else:
            _add_line(current, re.sub(r"^[-*+]\s+", "• ", line), number)
    return Deck(title, _finish(cards), skipped, "markdown")
