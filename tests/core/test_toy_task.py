"""The trained comparison: the task, determinism of training, and the shipped checkpoints."""

import json

import pytest
import torch

from core.labs.order import align, order_matters
from core.labs.toy_task import (
    EVAL_LENGTHS,
    IGNORE,
    MODEL_DIR,
    TRAIN_LENGTH,
    TRAINED_KINDS,
    TrainSettings,
    chance,
    evaluate,
    load_trained,
    make_batch,
    train,
)


def test_batches_hold_distinct_tokens_and_previous_token_targets():
    ids, targets = make_batch(4, 10, torch.Generator().manual_seed(0))
    assert ids.shape == (4, 10)
    assert all(len(set(row.tolist())) == 10 for row in ids)
    assert (targets[:, 0] == IGNORE).all() and torch.equal(targets[:, 1:], ids[:, :-1])


def test_training_is_deterministic_for_a_seed():
    settings = TrainSettings(steps=6, batch=8, seed=3)
    a, losses_a = train("sinusoidal", settings)
    b, losses_b = train("sinusoidal", settings)
    assert losses_a == losses_b
    for (name, pa), (_, pb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(pa, pb), name
    c, _ = train("sinusoidal", TrainSettings(steps=6, batch=8, seed=4))
    assert not torch.equal(c.token.weight, a.token.weight)


def test_progress_callback_reaches_the_end():
    seen = []
    train("rope", TrainSettings(steps=20, batch=4), progress=lambda s, t, loss: seen.append((s, t)))
    assert seen[-1] == (20, 20) and seen[0] == (10, 20)


@pytest.mark.parametrize("kind", TRAINED_KINDS)
def test_shipped_checkpoint_reaches_its_recorded_accuracy(kind):
    model, record = load_trained(kind)
    assert record["kind"] == kind and record["train_length"] == TRAIN_LENGTH
    for n in (TRAIN_LENGTH, 2 * TRAIN_LENGTH):
        recorded = record["accuracy"][str(n)]
        measured = evaluate(model, n)  # same held-out stream as recorded (seeds differ from training)
        if recorded is None:
            assert measured is None and kind == "learned"  # no table rows past max_len
        else:
            assert measured == pytest.approx(recorded, abs=1e-6)
    fresh = evaluate(model, TRAIN_LENGTH, n_sequences=256, seed=777)  # other held-out data
    assert fresh == pytest.approx(record["accuracy"][str(TRAIN_LENGTH)], abs=0.08)


def test_none_stays_at_chance_and_position_aware_kinds_learn():
    records = {k: json.loads((MODEL_DIR / f"{k}.json").read_text()) for k in TRAINED_KINDS}
    for n in EVAL_LENGTHS:
        assert records["none"]["accuracy"][str(n)] == pytest.approx(chance(n), abs=0.03)
    for kind in ("sinusoidal", "learned", "rope"):
        assert records[kind]["accuracy"][str(TRAIN_LENGTH)] > 0.9
    assert records["rope"]["accuracy"]["48"] > 0.9  # relative positions extrapolate


def test_checkpoints_are_small():
    total = sum(p.stat().st_size for p in MODEL_DIR.glob("*"))
    assert total < 5_000_000


def test_order_matters_zero_for_none_nonzero_for_sinusoidal():
    none, sin = order_matters("none"), order_matters("sinusoidal")
    assert none.perm == [0, 4, 2, 3, 1]
    assert none.weight_diff < 1e-12 and none.output_diff < 1e-12
    assert sin.weight_diff > 1e-3 and sin.output_diff > 1e-3


def test_align_rejects_different_words():
    with pytest.raises(ValueError, match="same|exactly"):
        align(["the", "dog"], ["the", "cat"])


@pytest.mark.parametrize("a, b", [("", "the cat"), ("   ", "  "), ("the dog", "")])
def test_order_matters_explains_an_empty_sentence(a, b):
    with pytest.raises(ValueError, match="at least one word"):
        order_matters("none", a, b)


def test_seeded_construction_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    state = torch.get_rng_state()
    order_matters("sinusoidal")
    train("rope", TrainSettings(steps=2, batch=4))
    assert torch.equal(torch.get_rng_state(), state)
