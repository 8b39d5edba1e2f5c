"""The residual / LayerNorm ablation and the seeded training run behind the gradient-flow page."""

import numpy as np
import torch

from core import Transformer
from core.labs import training_dynamics as td


def test_full_ablated_block_is_exactly_the_paper_block():
    cfg = td.toy_config(n_layers=2)
    torch.manual_seed(0)
    reference = Transformer(cfg).eval()
    ablated = td.build_model(True, True, cfg, seed=1).eval()
    ablated.load_state_dict(reference.state_dict())
    ids = torch.randint(0, cfg.vocab_size, (2, 10))
    torch.testing.assert_close(ablated(ids).logits, reference(ids).logits, rtol=0, atol=0)


def test_sublayer_wiring_of_each_variant():
    cfg = td.toy_config(n_layers=1)
    x = torch.randn(1, 4, cfg.d_model)
    fn = lambda h: 2 * h + 1
    for (residual, layer_norm) in td.VARIANTS.values():
        block = td.AblatedBlock(cfg, "decoder", 0, residual, layer_norm)
        norm = block.norms[0]
        y = fn(x)
        expected = (x + y) if residual else y
        expected = norm(expected) if layer_norm else expected
        torch.testing.assert_close(block._sublayer(x, norm, fn), expected)


def test_training_history_is_deterministic_and_shaped():
    a = td.train_gradient_history("residual + LayerNorm", steps=4, n_layers=3, snapshot_every=2)
    b = td.train_gradient_history("residual + LayerNorm", steps=4, n_layers=3, snapshot_every=2)
    assert a.attention.shape == (4, 3) and a.mlp.shape == (4, 3) and a.loss.shape == (4,)
    np.testing.assert_array_equal(a.attention, b.attention)
    np.testing.assert_array_equal(a.loss, b.loss)
    assert list(a.snapshot_steps) == [0, 2, 3]
    w = a.captures[0].grads["decoder.2.self_attn.weights"]
    assert w.shape == (1, 4, 16, 16) and w.abs().sum() > 0
    at = a.at(1)
    assert at["attention"].shape == (3,) and at["embeddings"].shape == (1,)


def test_without_residual_and_layernorm_the_first_layers_starve():
    good = td.train_gradient_history("residual + LayerNorm", steps=1)
    bad = td.train_gradient_history("neither", steps=1)
    # measured: 0.22 vs 1.7e-7 at layer 0; the last layer is still comparable
    assert bad.attention[0, 0] < 1e-3 * good.attention[0, 0]
    assert bad.attention[0, 0] < 1e-3 * bad.attention[0, -1]
    assert bad.embeddings[0] < 1e-3 * good.embeddings[0]


def test_shipped_snapshot_matches_the_current_code():
    """The page loads models/gradient_flow/training_dynamics.npz instead of training. It must have
    been made with today's settings (checksum) and a fresh run must reproduce its first steps."""
    shipped, meta = td.load_histories(td.SNAPSHOT_PATH)
    assert td.SNAPSHOT_PATH.stat().st_size < 2_000_000
    settings = td.snapshot_settings()
    assert meta["settings"] == settings
    assert meta["checksum"] == td.settings_checksum(settings)
    assert list(shipped) == list(td.VARIANTS)
    steps = td.SNAPSHOT_RUN["steps"]
    for h in shipped.values():
        assert h.attention.shape == (steps, td.SNAPSHOT_RUN["n_layers"]) and h.loss.shape == (steps,)
    prefix = 3
    for variant in ("residual + LayerNorm", "neither"):
        fresh = td.train_gradient_history(variant, **{**td.SNAPSHOT_RUN, "steps": prefix})
        for key in ("loss", "embeddings", "attention", "mlp", "head"):
            np.testing.assert_allclose(getattr(fresh, key), getattr(shipped[variant], key)[:prefix],
                                       rtol=1e-6, atol=1e-12, err_msg=f"{variant}: {key}")


def test_snapshot_round_trip(tmp_path):
    hist = {"residual only": td.train_gradient_history("residual only", steps=2, n_layers=2)}
    settings = td.snapshot_settings(steps=2, n_layers=2)
    loaded, meta = td.load_histories(td.save_histories(hist, tmp_path / "h.npz", settings))
    assert meta["checksum"] == td.settings_checksum(settings) != td.settings_checksum(td.snapshot_settings())
    np.testing.assert_array_equal(loaded["residual only"].attention, hist["residual only"].attention)
    assert loaded["residual only"].at(1)["MLP"].shape == (2,)
