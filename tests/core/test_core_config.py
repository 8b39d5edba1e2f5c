"""TransformerConfig validation: every bad field named in a message a learner understands."""

import pytest

from core import TransformerConfig
from core.positional import KINDS


def test_defaults_are_valid_and_frozen():
    cfg = TransformerConfig()
    assert cfg.d_head == cfg.d_model // cfg.n_heads
    with pytest.raises(AttributeError):
        cfg.d_model = 3


@pytest.mark.parametrize("changes, field", [
    (dict(d_model=30, n_heads=4), "d_model=30 is not divisible by n_heads=4"),
    (dict(positional="fourier"), "positional='fourier'"),
    (dict(arch="rnn"), "arch='rnn'"),
    (dict(n_layers=0), "n_layers must be a positive integer"),
    (dict(vocab_size=-5), "vocab_size must be a positive integer"),
    (dict(d_ff=2.5), "d_ff must be a positive integer"),
    (dict(dropout=1.0), "dropout"),
    (dict(norm="middle"), "norm='middle'"),
    (dict(activation="tanh"), "activation='tanh'"),
    (dict(positional="rope", d_model=12, n_heads=4), "even head size"),
])
def test_invalid_configs_name_the_field(changes, field):
    with pytest.raises(ValueError, match=field.replace("(", r"\(").replace("[", r"\[")):
        TransformerConfig(**changes)


def test_every_positional_kind_is_accepted():
    for kind in KINDS:
        assert TransformerConfig(positional=kind).positional == kind
