"""The toy grammar: deterministic per seed, and every alignment consistent with the words."""

from __future__ import annotations

import pytest

from core.labs.seq2seq.grammar import (
    ADJECTIVES,
    DETERMINERS,
    NOUNS,
    SOURCE_VOCAB,
    TARGET_VOCAB,
    VERBS,
    GrammarError,
    correspondences,
    sample,
    translate,
    unknown_words,
    words_of,
)

PAIRS = sample(400, seed=5)
FRENCH_VERB = {form: v[2] for v in VERBS for form in v[:2]}


def test_sample_is_deterministic_per_seed_and_respects_lengths():
    assert sample(30, seed=11) == sample(30, seed=11)
    assert sample(30, seed=11) != sample(30, seed=12)
    long = sample(20, seed=3, min_words=28, max_words=35)
    assert all(28 <= len(p.source) <= 35 for p in long)
    assert len({p.source for p in long}) == 20  # distinct
    assert min(len(p.source) for p in PAIRS) >= 3 and max(len(p.source) for p in PAIRS) <= 35
    with pytest.raises(ValueError, match="min_words"):
        sample(1, seed=0, min_words=2)


def test_vocabularies_cover_every_sampled_word_and_do_not_overlap():
    assert {w for p in PAIRS for w in p.source} <= set(SOURCE_VOCAB)
    assert {w for p in PAIRS for w in p.target} <= set(TARGET_VOCAB)
    assert not set(SOURCE_VOCAB) & set(TARGET_VOCAB)


def test_every_source_word_is_aligned_and_every_target_word_has_a_source():
    for p in PAIRS:
        assert len(p.alignment) == len(p.target)
        assert all(js and all(0 <= j < len(p.source) for j in js) for js in p.alignment)
        assert {j for js in p.alignment for j in js} == set(range(len(p.source)))
        assert p.matrix().shape == (len(p.target), len(p.source))


def test_each_reordered_adjective_aligns_to_its_moved_position_and_agrees_in_gender():
    moved = 0
    for p in PAIRS:
        for i, js in enumerate(p.alignment):
            src = p.source[js[0]]
            if src in ADJECTIVES:
                noun_src = js[0] + 1  # English: adjective right before its noun
                french_noun, gender = NOUNS[p.source[noun_src]]
                assert p.target[i - 1] == french_noun and p.alignment[i - 1] == (noun_src,)  # after the noun
                assert p.target[i] == ADJECTIVES[src][0 if gender == "m" else 1]
                moved += 1
    assert moved > 100


def test_ne_pas_aligns_to_not_and_the_verb_to_does_plus_verb():
    seen = 0
    for p in PAIRS:
        for i, w in enumerate(p.target):
            if w == "ne":
                not_at = p.alignment[i][0]
                assert p.source[not_at] == "not" and p.source[not_at - 1] == "does"
                assert p.target[i + 2] == "pas" and p.alignment[i + 2] == (not_at,)  # one-to-two
                does_at, verb_at = p.alignment[i + 1]  # two-to-one
                assert (p.source[does_at], FRENCH_VERB[p.source[verb_at]]) == ("does", p.target[i + 1])
                seen += 1
    assert seen > 50


def test_du_comes_from_of_the_and_determiners_agree():
    for p in PAIRS:
        for i, w in enumerate(p.target):
            js = p.alignment[i]
            if w == "du":  # two-to-one, only before a masculine noun (feminine: "de la")
                assert [p.source[j] for j in js] == ["of", "the"]
                noun = next(s for s in p.source[js[1] + 1:] if s in NOUNS)
                assert NOUNS[noun][1] == "m"
            if len(js) == 1 and p.source[js[0]] in DETERMINERS and not (i and p.target[i - 1] == "de"):
                noun = next(s for s in p.source[js[0] + 1:] if s in NOUNS)
                assert w == DETERMINERS[p.source[js[0]]][0 if NOUNS[noun][1] == "m" else 1]


def test_a_sentence_with_every_correspondence():
    p = translate("the small girl of the dog does not see the red car because the cat runs")
    assert " ".join(p.target) == ("la fille petite du chien ne voit pas la voiture rouge parce que le chat "
                                  "court")
    found = correspondences(p)
    assert found["moved"] == [("small", "petite"), ("red", "rouge")]
    assert ("not", "ne … pas") in found["one_to_two"] and ("because", "parce … que") in found["one_to_two"]
    assert found["two_to_one"] == [("of + the", "du"), ("does + see", "voit")]


def test_words_of_handles_case_and_punctuation_and_the_reader_says_where_it_broke():
    assert words_of("  The RED car, sees «a» dog!  ") == ["the", "red", "car", "sees", "a", "dog"]
    assert translate("The red car sees a dog.").target == ("la", "voiture", "rouge", "voit", "un", "chien")
    with pytest.raises(GrammarError, match="word 3"):
        translate("the cat the dog")
    with pytest.raises(GrammarError, match="empty"):
        translate("")
    assert unknown_words(["the", "redd", "carr", "zzzz"]) == {"redd": ["red"], "carr": ["car", "cat", "cake"],
                                                              "zzzz": []}
