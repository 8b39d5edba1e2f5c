"""A toy English -> French-like grammar whose every sentence pair carries its true alignment.

Sentences are clauses joined by "and" / "but" / "because"; a clause is a noun phrase and a
verb phrase; a verb of saying takes a subordinate clause ("the girl says that the dog runs").
What makes the translation more than word-for-word (each is a deck card made concrete):

- adjectives move after the noun and agree in gender: "the red car" -> "la voiture rouge",
  "the small dog" -> "le chien petit"; "the" / "a" -> le / la, un / une by the noun's gender;
- one-to-two: "not" -> "ne ... pas" around the verb, "because" -> "parce que";
- two-to-one: "of the" + a masculine noun -> "du"; "does" + verb -> one French verb form.

`translate(words)` is the single source of truth: a small deterministic transducer that
parses an English word list and returns the French words and, for each French word, the
source positions it comes from. `sample()` generates English sentences and translates them.
"""

from __future__ import annotations

import difflib
import random
import string
from dataclasses import dataclass

# noun -> (French, gender)
NOUNS = {
    "cat": ("chat", "m"), "dog": ("chien", "m"), "boy": ("garcon", "m"), "book": ("livre", "m"),
    "cake": ("gateau", "m"), "girl": ("fille", "f"), "car": ("voiture", "f"), "house": ("maison", "f"),
    "apple": ("pomme", "f"), "mouse": ("souris", "f"),
}
# adjective -> (masculine, feminine)
ADJECTIVES = {
    "red": ("rouge", "rouge"), "small": ("petit", "petite"), "big": ("grand", "grande"),
    "green": ("vert", "verte"), "black": ("noir", "noire"), "young": ("jeune", "jeune"),
}
# verb: (third person, base form, French, kind); kind t = takes an object, i = none, s = "that" + clause
VERBS = [
    ("sees", "see", "voit", "t"), ("eats", "eat", "mange", "t"), ("takes", "take", "prend", "t"),
    ("finds", "find", "trouve", "t"), ("follows", "follow", "suit", "t"), ("wants", "want", "veut", "t"),
    ("sleeps", "sleep", "dort", "i"), ("runs", "run", "court", "i"),
    ("says", "say", "dit", "s"), ("thinks", "think", "pense", "s"),
]
DETERMINERS = {"the": ("le", "la"), "a": ("un", "une")}
CONJUNCTIONS = {"and": ["et"], "but": ["mais"], "because": ["parce", "que"]}
BY_FORM = {v[0]: v for v in VERBS}
_NOUN_LIST, _ADJ_LIST, _CONJ_LIST = sorted(NOUNS), sorted(ADJECTIVES), sorted(CONJUNCTIONS)
_VERBS_OF = {kind: [v for v in VERBS if v[3] == kind] for kind in "tis"}
BY_BASE = {v[1]: v for v in VERBS}

SOURCE_VOCAB: tuple[str, ...] = tuple(sorted(
    {*NOUNS, *ADJECTIVES, *DETERMINERS, *CONJUNCTIONS, "of", "that", "does", "not",
     *(v[0] for v in VERBS), *(v[1] for v in VERBS)}))
TARGET_VOCAB: tuple[str, ...] = tuple(sorted(
    {*(n for n, _ in NOUNS.values()), *(f for pair in ADJECTIVES.values() for f in pair),
     *(f for pair in DETERMINERS.values() for f in pair), *(w for ws in CONJUNCTIONS.values() for w in ws),
     "du", "de", "que", "ne", "pas", *(v[2] for v in VERBS)}))
MAX_CLAUSES = 6  # a sentence has at most this many clauses (main + joined + subordinate)


@dataclass(frozen=True)
class Pair:
    """One sentence pair. alignment[i] = the source positions French word i comes from."""

    source: tuple[str, ...]
    target: tuple[str, ...]
    alignment: tuple[tuple[int, ...], ...]

    def matrix(self):
        """The alignment as a 0/1 numpy array [len(target), len(source)]."""
        import numpy as np

        m = np.zeros((len(self.target), len(self.source)))
        for i, js in enumerate(self.alignment):
            m[i, list(js)] = 1.0
        return m


class GrammarError(ValueError):
    """The words are known but do not form a sentence of the grammar (no reference exists)."""


# --------------------------------------------------------------------------- words from text

def words_of(text: str) -> list[str]:
    """Lower-cased words of `text`, punctuation at word edges dropped ("Dog," -> "dog")."""
    if not isinstance(text, str):
        raise ValueError("the sentence must be text")
    words = (w.strip(string.punctuation + "«»“”‘’…¿¡").lower() for w in text.split())
    return [w for w in words if w]


def unknown_words(words: list[str]) -> dict[str, list[str]]:
    """{unknown word: up to 3 nearby known source words (difflib)} in the order they appear."""
    out: dict[str, list[str]] = {}
    for w in words:
        if w not in SOURCE_VOCAB and w not in out:
            out[w] = difflib.get_close_matches(w, SOURCE_VOCAB, n=3, cutoff=0.5)
    return out


# --------------------------------------------------------------------------- the transducer

class _Reader:
    """Recursive-descent translation of one English word list (see the module docstring)."""

    def __init__(self, words: list[str]) -> None:
        self.words, self.i = list(words), 0
        self.target: list[str] = []
        self.align: list[tuple[int, ...]] = []

    def peek(self, ahead: int = 0) -> str | None:
        j = self.i + ahead
        return self.words[j] if j < len(self.words) else None

    def fail(self, expected: str) -> GrammarError:
        got = self.peek()
        where = f"word {self.i + 1} ({got!r})" if got is not None else "the end of the sentence"
        return GrammarError(f"expected {expected} at {where}")

    def emit(self, word: str, *sources: int) -> None:
        self.target.append(word)
        self.align.append(tuple(sources))

    def noun_core(self, det_fr: tuple[str, str] | None, det_at: int | None) -> None:
        """[adjective] noun, with the determiner (if given) placed before the noun."""
        adj_at = None
        if self.peek() in ADJECTIVES:
            adj_at, self.i = self.i, self.i + 1
        if self.peek() not in NOUNS:
            raise self.fail("a noun (" + ", ".join(sorted(NOUNS)) + ")")
        french, gender = NOUNS[self.words[self.i]]
        g = 0 if gender == "m" else 1
        if det_fr is not None:
            self.emit(det_fr[g], det_at)
        self.emit(french, self.i)
        self.i += 1
        if adj_at is not None:
            self.emit(ADJECTIVES[self.words[adj_at]][g], adj_at)

    def noun_phrase(self) -> None:
        det = self.peek()
        if det not in DETERMINERS:
            raise self.fail("'the' or 'a'")
        self.i += 1
        self.noun_core(DETERMINERS[det], self.i - 1)
        if self.peek() == "of" and self.peek(1) == "the":
            of_at, the_at = self.i, self.i + 1
            self.i += 2
            start = len(self.target)
            noun_at = self.i + (1 if self.peek() in ADJECTIVES else 0)
            if self.peek(noun_at - self.i) not in NOUNS:
                raise self.fail("a noun after 'of the'")
            if NOUNS[self.words[noun_at]][1] == "m":
                self.emit("du", of_at, the_at)  # two-to-one
            else:
                self.emit("de", of_at)
                self.emit("la", the_at)
            assert len(self.target) > start
            self.noun_core(None, None)

    def verb_phrase(self, depth: int) -> None:
        negated = self.peek() == "does" and self.peek(1) == "not"
        if negated:
            does_at, not_at = self.i, self.i + 1
            self.i += 2
            verb = BY_BASE.get(self.peek() or "")
            if verb is None:
                raise self.fail("a verb in its base form after 'does not' (see, eat, ...)")
            self.emit("ne", not_at)  # one-to-two: not -> ne ... pas
            self.emit(verb[2], does_at, self.i)  # two-to-one: does + see -> voit
            self.emit("pas", not_at)
        else:
            verb = BY_FORM.get(self.peek() or "")
            if verb is None:
                raise self.fail("a verb (sees, eats, ... or 'does not' + verb)")
            self.emit(verb[2], self.i)
        self.i += 1
        if verb[3] == "t":
            self.noun_phrase()
        elif verb[3] == "s":
            if self.peek() != "that":
                raise self.fail(f"'that' after '{verb[0]}'")
            self.emit("que", self.i)
            self.i += 1
            self.clause(depth + 1)

    def clause(self, depth: int = 0) -> None:
        self.noun_phrase()
        self.verb_phrase(depth)

    def sentence(self) -> Pair:
        if not self.words:
            raise GrammarError("the sentence is empty")
        self.clause()
        while self.peek() in CONJUNCTIONS:
            at = self.i
            for w in CONJUNCTIONS[self.words[at]]:
                self.emit(w, at)
            self.i += 1
            self.clause()
        if self.peek() is not None:
            raise self.fail("'and', 'but', 'because' or the end of the sentence")
        return Pair(tuple(self.words), tuple(self.target), tuple(self.align))


def translate(words: list[str] | tuple[str, ...] | str) -> Pair:
    """The reference translation and alignment of an English sentence of the grammar.

    Raises GrammarError (a ValueError) saying which word broke the grammar."""
    if isinstance(words, str):
        words = words_of(words)
    return _Reader(list(words)).sentence()


# --------------------------------------------------------------------------- generation

def _noun_phrase(rng: random.Random, allow_of: bool = True) -> list[str]:
    words = [rng.choice(("the", "the", "a"))]
    if rng.random() < 0.5:
        words.append(rng.choice(_ADJ_LIST))
    words.append(rng.choice(_NOUN_LIST))
    if allow_of and rng.random() < 0.25:
        words += ["of", "the"] + _noun_phrase(rng, allow_of=False)[1:]
    return words


def _clause(rng: random.Random, budget: list[int]) -> list[str]:
    """One clause; `budget[0]` counts the clauses still allowed (subordinates use it up)."""
    budget[0] -= 1
    words = _noun_phrase(rng)
    kinds = ["t", "t", "t", "i"] + (["s"] if budget[0] > 0 else [])
    kind = rng.choice(kinds)
    third, base, _, _ = rng.choice(_VERBS_OF[kind])
    words += ["does", "not", base] if rng.random() < 0.25 else [third]
    if kind == "t":
        words += _noun_phrase(rng)
    elif kind == "s":
        words += ["that"] + _clause(rng, budget)
    return words


def generate(rng: random.Random, n_clauses: int) -> list[str]:
    """An English sentence of up to `n_clauses` clauses, joined by conjunctions."""
    budget = [max(1, min(n_clauses, MAX_CLAUSES))]
    words = _clause(rng, budget)
    while budget[0] > 0:
        words += [rng.choice(_CONJ_LIST)] + _clause(rng, budget)
    return words


def sample(n: int, *, seed: int, min_words: int = 3, max_words: int = 35,
           exclude: set[tuple[str, ...]] | None = None) -> list[Pair]:
    """`n` distinct pairs whose source has min_words..max_words words; deterministic per seed.

    exclude: source sentences never to return (the held-out set, when sampling training data).
    """
    if min_words < 3 or max_words < min_words:
        raise ValueError(f"need 3 <= min_words <= max_words, got {min_words}, {max_words}")
    rng = random.Random(seed)
    pairs: list[Pair] = []
    seen: set[tuple[str, ...]] = set(exclude or ())
    per_clause = 7  # typical words per clause: guides how many clauses to try
    lo, hi = max(1, min_words // (per_clause + 3)), max(1, min(MAX_CLAUSES, -(-max_words // 4)))
    tries = 0
    while len(pairs) < n:
        tries += 1
        if tries > 2000 * (n + 10):
            raise ValueError(f"could not find {n} distinct sentences of {min_words}-{max_words} words")
        words = tuple(generate(rng, rng.randint(lo, hi)))
        if min_words <= len(words) <= max_words and words not in seen:
            seen.add(words)
            pairs.append(translate(words))
    return pairs


def correspondences(pair: Pair) -> dict[str, list[tuple[str, str]]]:
    """What makes this pair more than word-for-word, from its alignment:
    'moved': (source, target) words whose order is swapped with the previous target word's
    source (adjectives after the noun); 'one_to_two': a source word written as two or more
    target words ("not" -> "ne ... pas"); 'two_to_one': target words from two source words."""
    out: dict[str, list[tuple[str, str]]] = {"moved": [], "one_to_two": [], "two_to_one": []}
    uses: dict[int, list[int]] = {}
    for i, js in enumerate(pair.alignment):
        for j in js:
            uses.setdefault(j, []).append(i)
        if len(js) > 1:
            out["two_to_one"].append((" + ".join(pair.source[j] for j in js), pair.target[i]))
        if i and len(js) == 1 and len(pair.alignment[i - 1]) == 1 and js[0] < pair.alignment[i - 1][0] \
                and pair.source[js[0]] in ADJECTIVES:
            out["moved"].append((pair.source[js[0]], pair.target[i]))
    for j, targets in sorted(uses.items()):
        if len(targets) > 1:
            out["one_to_two"].append((pair.source[j], " … ".join(pair.target[i] for i in targets)))
    return out
