"""The four translation models of the seq2seq lab, one interface.

Every model maps source ids [batch, src] (+ a padding mask) and decoder inputs [batch, tgt]
(<bos> y_1 ... y_{m-1}) to next-token logits [batch, tgt, vocab], and exposes one decoding
`step`. Every encoder state is HIDDEN numbers wide in all four (bidirectional: HIDDEN/2 per
direction, concatenated), so the single context vector is the same size everywhere.

- context:    GRU encoder; the decoder starts from the encoder's final state, reads it again at
              every step (Cho et al. 2014), and sees nothing else of the source.
- bicontext:  the same with a bidirectional encoder; context = [forward final; backward final].
- attention:  the bicontext encoder and decoder plus additive (Bahdanau) attention over every
              encoder state: at step t, e_j = v . tanh(W s_t + U h_j), alpha = softmax(e),
              c_t = sum_j alpha_j h_j, and the output word is read from [s_t; c_t]. The context
              joins the decoder state at the output (Luong et al. 2015's placement) rather than
              its input (Bahdanau's): the decoder GRU then runs over the target in one fused call,
              which keeps training within minutes on a shared CPU.
- transformer: our core.Transformer(arch="encoder-decoder"), captured through core.capture.
"""

from __future__ import annotations

import torch
from torch import nn

from core.config import TransformerConfig
from core.labs.seq2seq.grammar import SOURCE_VOCAB, TARGET_VOCAB
from core.model import Transformer

KINDS = ("context", "bicontext", "attention", "transformer")
SPECIALS = ("<pad>", "<bos>", "<eos>")
PAD, BOS, EOS = 0, 1, 2
VOCAB: tuple[str, ...] = SPECIALS + SOURCE_VOCAB + TARGET_VOCAB  # one table: the transformer ties it
INDEX = {w: i for i, w in enumerate(VOCAB)}
HIDDEN = 64
EMBED = 32
ATTENTION_DIM = 32  # size of the additive attention's tanh layer (v, W, U)
MAX_LEN = 64  # longest source or target the transformer accepts (the grammar's reach 40)


class GRUSeq2Seq(nn.Module):
    """GRU encoder-decoder: `context`, `bicontext` or `attention` (see the module docstring)."""

    def __init__(self, kind: str, vocab: int = len(VOCAB), hidden: int = HIDDEN, embed: int = EMBED) -> None:
        super().__init__()
        if kind not in ("context", "bicontext", "attention"):
            raise ValueError(f"kind={kind!r} is not a GRU model kind")
        self.kind, self.hidden = kind, hidden
        self.bidirectional = kind != "context"
        self.attends = kind == "attention"
        self.src_embed = nn.Embedding(vocab, embed, padding_idx=PAD)
        self.tgt_embed = nn.Embedding(vocab, embed, padding_idx=PAD)
        self.encoder = nn.GRU(embed, hidden // 2 if self.bidirectional else hidden, batch_first=True,
                              bidirectional=self.bidirectional)
        # context models: every step reads [previous word; context vector] (Cho et al. 2014), so the
        # decoder need not carry the context through its own recurrence. The attention model's GRU
        # reads only the previous word (its context arrives per step at the output). Either way the
        # decoder GRU runs over the whole target in one fused call.
        self.decoder = nn.GRU(embed if self.attends else embed + hidden, hidden, batch_first=True)
        if self.attends:
            self.att_w = nn.Linear(hidden, ATTENTION_DIM, bias=False)
            self.att_u = nn.Linear(hidden, ATTENTION_DIM)
            self.att_v = nn.Linear(ATTENTION_DIM, 1, bias=False)
        self.out = nn.Linear(hidden * (2 if self.attends else 1), vocab)

    def encode(self, src: torch.Tensor, src_mask: torch.Tensor,
               src_emb: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """src [batch, S] ids, src_mask [batch, S] bool (True = word).

        Returns states [batch, S, hidden] (zeros at padding) and the context vector
        [batch, hidden]: the final state (bi: forward final at the last word ++ backward final
        at the first word). src_emb [batch, S, embed] replaces the embedding lookup (gradients)."""
        x = self.src_embed(src) if src_emb is None else src_emb
        lengths = src_mask.sum(1).clamp(min=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, h_n = self.encoder(packed)
        states, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
        context = torch.cat([h_n[0], h_n[1]], dim=-1) if self.bidirectional else h_n[0]
        return states, context

    def start(self, src: torch.Tensor, src_mask: torch.Tensor, src_emb: torch.Tensor | None = None) -> dict:
        """The decoder's starting state: {'h': context, 'states', 'mask', 'keys'}."""
        states, context = self.encode(src, src_mask, src_emb)
        memo = {"h": context, "states": states, "mask": src_mask, "context": context}
        if self.attends:
            memo["keys"] = self.att_u(states)  # U h_j, computed once per sentence
        return memo

    def attend(self, h: torch.Tensor, memo: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """Additive attention of decoder states h [batch, T, hidden] over the encoder states:
        weights alpha [batch, T, S] and contexts c [batch, T, hidden]."""
        e = self.att_v(torch.tanh(self.att_w(h)[:, :, None] + memo["keys"][:, None])).squeeze(-1)
        alpha = torch.softmax(e.masked_fill(~memo["mask"][:, None], float("-inf")), dim=-1)
        return alpha, torch.bmm(alpha, memo["states"])

    def _decode(self, y: torch.Tensor, memo: dict) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Decoder over embedded inputs y [batch, T, embed] from memo['h']: logits [batch, T, vocab]
        and attention [batch, T, S] or None. Updates memo['h'] to the last state."""
        if not self.attends:
            y = torch.cat([y, memo["context"][:, None].expand(-1, y.shape[1], -1)], -1)
        out, h = self.decoder(y, memo["h"][None])
        memo["h"] = h[0]
        if not self.attends:
            return self.out(out), None
        alpha, c = self.attend(out, memo)
        return self.out(torch.cat([out, c], -1)), alpha

    def step(self, prev: torch.Tensor, memo: dict) -> tuple[torch.Tensor, torch.Tensor | None]:
        """One decoding step from token ids prev [batch]: logits [batch, vocab] and the attention
        weights [batch, S] (None without attention). Updates memo['h'] in place."""
        logits, alpha = self._decode(self.tgt_embed(prev)[:, None], memo)
        return logits[:, 0], None if alpha is None else alpha[:, 0]

    def forward(self, src: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor,
                src_emb: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Teacher forcing: logits [batch, T, vocab] and attention [batch, T, S] (or None)."""
        return self._decode(self.tgt_embed(tgt_in), self.start(src, src_mask, src_emb))


def transformer_config(hidden: int = HIDDEN) -> TransformerConfig:
    """The encoder-decoder of the `transformer` kind: 2+2 layers, 4 heads, d_model = d_ff = HIDDEN."""
    return TransformerConfig(arch="encoder-decoder", vocab_size=len(VOCAB), d_model=hidden, n_heads=4,
                             n_layers=2, d_ff=hidden, max_len=MAX_LEN, positional="sinusoidal",
                             norm="pre")


class TransformerSeq2Seq(nn.Module):
    """core.Transformer(arch='encoder-decoder') behind the same forward as the GRU models."""

    kind = "transformer"
    attends = True

    def __init__(self, cfg: TransformerConfig | None = None) -> None:
        super().__init__()
        self.model = Transformer(cfg or transformer_config())

    def forward(self, src: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor,
                src_emb: torch.Tensor | None = None) -> tuple[torch.Tensor, None]:
        """Teacher forcing: logits [batch, T, vocab] (cross-attention comes from core.capture)."""
        if src_emb is not None:
            raise ValueError("the transformer's source-embedding gradients come from core.capture")
        out = self.model(src, tgt_in, attention_mask=src_mask.long(),
                         target_attention_mask=(tgt_in != PAD).long())
        return out.logits, None


def build(kind: str) -> nn.Module:
    """A freshly initialised model of `kind` (seed the global RNG around this call)."""
    if kind not in KINDS:
        raise ValueError(f"unknown model {kind!r}; the four are {', '.join(KINDS)}")
    return TransformerSeq2Seq() if kind == "transformer" else GRUSeq2Seq(kind)
