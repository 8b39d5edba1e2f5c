"""Gradient flow across time: how d(output at the last step) / d(input d steps earlier) behaves.

`gradient_by_distance` runs one seeded sequence through a vanilla RNN, an LSTM, a GRU or a
small causal Transformer (the real `core.model` blocks) in float64 and measures, exactly by
autograd, the spectral norm of the Jacobian of the last output with respect to each earlier
input. RNN curves are straight lines on a log axis (slope log lambda): they vanish or explode
(Pascanu, Mikolov & Bengio 2013); attention reaches every earlier position in one hop, so the
Transformer curve stays flat.

The helpers give the reference lines: the linear RNN with W = lambda Q (Q orthogonal), whose
products have norm exactly lambda^d, Pascanu's bound (gamma * lambda_1)^d, and the LSTM cell
path, whose Jacobian is the product of its forget gates. `pascanu_cliff` is Pascanu et al.'s
exploding-gradient "cliff" in one parameter, with gradient descent run with and without clipping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import torch

from core.attention import causal_mask
from core.config import TransformerConfig
from core.model import Transformer
from core.positional import positional_encoding
from core.rng import seeded, threads

NETWORKS = ("rnn", "lstm", "gru", "transformer")  # what gradient_by_distance can run
ACTIVATIONS = ("tanh", "sigmoid", "linear")
GAMMA = {"tanh": 1.0, "sigmoid": 0.25, "linear": 1.0}  # sup |sigma'|, Pascanu's gamma
DTYPE = torch.float64  # products reach 1e-40 and below: float32 would underflow


@contextmanager
def single_thread() -> Iterator[None]:
    """Run tiny models on one intra-op thread (restored after): thread hand-offs cost more than
    these 64-wide matmuls, and on a busy 2-core machine they cost 100x."""
    with threads(1):
        yield


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed))


def recurrent_matrix(hidden_size: int, spectral_radius: float = 1.0, seed: int = 0,
                     orthogonal: bool = False) -> torch.Tensor:
    """W [hidden, hidden], float64, with spectral radius (max |eigenvalue|) `spectral_radius`.

    Default: Gaussian N(0, 1/hidden) rescaled, a non-normal matrix whose largest singular value
    lambda_1 exceeds its spectral radius. orthogonal=True: W = spectral_radius * Q, Q a random
    orthogonal matrix, so every singular value equals spectral_radius and ||W^d|| = radius^d.
    """
    if hidden_size < 1 or spectral_radius < 0:
        raise ValueError(f"need hidden_size >= 1 and spectral_radius >= 0, got {hidden_size}, "
                         f"{spectral_radius}")
    a = torch.randn(hidden_size, hidden_size, generator=_generator(seed), dtype=DTYPE)
    if orthogonal:
        q, r = torch.linalg.qr(a)
        return spectral_radius * q * torch.sign(torch.diagonal(r))[None, :]
    a = a / hidden_size ** 0.5
    return a * (spectral_radius / torch.linalg.eigvals(a).abs().max())


def _inputs(seq_len: int, hidden_size: int, seed: int) -> torch.Tensor:
    """The input sequence u [seq_len, hidden], N(0, 1), shared by every kind for one seed."""
    return torch.randn(seq_len, hidden_size, generator=_generator(seed + 1), dtype=DTYPE)


def _distance_norms(f: Callable[[torch.Tensor], torch.Tensor], u: torch.Tensor) -> np.ndarray:
    """||d f(u) / d u[T-1-d]||_2 for d = 0..T-1, with f: u [T, H] -> output [H']."""
    with single_thread():
        jac = torch.autograd.functional.jacobian(f, u, vectorize=True)  # [H', T, H]
    norms = torch.linalg.matrix_norm(jac.permute(1, 0, 2), ord=2)  # [T]
    return norms.flip(0).numpy()


def _act(name: str) -> Callable[[torch.Tensor], torch.Tensor]:
    return {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "linear": lambda x: x}[name]


def _rnn(w: torch.Tensor, activation: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """h_t = act(W h_{t-1} + u_t), h_{-1} = 0; returns u [T, H] -> h_{T-1} [H]."""
    act = _act(activation)

    def run(u: torch.Tensor) -> torch.Tensor:
        h = torch.zeros(u.shape[1], dtype=u.dtype)
        for t in range(u.shape[0]):
            h = act(w @ h + u[t])
        return h
    return run


def _gated_params(kind: str, hidden_size: int, spectral_radius: float, forget_bias: float,
                  seed: int) -> dict[str, torch.Tensor]:
    """PyTorch-default weights of an LSTM/GRU (seeded); each gate block of W_hh rescaled to the
    spectral radius; biases 0 except the keep gate (LSTM forget gate, GRU update gate z)."""
    with seeded(seed):
        module = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(hidden_size, hidden_size)
    w_ih = module.weight_ih_l0.detach().to(DTYPE)
    blocks = module.weight_hh_l0.detach().to(DTYPE).chunk(4 if kind == "lstm" else 3)
    w_hh = torch.cat([b * (spectral_radius / torch.linalg.eigvals(b).abs().max()) for b in blocks])
    bias = torch.zeros(w_ih.shape[0], dtype=DTYPE)
    # gate order: LSTM (i, f, g, o), GRU (r, z, n): the keep gate is the second block in both
    bias[hidden_size:2 * hidden_size] = forget_bias
    return {"w_ih": w_ih, "w_hh": w_hh, "bias": bias}


def _lstm_step(p: dict[str, torch.Tensor], u_t: torch.Tensor, h: torch.Tensor, c: torch.Tensor,
               gate_h: torch.Tensor | None = None) -> tuple[torch.Tensor, ...]:
    """One LSTM step (PyTorch's equations). gate_h: the h the gates read (default h)."""
    gates = p["w_ih"] @ u_t + p["w_hh"] @ (h if gate_h is None else gate_h) + p["bias"]
    i, f, g, o = gates.chunk(4)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c + i * g
    return o * torch.tanh(c), c, f


def _lstm(p: dict[str, torch.Tensor]) -> Callable[[torch.Tensor], torch.Tensor]:
    def run(u: torch.Tensor) -> torch.Tensor:
        h = c = torch.zeros(u.shape[1], dtype=u.dtype)
        for t in range(u.shape[0]):
            h, c, _ = _lstm_step(p, u[t], h, c)
        return h
    return run


def _gru(p: dict[str, torch.Tensor]) -> Callable[[torch.Tensor], torch.Tensor]:
    """PyTorch's GRU: h' = (1 - z) n + z h, so z near 1 (a large update-gate bias) keeps h."""
    def run(u: torch.Tensor) -> torch.Tensor:
        h = torch.zeros(u.shape[1], dtype=u.dtype)
        w_hh_r, w_hh_z, w_hh_n = p["w_hh"].chunk(3)
        for t in range(u.shape[0]):
            x_r, x_z, x_n = (p["w_ih"] @ u[t] + p["bias"]).chunk(3)
            r = torch.sigmoid(x_r + w_hh_r @ h)
            z = torch.sigmoid(x_z + w_hh_z @ h)
            n = torch.tanh(x_n + r * (w_hh_n @ h))
            h = (1 - z) * n + z * h
        return h
    return run


def transformer_heads(hidden_size: int) -> int:
    """Heads used for a given width: 4, 2 or 1, the largest that divides hidden_size."""
    return next(h for h in (4, 2, 1) if hidden_size % h == 0)


def _transformer(seq_len: int, hidden_size: int, seed: int,
                 n_layers: int = 2) -> Callable[[torch.Tensor], torch.Tensor]:
    """The decoder stack of a seeded, untrained core.Transformer (post-norm, causal, 2 layers);
    input u + sinusoidal positions; output the last position's hidden state."""
    cfg = TransformerConfig(arch="decoder", vocab_size=2, d_model=hidden_size,
                            n_heads=transformer_heads(hidden_size), n_layers=n_layers,
                            d_ff=2 * hidden_size, max_len=seq_len, positional="sinusoidal")
    with seeded(seed):
        stack = Transformer(cfg).decoder.to(DTYPE).eval()
    pe = positional_encoding("sinusoidal", seq_len, hidden_size).to(DTYPE)
    mask = causal_mask(seq_len)[None, None]

    def run(u: torch.Tensor) -> torch.Tensor:
        return stack((u + pe)[None], mask)[0, -1]
    return run


@single_thread()  # ~100x faster than thread hand-offs on a busy 2-core machine
def gradient_by_distance(kind: str, seq_len: int, hidden_size: int, *, spectral_radius: float = 1.0,
                         activation: str = "tanh", forget_bias: float = 1.0,
                         seed: int = 0) -> np.ndarray:
    """Entry d = ||d y_{T-1} / d u_{T-1-d}||_2 for d = 0..seq_len-1: array [seq_len].

    u [seq_len, hidden_size] is one N(0, 1) input sequence (seeded, the same for every kind);
    y_{T-1} [hidden_size] is the output at the last step: the hidden state h_{T-1} of a
    recurrent net, the last position's output of the Transformer. The norm is the spectral
    norm of the exact Jacobian matrix (autograd, float64).

    - "rnn": h_t = act(W h_{t-1} + u_t), act in tanh / sigmoid / linear, W Gaussian with the
      given spectral radius (`recurrent_matrix`). No input matrix, so only the recurrence acts.
    - "lstm", "gru": PyTorch's equations and default (seeded) weights; every gate block of the
      recurrent matrix W_hh rescaled to `spectral_radius`; biases 0 except the keep gate:
      `forget_bias` on the LSTM forget gate and on the GRU update gate z. `activation` unused.
    - "transformer": the untrained 2-layer causal decoder stack of core.Transformer (post-norm,
      ReLU MLP, 4 heads when hidden_size allows), input u + sinusoidal positions.
      `spectral_radius`, `activation` and `forget_bias` unused.
    """
    if kind not in NETWORKS:
        raise ValueError(f"kind={kind!r} is not one of {NETWORKS}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation={activation!r} is not one of {ACTIVATIONS}")
    if seq_len < 1 or hidden_size < 1:
        raise ValueError(f"seq_len and hidden_size must be >= 1, got {seq_len}, {hidden_size}")
    u = _inputs(seq_len, hidden_size, seed)
    if kind == "rnn":
        f = _rnn(recurrent_matrix(hidden_size, spectral_radius, seed), activation)
    elif kind == "lstm":
        f = _lstm(_gated_params("lstm", hidden_size, spectral_radius, forget_bias, seed))
    elif kind == "gru":
        f = _gru(_gated_params("gru", hidden_size, spectral_radius, forget_bias, seed))
    else:
        f = _transformer(seq_len, hidden_size, seed)
    return _distance_norms(f, u)


@single_thread()  # ~100x faster than thread hand-offs on a busy 2-core machine
def linear_rnn_gradient_norms(lam: float, seq_len: int, hidden_size: int,
                              seed: int = 0) -> np.ndarray:
    """The linear RNN h_t = lam Q h_{t-1} + u_t (Q orthogonal), measured by autograd exactly as
    `gradient_by_distance`: [seq_len], entry d equals lam^d (the theoretical line)."""
    w = recurrent_matrix(hidden_size, lam, seed, orthogonal=True)
    return _distance_norms(_rnn(w, "linear"), _inputs(seq_len, hidden_size, seed))


def matrix_power_norms(w: torch.Tensor, seq_len: int) -> np.ndarray:
    """||W^d||_2 for d = 0..seq_len-1 by repeated products: [seq_len]."""
    out, p = [], torch.eye(w.shape[0], dtype=w.dtype)
    for _ in range(seq_len):
        out.append(torch.linalg.matrix_norm(p, ord=2).item())
        p = w @ p
    return np.array(out)


@single_thread()  # ~100x faster than thread hand-offs on a busy 2-core machine
def flat_level(transformer: np.ndarray, rnn: np.ndarray) -> dict:
    """How flat and how high the attention curve is ([seq_len] each, from gradient_by_distance):
    'level' = median over d >= 1 of the transformer's curve (about 1/seq_len: one softmax shares
    its weight among all tokens), 'rnn_wins' = the contiguous distances d = 1, 2, ... at which
    the RNN's gradient is larger (short range), as a list of ints."""
    t, r = np.asarray(transformer), np.asarray(rnn)
    wins = []
    for dist in range(1, len(t)):
        if r[dist] <= t[dist]:
            break
        wins.append(dist)
    return {"level": float(np.median(t[1:])), "rnn_wins": wins}


def pascanu_bound(seq_len: int, hidden_size: int, spectral_radius: float = 1.0,
                  activation: str = "tanh", seed: int = 0) -> dict[str, float | np.ndarray]:
    """Pascanu et al.'s bound for the "rnn" kind with the same W: ||d h_{T-1}/d u_{T-1-d}|| <=
    gamma^(d+1) lambda_1^d, lambda_1 the largest singular value of W, gamma = sup|act'| (1 for
    tanh, 1/4 for sigmoid). lambda_1 < 1/gamma is sufficient for vanishing.

    Returns 'bound' [seq_len], 'lambda_1', 'gamma', 'spectral_radius'.
    """
    w = recurrent_matrix(hidden_size, spectral_radius, seed)
    lam1 = torch.linalg.matrix_norm(w, ord=2).item()
    gamma = GAMMA[activation]
    d = np.arange(seq_len)
    return {"bound": gamma ** (d + 1) * lam1 ** d, "lambda_1": lam1, "gamma": gamma,
            "spectral_radius": float(spectral_radius)}


@single_thread()  # ~100x faster than thread hand-offs on a busy 2-core machine
def lstm_cell_path(seq_len: int, hidden_size: int, *, spectral_radius: float = 1.0,
                   forget_bias: float = 1.0, seed: int = 0) -> dict[str, np.ndarray]:
    """The LSTM's cell path alone: c_t = f_t * c_{t-1} + i_t * g_t with the gates treated as
    given (they read a detached h), on the same weights and inputs as
    `gradient_by_distance("lstm", ...)`.

    Returns 'jacobian_diag' [seq_len, hidden]: the diagonal of d c_{T-1} / d c_{T-1-d} by
    autograd (the matrix is diagonal); 'forget_product' [seq_len, hidden]: prod of the forget
    gates f_{T-d} .. f_{T-1} (1 at d = 0), which it equals; 'norm' [seq_len]: the spectral norm
    (max over units); 'forget_gates' [seq_len, hidden]: f_t in time order.
    """
    p = _gated_params("lstm", hidden_size, spectral_radius, forget_bias, seed)
    u = _inputs(seq_len, hidden_size, seed)
    h = torch.zeros(hidden_size, dtype=DTYPE)
    c = torch.zeros(hidden_size, dtype=DTYPE, requires_grad=True)
    states, forgets = [], []
    for t in range(seq_len):
        h, c, f = _lstm_step(p, u[t], h, c, gate_h=h.detach())
        states.append(c)
        forgets.append(f.detach())
    grads = torch.autograd.grad(states[-1].sum(), states)  # d c_{T-1} / d c_k (diagonal)
    diag = torch.stack(grads).flip(0)  # [d, H], d = T-1-k
    f = torch.stack(forgets)  # [T, H]
    prod = torch.ones_like(f)
    for d in range(1, seq_len):
        prod[d] = prod[d - 1] * f[seq_len - d]
    return {"jacobian_diag": diag.numpy(), "forget_product": prod.numpy(),
            "norm": diag.abs().max(-1).values.numpy(), "forget_gates": f.numpy()}


def capture_gradient_norms(cap, stack: str | None = None) -> dict[str, np.ndarray]:
    """Per-layer norms of the activation gradients in a Capture taken with grads=True (any model,
    e.g. pretrained MiniLM): d objective / d tensor, objective in cap.meta['objective'].

    Returns 'embeddings' [1] (the 'embed' tensor, if captured), 'attention output' [L]
    ({stack}.{l}.self_attn.output) and 'residual stream' [L] ({stack}.{l}.resid_post), each the
    L2 norm over the whole tensor. stack defaults to the first stack in the capture.
    """
    blocks = cap.blocks(block="self_attn")
    if not blocks:
        raise KeyError("the capture has no self-attention blocks")
    stack = stack or blocks[0][0]
    layers = [layer for s, layer, _ in blocks if s == stack]
    grads = cap.grads

    def norm(name: str) -> float:
        return float(torch.linalg.vector_norm(grads[name].double()))

    out: dict[str, np.ndarray] = {}
    if "embed" in grads:
        out["embeddings"] = np.array([norm("embed")])
    out["attention output"] = np.array([norm(f"{stack}.{i}.self_attn.output") for i in layers])
    out["residual stream"] = np.array([norm(f"{stack}.{i}.resid_post") for i in layers])
    return out


# Pascanu, Mikolov & Bengio's "cliff" (their Figure 6 idea) on the single-unit RNN of their §3.
CLIFF = {"steps_T": 15, "bias": -3.0, "x0": 0.5, "target": -2.7}  # the model and loss
CLIFF_DESCENT = {"w0": 6.55, "lr": 0.03, "n_steps": 40}  # the gradient-descent run


def cliff_loss(w, *, steps_T: int = 15, bias: float = -3.0, x0: float = 0.5,
               target: float = -2.7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The loss of the single-unit RNN x_t = w·σ(x_{t-1}) + b (σ the logistic sigmoid), run for
    T = steps_T steps from x_0, against a target on the last state: L(w) = (x_T − target)².

    w: scalar or array [n] of recurrent weights. Returns (loss [n], dL/dw [n], x_T [n]), float64.
    The derivative is exact, by forward-mode recursion through time:
    ∂x_t/∂w = σ(x_{t-1}) + w·σ'(x_{t-1})·∂x_{t-1}/∂w, so it holds the product of the T factors
    ∂x_t/∂x_{t-1} = w·σ'(x_{t-1}) whose growth is the exploding gradient.
    """
    w = np.atleast_1d(np.asarray(w, dtype=np.float64))
    x, dx = np.full_like(w, x0), np.zeros_like(w)
    for _ in range(steps_T):
        s = 1.0 / (1.0 + np.exp(-x))
        x, dx = w * s + bias, s + w * s * (1.0 - s) * dx
    return (x - target) ** 2, 2.0 * (x - target) * dx, x


def clip_by_norm(g: np.ndarray, threshold: float | None) -> np.ndarray:
    """Pascanu's remedy: g ← threshold·g/‖g‖ when ‖g‖ > threshold (None: unchanged)."""
    g = np.asarray(g, dtype=np.float64)
    norm = float(np.linalg.norm(g))
    return g if threshold is None or norm <= threshold else g * (threshold / norm)


def cliff_descent(threshold: float | None = None, *, w0: float = 6.55, lr: float = 0.03,
                  n_steps: int = 40, **model) -> dict[str, np.ndarray]:
    """Plain gradient descent w ← w − lr·g on `cliff_loss` (model kwargs passed on), with g
    norm-clipped at `threshold` (None: no clipping).

    Returns 'w' [n_steps+1] and 'loss' [n_steps+1] (the iterates, w0 first), 'grad' [n_steps] (the
    raw gradient at each iterate), 'used' [n_steps] (the gradient actually applied, |used| ≤
    threshold) and 'step' [n_steps] (the applied Δw = −lr·used).
    """
    if threshold is not None and threshold <= 0:
        raise ValueError(f"threshold must be > 0, got {threshold}")
    ws, grads, used = [float(w0)], [], []
    for _ in range(n_steps):
        g = float(cliff_loss(ws[-1], **model)[1][0])
        u = float(clip_by_norm(np.array([g]), threshold)[0])
        grads.append(g)
        used.append(u)
        ws.append(ws[-1] - lr * u)
    w = np.array(ws)
    return {"w": w, "loss": cliff_loss(w, **model)[0], "grad": np.array(grads),
            "used": np.array(used), "step": np.diff(w)}


def pascanu_cliff(threshold: float = 10.0, w_range: tuple[float, float] = (-8.0, 8.0),
                  n_grid: int = 3201) -> dict:
    """The exploding-gradient "cliff" of Pascanu, Mikolov & Bengio (2013, §3 and their Figure 6
    idea), in one parameter. Deterministic (no random numbers, so nothing to seed); ~10 ms.

    Model: one recurrent unit x_t = w·σ(x_{t-1}) + b, b = −3, x_0 = 0.5, T = 15 steps (no input);
    loss L(w) = (x_T − (−2.7))². For w below w_c ≈ 5.62 the state settles on the low attractor
    (x_T ≈ −2.7, a basin with its minimum at w ≈ 4.76); above it x_0 = 0.5 is on the other side of
    the unstable fixed point and x_T jumps to the high attractor (x_T ≈ +2.6, L ≈ 28). At w_c the
    unstable fixed point sits at x_0, each factor w·σ'(x) ≈ 1.3 and their product over 15 steps
    explodes: a wall where |dL/dw| is ~10⁴ times its median.

    Descent (`cliff_descent`): w_0 = 6.55 on the plateau above the wall, lr = 0.03, 40 steps. Plain
    descent lands on the wall face at the 2nd step and the next step throws it to w ≈ −7.5;
    clipped at `threshold` every step is at most lr·threshold long, so it walks down the wall.

    Returns 'w' [n_grid] (grid over w_range), 'loss' [n_grid], 'grad' [n_grid] (dL/dw), 'wall'
    (float: grid w of max |dL/dw|), 'minimum' (float: grid w of min loss), 'unclipped' and
    'clipped' (dicts of `cliff_descent`), 'threshold', 'lr', 'steps_T'.
    """
    w = np.linspace(*w_range, n_grid)
    loss, grad, _ = cliff_loss(w, **CLIFF)
    return {"w": w, "loss": loss, "grad": grad, "wall": float(w[np.argmax(np.abs(grad))]),
            "minimum": float(w[np.argmin(loss)]),
            "unclipped": cliff_descent(None, **CLIFF_DESCENT, **CLIFF),
            "clipped": cliff_descent(threshold, **CLIFF_DESCENT, **CLIFF),
            "threshold": float(threshold), "lr": CLIFF_DESCENT["lr"], "steps_T": CLIFF["steps_T"]}
