"""The decoder side: shifted input, causal mask, vocabulary projection, next-token distributions,
and generation step by step until the end-of-sequence token, with what each step attends to.

Works on a causal decoder loaded with core.load_model (SmolLM2, any Llama/GPT-2-style HF model,
or a decoder core.Transformer wrapped as ScratchModel) and on an encoder-decoder
core.Transformer (`seq2seq_*`), where the decoder also attends to the encoder (cross-attention).
Every probability comes from the model's own final projection to the vocabulary (logits) and a
softmax; attention rows are the captured weights (mean over heads unless said otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from core.capture import Recorder, model_lock, name_filter, recording
from core.hf.text import check_text, encode
from core.hf.tokens import clean_token
from core.model import Transformer


@dataclass
class NextTokens:
    """Next-token distributions at every position of one forward pass.

    inputs: display tokens fed to the decoder [T]; targets: the token that really comes next at
    each position (inputs shifted left by one; None at the last position).
    top_tokens [T][k], top_probs [T, k]; target_probs [T] (nan at the last position);
    mask [T, T] bool, the causal mask (True = may attend); vocab_size: logits per position.
    """

    inputs: list[str]
    targets: list[str | None]
    top_tokens: list[list[str]]
    top_probs: np.ndarray
    target_probs: np.ndarray
    mask: np.ndarray
    vocab_size: int


@dataclass
class GenStep:
    """One generation step: the token chosen (greedy: the most probable), its probability, the
    top-k alternatives, and attention of the new position over every earlier token.

    self_attention [layers, heads, k_pos]; cross_attention [layers, heads, src_pos] or None."""

    token: str
    token_id: int
    prob: float
    top_tokens: list[str]
    top_probs: np.ndarray
    self_attention: np.ndarray
    cross_attention: np.ndarray | None = None
    is_eos: bool = False


@dataclass
class Generation:
    prompt: list[str]
    steps: list[GenStep] = field(default_factory=list)
    source: list[str] | None = None  # encoder tokens (encoder-decoder)
    eos: str = ""
    stopped: str = ""  # "eos" | "max_new"

    @property
    def tokens(self) -> list[str]:
        """Prompt + generated tokens, as displayed."""
        return self.prompt + [s.token for s in self.steps]


# --------------------------------------------------------------------------- one forward pass

def _top(logits: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    probs = torch.softmax(logits.double(), dim=-1)
    top = probs.topk(min(k, probs.shape[-1]), dim=-1)
    return probs, top.values, top.indices


def _display(model, ids) -> list[str]:
    byte_level = getattr(model, "_byte_level", False)
    tok = model.tokenizer
    return [clean_token(t, byte_level) for t in tok.convert_ids_to_tokens([int(i) for i in ids])]


def _forward(model, ids: torch.Tensor, names: list[str]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """logits [T, vocab] and the recorded tensors of one pass of a causal decoder Model over ids [1, T]."""
    inner = model.model
    layout = getattr(model, "layout", None)
    available = layout.names if layout is not None else model.names
    recorder = Recorder(name_filter([n for n in names if n in available] or (lambda n: False), available),
                        False)
    with model_lock(inner), torch.no_grad():
        if layout is not None:
            from core.hf.attention import instrumented

            with instrumented(layout, recorder):
                out = inner(input_ids=ids, use_cache=False)
        else:
            with recording(inner, recorder):
                out = inner(ids)
    logits = getattr(out, "logits", None)
    if logits is None:
        raise ValueError(f"{model.name} has no projection to the vocabulary (no logits): pick a decoder "
                         "language model such as smollm2")
    return logits[0], recorder.tensors


def _check_decoder(model) -> None:
    if model.arch != "decoder":
        raise ValueError(f"{model.name} is an {model.arch} model: the next-token view needs a causal decoder "
                         "(e.g. smollm2)")


def prompt_ids(model, text: str, chat: bool = False) -> torch.Tensor:
    """[1, T] token ids of `text` (with the model's chat template when chat=True)."""
    text = check_text(text)
    if chat:
        if not getattr(model.tokenizer, "chat_template", None):
            raise ValueError(f"{model.name}'s tokenizer has no chat template")
        ids = model.tokenizer.apply_chat_template([{"role": "user", "content": text}],
                                                  add_generation_prompt=True, tokenize=True)
        ids = ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids
        return torch.tensor([list(ids)[-model.max_tokens:]])
    return encode(model.tokenizer, text, None, model.max_tokens).input_ids


def next_tokens(model, text: str, k: int = 10, chat: bool = False) -> NextTokens:
    """Top-k next-token distribution at every position of `text` for a causal decoder Model."""
    _check_decoder(model)
    ids = prompt_ids(model, text, chat)
    n_layers = int(model.info["n_layers"])
    logits, tensors = _forward(model, ids, [f"decoder.{n_layers - 1}.self_attn.mask"])
    probs, top_p, top_i = _top(logits, k)
    shown = _display(model, ids[0])
    targets = shown[1:] + [None]
    target_probs = np.full(len(shown), np.nan)
    target_probs[:-1] = probs[torch.arange(len(shown) - 1), ids[0, 1:]].numpy()
    mask = tensors.get(f"decoder.{n_layers - 1}.self_attn.mask")
    mask = mask[0, 0].numpy() if mask is not None else np.tril(np.ones((len(shown),) * 2, bool))
    return NextTokens(shown, targets, [_display(model, row) for row in top_i], top_p.numpy(), target_probs,
                      mask, int(logits.shape[-1]))


def eos_ids(model) -> set[int]:
    """The end-of-sequence token ids of a Model (config and tokenizer)."""
    found: set[int] = set()
    cfg = getattr(model.model, "config", None)
    for value in (getattr(cfg, "eos_token_id", None), getattr(model.tokenizer, "eos_token_id", None)):
        if isinstance(value, int):
            found.add(value)
        elif isinstance(value, list | tuple):
            found.update(int(v) for v in value)
    return found


def generate(model, text: str, max_new: int = 20, k: int = 10, chat: bool = False) -> Generation:
    """Greedy generation until the end-of-sequence token (or max_new tokens), one full forward pass
    per step (no cache), recording what the new position attends to in every layer."""
    _check_decoder(model)
    if not 1 <= max_new <= 200:
        raise ValueError(f"max_new must be 1..200, got {max_new}")
    ids = prompt_ids(model, text, chat)
    n_layers = int(model.info["n_layers"])
    names = [f"decoder.{i}.self_attn.weights" for i in range(n_layers)]
    stop = eos_ids(model)
    gen = Generation(_display(model, ids[0]),
                     eos=", ".join(_display(model, sorted(stop))) if stop else "(none)")
    limit = int(model.max_tokens)
    for _ in range(max_new):
        if ids.shape[1] >= limit:
            gen.stopped = "context"
            break
        logits, tensors = _forward(model, ids, names)
        _, top_p, top_i = _top(logits[-1], k)
        choice = int(top_i[0])
        rows = np.stack([tensors[n][0, :, -1, :].numpy() for n in names])
        gen.steps.append(GenStep(_display(model, [choice])[0], choice, float(top_p[0]),
                                 _display(model, top_i), top_p.numpy(), rows, None, choice in stop))
        ids = torch.cat([ids, torch.tensor([[choice]])], dim=1)
        if choice in stop:
            gen.stopped = "eos"
            break
    gen.stopped = gen.stopped or "max_new"
    return gen


# --------------------------------------------------------------------------- encoder-decoder

def seq2seq_generate(model: Transformer, source_ids: list[int], bos: int, eos: int, max_new: int = 20,
                     vocab: list[str] | None = None, k: int = 5) -> Generation:
    """Greedy decoding with an encoder-decoder core.Transformer: the decoder starts from [bos] and
    each step feeds its own output back (shifted input), attending causally to itself and to every
    encoder position (cross-attention). vocab maps ids to display strings."""
    if model.cfg.arch != "encoder-decoder":
        raise ValueError("seq2seq_generate needs an encoder-decoder core.Transformer")
    name = (lambda i: vocab[i]) if vocab is not None else str
    src = torch.tensor([source_ids])
    tgt = [bos]
    layers = model.cfg.n_layers
    names = [f"decoder.{i}.{b}.weights" for i in range(layers) for b in ("self_attn", "cross_attn")]
    gen = Generation([name(bos)], source=[name(i) for i in source_ids], eos=name(eos))
    for _ in range(max_new):
        recorder = Recorder(name_filter(names, names), False)
        with model_lock(model), torch.no_grad(), recording(model, recorder):
            out = model(src, torch.tensor([tgt]))
        _, top_p, top_i = _top(out.logits[0, -1], k)
        choice = int(top_i[0])
        t = recorder.tensors
        self_rows, cross_rows = (np.stack([t[f"decoder.{i}.{b}.weights"][0, :, -1, :].numpy()
                                           for i in range(layers)]) for b in ("self_attn", "cross_attn"))
        gen.steps.append(GenStep(name(choice), choice, float(top_p[0]), [name(int(i)) for i in top_i],
                                 top_p.numpy(), self_rows, cross_rows, choice == eos))
        tgt.append(choice)
        if choice == eos:
            gen.stopped = "eos"
            break
    gen.stopped = gen.stopped or "max_new"
    return gen
