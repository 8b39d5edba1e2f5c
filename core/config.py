"""TransformerConfig: the few numbers that define a from-scratch model, validated on creation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

ARCHS = ("encoder", "decoder", "encoder-decoder")
NORMS = ("post", "pre")
ACTIVATIONS = ("relu", "gelu")


@dataclass(frozen=True)
class TransformerConfig:
    """Configuration of `core.Transformer`.

    The first nine fields are the paper's; the rest exist so the same code can load real
    checkpoints (MiniLM/BERT: post-norm, GELU, segment embeddings, LayerNorm after the
    embeddings, no sqrt(d_model) scaling) and stay at their simple defaults otherwise.
    """

    arch: str = "encoder"  # "encoder" (bidirectional) | "decoder" (causal LM) | "encoder-decoder"
    vocab_size: int = 100
    d_model: int = 64
    n_heads: int = 4
    n_layers: int = 2  # per stack
    d_ff: int = 128
    max_len: int = 64  # longest sequence accepted (and size of a learned position table)
    positional: str = "sinusoidal"  # a name from core.positional.KINDS
    dropout: float = 0.0
    norm: str = "post"  # "post" = paper (x = LN(x + f(x))); "pre" = x + f(LN(x))
    activation: str = "relu"
    layer_norm_eps: float = 1e-5
    type_vocab_size: int = 0  # >0 adds BERT-style segment (token type) embeddings
    embed_norm: bool = False  # LayerNorm right after the summed embeddings (BERT)
    scale_embeddings: bool = True  # multiply token embeddings by sqrt(d_model), as the paper
    tie_embeddings: bool = True  # output head shares the token embedding matrix
    head: bool = True  # False: no output head, logits are None (a bare encoder such as MiniLM)

    def __post_init__(self) -> None:
        from core.positional import KINDS  # local: positional imports nothing from here

        if self.arch not in ARCHS:
            raise ValueError(f"arch={self.arch!r} is not one of {ARCHS}")
        for field in ("vocab_size", "d_model", "n_heads", "n_layers", "d_ff", "max_len"):
            value = getattr(self, field)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{field} must be a positive integer, got {value!r}")
        if self.d_model % self.n_heads:
            raise ValueError(
                f"d_model={self.d_model} is not divisible by n_heads={self.n_heads}: "
                "each head gets d_model / n_heads dimensions"
            )
        if self.positional not in KINDS:
            raise ValueError(f"positional={self.positional!r} is not one of {KINDS}")
        if self.positional == "rope" and self.d_head % 2:
            raise ValueError(f"positional='rope' needs an even head size, got d_head={self.d_head}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if self.norm not in NORMS:
            raise ValueError(f"norm={self.norm!r} is not one of {NORMS}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation={self.activation!r} is not one of {ACTIVATIONS}")
        if self.type_vocab_size < 0:
            raise ValueError(f"type_vocab_size must be >= 0, got {self.type_vocab_size!r}")
        if self.layer_norm_eps <= 0:
            raise ValueError(f"layer_norm_eps must be positive, got {self.layer_norm_eps!r}")

    @property
    def d_head(self) -> int:
        return self.d_model // self.n_heads

    def to_dict(self) -> dict:
        return asdict(self)

    def replace(self, **changes) -> TransformerConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)


PRESETS: dict[str, TransformerConfig] = {
    "tiny-encoder": TransformerConfig(arch="encoder", vocab_size=50, d_model=32, n_heads=4,
                                      n_layers=2, d_ff=64, max_len=32),
    "tiny-decoder": TransformerConfig(arch="decoder", vocab_size=50, d_model=32, n_heads=4,
                                      n_layers=2, d_ff=64, max_len=32, norm="pre"),
    "tiny-seq2seq": TransformerConfig(arch="encoder-decoder", vocab_size=50, d_model=32,
                                      n_heads=4, n_layers=2, d_ff=64, max_len=32),
}
