"""The seq2seq page's tabs (pages/seq2seq.py): Streamlit glue around core/labs/seq2seq and viz/seq2seq.

Every number printed here is computed by the same call that feeds the figure next to it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core.labs.seq2seq import alignment, probes
from core.labs.seq2seq.cards import CARDS
from core.labs.seq2seq.data import BUCKETS, bucket_label, held_out
from core.labs.seq2seq.grammar import correspondences
from core.labs.seq2seq.models import KINDS
from core.labs.seq2seq.train import TrainSettings, agreement, evaluate, initial_model, load_trained, train
from core.labs.seq2seq.translate import Translation, load
from ui import state
from ui.escape import md
from ui.frame import custom_models_allowed, show_figure
from viz import seq2seq as vs
from viz.theme import head_label

model_of = st.cache_resource(load, show_spinner=False)
MEAN = "mean of the heads, last layer"


def quote(card: str) -> str:
    return f"*“{CARDS[card][1]}”*"


@st.cache_data(show_spinner=False, max_entries=64)
def translation(kind: str, text: str) -> Translation:
    return model_of(kind).translate(text)


@st.cache_data(show_spinner=False)
def records() -> dict:
    out = {}
    for k in KINDS:
        try:
            out[k] = load_trained(k)[1]
        except FileNotFoundError:
            pass
    return out


# --------------------------------------------------------------------------- decode

def _move(delta: int, n: int) -> None:
    st.session_state["s2s_step"] = min(max(st.session_state.get("s2s_step", 1) + delta, 1), n)


def decode_tab(tr: Translation) -> None:
    n = len(tr.steps)
    signature = (tr.kind, tuple(tr.source))
    if st.session_state.get("_s2s_decoded") != signature or not 1 <= st.session_state.get("s2s_step", 1) <= n:
        st.session_state["_s2s_decoded"] = signature
        st.session_state["s2s_step"] = 1
    st.markdown("The decoder writes one word per step, each time from the words it already wrote, until it "
                "chooses **<eos>** (end of sentence). Step through it, or press play.")
    playing = st.toggle("Play", key="s2s_play", help="Advance one step per second to the end.")
    st.fragment(run_every=1.0 if playing else None)(_decode_view)(tr, playing)


def _decode_view(tr: Translation, playing: bool) -> None:
    n = len(tr.steps)
    if playing and st.session_state.get("_s2s_tick"):
        if st.session_state["s2s_step"] >= n:
            st.session_state["s2s_play"] = False
            st.session_state["_s2s_tick"] = False
            st.rerun(scope="app")
        _move(1, n)
    st.session_state["_s2s_tick"] = playing
    row = st.columns([1.4, 1.1, 5])
    row[0].button("Previous", key="s2s_prev", icon=":material/skip_previous:", on_click=_move, args=(-1, n),
                  width="stretch")
    row[1].button("Next", key="s2s_next", icon=":material/skip_next:", on_click=_move, args=(1, n),
                  width="stretch")
    if n > 1:
        row[2].slider("Step", 1, n, key="s2s_step")
    i = st.session_state["s2s_step"] - 1
    step = tr.steps[i]
    written = " ".join(tr.target[:i]) or "(nothing yet)"
    st.markdown(f"Step **{i + 1} of {n}**. Written so far: `{written}` → chooses **{step.token}** "
                f"(p = {step.prob:.3f}; p(<eos>) = {step.eos_prob:.3f}).")
    left, right = st.columns(2)
    with left:
        show_figure(vs.next_word_figure(step.top, step.eos_prob, i, step.token), key="s2s_probs",
                    export=False)
    with right:
        truth = ()
        ref = tr.reference
        if ref is not None and i < len(ref.target) and tuple(tr.target[:i + 1]) == ref.target[:i + 1]:
            truth = ref.alignment[i]
        cross = None if tr.cross_attention is None else tr.cross_attention[i]
        show_figure(vs.attention_row_figure(cross, tr.source, "Cross-attention on the source",
                                            vs.NO_CROSS_ATTENTION, truth),
                    key="s2s_cross_row", export=False)
        self_row = None if tr.self_attention is None else tr.self_attention[-1].mean(0)[i, :i + 1]
        show_figure(vs.attention_row_figure(self_row, ["<bos>", *tr.target[:i]],
                                            "Decoder self-attention (causal)",
                                            vs.NO_SELF_ATTENTION), key="s2s_self_row", export=False)
    if cross is not None:
        j = int(np.argmax(cross))
        note = " (a true source word of this step, in blue)" if j in truth else ""
        st.caption(f"The largest cross-attention weight, {cross[j]:.2f}, is on “{tr.source[j]}”{note}. "
                   + ("Transformer rows: mean of the 4 heads of the last decoder layer. " if tr.self_attention
                      is not None else "") + "Each row sums to 1.")


# --------------------------------------------------------------------------- alignment

@st.cache_data(show_spinner=False, max_entries=64)
def _sentence_attention(kind: str, source: tuple[str, ...]):
    from core.labs.seq2seq.grammar import translate

    return alignment.sentence_attention(model_of(kind).net, translate(source))


def alignment_tab(tr: Translation) -> None:
    st.markdown(f"Your deck: {quote('correspondence')}. Here the true alignment is known, because the "
                "grammar made the sentence. The model reads the *reference* French (teacher forcing), and "
                "each row shows where its attention went while it produced that word.")
    if tr.reference is None:
        st.info("Type a sentence of the grammar to compare with its true alignment.")
        return
    kind = tr.kind
    if kind in ("context", "bicontext"):
        st.info(f"**{kind}** has no attention, so nothing to align: showing the **attention** model.")
        kind = "attention"
    pair, rec = tr.reference, records()[kind]["alignment"]
    att = _sentence_attention(kind, pair.source)
    label = "attention weights"
    if kind == "transformer":
        choices = [MEAN] + [head_label(li, h) for li in range(att.shape[0]) for h in range(att.shape[1])]
        pick = state.selectbox("Transformer heads", choices, "s2s_align_head", default=MEAN)
        held = rec["agreement"] if pick == MEAN else rec["by_head"][pick]
        att = att[-1].mean(0) if pick == MEAN else att[int(pick[1])][int(pick[3:])]
        label = f"cross-attention, {pick}"
    else:
        held = rec["agreement"]
    hits, total = agreement(att, pair)
    show_figure(vs.alignment_figure(att, pair.matrix(), pair.source, pair.target, model_title=label),
                key="s2s_alignment")
    m1, m2 = st.columns(2)
    m1.metric("Argmax on a true source word, this sentence", f"{hits}/{total}")
    m2.metric(f"Same on the held-out set ({rec['words']} words)", f"{held:.1%}")
    found = correspondences(pair)
    parts = []
    if found["moved"]:
        parts.append("adjectives moved after the noun (off-diagonal cells): "
                     + ", ".join(f"{a} → {b}" for a, b in found["moved"]))
    if found["one_to_two"]:
        parts.append("one-to-two: " + ", ".join(f"{a} → {b}" for a, b in found["one_to_two"]))
    if found["two_to_one"]:
        parts.append("two-to-one: " + ", ".join(f"{a} → {b}" for a, b in found["two_to_one"]))
    st.caption("In this sentence: " + ("; ".join(parts) if parts else "a word-for-word order") + ". Rings: "
               "the model's argmax per row (green on a true cell, orange elsewhere). Attention weights are "
               "where the model looked, not a proof of why it chose a word.")


# --------------------------------------------------------------------------- dilution

@st.cache_data(show_spinner=False, max_entries=16)
def _gradient(kind: str, n_words: int, trained: bool) -> np.ndarray:
    net = model_of(kind).net if trained else initial_model(kind)
    return probes.gradient_profile(net, n_words, n=20)


def dilution_tab(recs: dict) -> None:
    st.markdown(f"Your deck: {quote('diluted')}. Held-out sentences the models never saw, by length:")
    show_figure(vs.accuracy_by_length_figure({k: r["scores"] for k, r in recs.items()}), key="s2s_by_length")
    rows = {bucket_label(b): {f"{k} {m}": recs[k]["scores"][m].get(bucket_label(b)) for k in KINDS
                              for m in ("exact", "token")} for b in BUCKETS}
    st.dataframe(pd.DataFrame(rows).T.style.format("{:.2f}"), width="stretch")
    long = [bucket_label(b) for b in BUCKETS if b[0] >= 18]
    ctx = np.mean([recs["context"]["scores"]["exact"][b] for b in long])
    att = np.mean([recs["attention"]["scores"]["exact"][b] for b in long])
    n = recs["context"]["held_out"]["per_bucket"]
    st.caption(f"Exact match over {n} held-out sentences per bucket; at 18 words and more, **context** gets "
               f"{ctx:.0%} of sentences exactly right and **attention** {att:.0%}: same data, same "
               f"{recs['context']['settings']['steps']} updates of {recs['context']['settings']['batch']} "
               "sentences, same hidden size. Token accuracy is teacher-forced: the reference so far is "
               "given.")
    st.markdown(f"The cure on the card: {quote('skip')}. Our **attention** model feeds every encoder state "
                "to every decoder step through the attention weights (it adds them at the decoder's output, "
                "as Luong et al. do, rather than at its input). How much of the first French word's gradient "
                "reaches each English word:")
    n_words = state.slider("Sentence length for the gradient", "s2s_grad_len", 8, 35, 25)
    left, right = st.columns(2)
    for col, trained in ((left, False), (right, True)):
        profiles = {k: _gradient(k, n_words, trained) for k in KINDS}
        with col:
            title = "After training" if trained else "At initialisation (the architecture alone)"
            show_figure(vs.gradient_position_figure(profiles, n_words, title),
                        key=f"s2s_gradient_{'trained' if trained else 'init'}")
        first = {k: p[0] / p.max() for k, p in profiles.items()}
        col.caption(("Trained" if trained else "Untrained") + ": gradient at word 1 relative to the largest, "
                    + ", ".join(f"{k} {r:.1g}" for k, r in first.items()) + ".")
    st.caption("Mean over 20 sentences. The first French word (le/la/un/une) needs the gender of a noun near "
               "the start. Before training, a recurrent path of n steps shrinks that gradient geometrically "
               "(context), or leaves the middle of the sentence far from both ends (bicontext); attention "
               "reaches every word in one hop. Training can teach a GRU's gates to carry the signal further: "
               "compare the two panels.")


# --------------------------------------------------------------------------- context vector

@st.cache_data(show_spinner=False, max_entries=4)
def _context_cloud(kind: str):
    pairs = list(held_out())
    points, explained = probes.pca_2d(probes.context_vectors(model_of(kind).net, pairs))
    return points, explained, [len(p.source) for p in pairs], [probes.subject_of(p) for p in pairs], \
        [" ".join(p.source) for p in pairs]


def context_tab(kind: str, text: str) -> None:
    which = kind if kind in ("context", "bicontext") else state.selectbox(
        "Context-vector model", ["context", "bicontext"], "s2s_ctx_model", default="context")
    vec = translation(which, text).context
    halves = (("forward final: read up to the last word", "backward final: read back to the first word")
              if which == "bicontext" else (f"final state ({vec.size} numbers)",))
    st.markdown(f"Your deck: a context vector is {quote('context')}; with a bidirectional encoder it is "
                f"{quote('bidirectional')}. This is everything **{which}**'s decoder receives about the "
                "sentence:")
    show_figure(vs.context_halves_figure(vec, halves), key="s2s_ctx_vec", export=False)
    points, explained, lengths, subjects, hover = _context_cloud(which)
    colour_by = state.selectbox("Colour by", ["length", "subject"], "s2s_ctx_colour", default="length")
    show_figure(vs.context_scatter_figure(points, lengths if colour_by == "length" else subjects, hover,
                                          "words", explained, f"{which}: context vectors of "
                                          f"{len(hover)} held-out sentences (PCA)"), key="s2s_ctx_cloud")
    corr = np.corrcoef(points[:, 0], lengths)[0, 1]
    st.caption(f"The first two components explain {explained.sum():.0%} of the variance; PC1 correlates with "
               f"sentence length at r = {corr:.2f}. The deck says each encoder hidden state corresponds to "
               f"{quote('hidden_state').lower()}: loosely true. A forward state has read every word up to "
               "its own, and a bidirectional one the whole sentence, centred on its word.")


# --------------------------------------------------------------------------- pretrained

def pretrained_tab(text: str) -> None:
    from core.labs.seq2seq.pretrained import pretrained_view
    from ui.cache import get_model

    st.markdown("The same cross-attention in a pretrained encoder-decoder (BART, T5, Marian…): give a "
                "Hugging Face hub id (it works when the model is in your cache or you are online) or a local "
                "folder.")
    if not custom_models_allowed():
        st.info("Custom models are turned off on this server (ATTENTION_LAB_CUSTOM_MODELS=0).")
        return
    name = state.text("Hub id or local folder", "s2s_hf", "",
                      placeholder="Helsinki-NLP/opus-mt-en-fr").strip()
    target = state.text("Target (decoder text; empty: the model writes it)", "s2s_hf_target", "")
    if not name:
        return
    try:
        view = pretrained_view(get_model(name), text, target or None)
    except Exception as exc:  # loading or running a user's model: any failure becomes a message
        st.error(f"Could not show this model: {md(str(exc))}")
        return
    last = view.weights.shape[0] - 1
    layer = state.slider("Decoder layer", "s2s_hf_layer", 0, last, last)
    st.caption(("The model wrote: " if view.generated else "Target: ") + md(view.target_text))
    show_figure(vs.cross_attention_figure(view.weights[layer].mean(0), view.source, view.target,
                                          f"Cross-attention, layer {layer}, mean of "
                                          f"{view.weights.shape[1]} heads"),
                key="s2s_hf_fig")


# --------------------------------------------------------------------------- training

def training_tab(recs: dict) -> None:
    show_figure(vs.training_curves_figure({k: r["curve"] for k, r in recs.items()},
                                          recs["context"]["curve_every"]), key="s2s_curves")
    st.dataframe(pd.DataFrame({k: {"parameters": r["n_parameters"], "training seconds": r["train_seconds"],
                                   "final loss": round(r["final_loss"], 3), "steps": r["settings"]["steps"],
                                   "batch": r["settings"]["batch"]} for k, r in recs.items()}).T,
                 width="stretch")
    st.caption("Seconds measured on the machine that trained the shipped weights (one thread, shared CPU).")
    r1, r2 = st.columns(2)
    kind = r1.selectbox("Model to retrain", KINDS, key="s2s_retrain_kind")
    steps = r2.slider("Steps", 20, 500, 100, 20, key="s2s_retrain_steps")
    if st.button("Retrain (the shipped weights stay unchanged)", key="s2s_retrain",
                 icon=":material/model_training:"):
        bar = st.progress(0.0, text="training…")

        def report(step: int, total: int, loss: float) -> None:
            bar.progress(step / total, text=f"step {step}/{total}: loss {loss:.3f}")

        model, _, seconds = train(kind, TrainSettings(steps=steps), progress=report)
        scores = evaluate(model, held_out(per_bucket=10))
        st.session_state["s2s_retrained"] = (kind, steps, seconds, scores)
    if "s2s_retrained" in st.session_state:
        k, s, sec, scores = st.session_state["s2s_retrained"]
        st.write(f"**{k}** after {s} steps ({sec:.0f} s), 10 held-out sentences per bucket:")
        st.dataframe(pd.DataFrame({"exact": scores["exact"], "token": scores["token"]}).T,
                     width="stretch")
