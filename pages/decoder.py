"""The decoder side: shifted input, causal mask, next-token distributions, step-by-step generation
to the end-of-sequence token, and cross-attention in an encoder-decoder."""

import numpy as np
import streamlit as st

from core.labs.decoding import generate, next_tokens, seq2seq_generate
from core.labs.toy_reverser import BOS, EOS, VOCAB, WORDS, encode_words, load_reverser
from ui import state
from ui.cache import get_model
from ui.escape import md
from ui.frame import frame, show_figure
from viz import decoding as vd

f = frame("The decoder side", icon=":material/keyboard_double_arrow_right:")
st.markdown(
    "The deck: *What does the decoder take as input and produce as output?* → *In an English to French "
    "translation it would take the French word as input and then would output the NEXT French word in the "
    "sentence OR the “end of sentence” token*. Two real decoders show it: SmolLM2 (a decoder-only "
    "language model, 135 M parameters) and a tiny encoder-decoder trained here to reverse word lists, "
    "whose decoder also attends to the encoder.")
kind = state.selectbox("Decoder", ["smollm2", "reverser"], "dkind",
                       format_func={"smollm2": "SmolLM2: causal decoder (loads ~30 s the first time)",
                                    "reverser": "Tiny encoder-decoder (reverses word lists)"}.get)


if kind == "smollm2":
    prompt = state.text("Prompt", "dprompt", "The capital of France is")
    chat = state.toggle("Wrap the prompt in SmolLM2's chat template (then it answers and stops with its "
                        "end-of-sequence token)", "dchat", True)
    max_new = state.slider("Most tokens to generate", "dmax", 1, 40, 24)
    if not prompt.strip():
        st.info("Type a prompt.")
        st.stop()

    @st.cache_data(show_spinner="Running SmolLM2…", max_entries=8)
    def decoder_views(prompt: str, chat: bool, max_new: int):
        model = get_model("smollm2")
        return next_tokens(model, prompt, 10, chat=False), generate(model, prompt, max_new, chat=chat)

    try:
        table, gen = decoder_views(prompt, chat, max_new)
    except Exception as err:  # the package may be missing: say so, keep the page
        st.error(f"SmolLM2 could not run: {md(str(err))}")
        st.stop()
    st.subheader("Shifted input: every position predicts the next token")
    st.markdown(
        "A decoder reads tokens 1…t and predicts token t+1, so in training its input is the target "
        "**shifted right by one**. The final layer's vectors are projected onto the whole vocabulary "
        f"({table.vocab_size:,} logits per position) and a softmax turns them into probabilities.")
    show_figure(vd.next_token_table(table.inputs, table.top_tokens, table.top_probs, table.targets,
                                    table.target_probs), key="dec_next")
    a, b = st.columns([1, 1])
    with a:
        show_figure(vd.causal_mask(table.mask, table.inputs), key="dec_mask")
    with b:
        top1 = table.top_tokens[-1][0]
        st.markdown(
            "**The causal mask** keeps position i from seeing positions after i: without it, training on "
            "shifted text would let each position read the answer. Because of the mask, the one forward "
            "pass over the whole sentence gives every position's prediction at once.\n\n"
            f"After the last prompt token the most probable next token is “{md(top1)}” "
            f"(p = {table.top_probs[-1][0]:.2f}).")
    st.subheader("Generation, one token at a time, until the end-of-sequence token")
    n_layers = gen.steps[0].self_attention.shape[0] if gen.steps else 1
    layer = state.slider("Attention of layer", "dlayer", 0, n_layers - 1, 0)
    rows = [s.self_attention[layer].mean(axis=0) for s in gen.steps]
    show_figure(vd.generation_attention(gen.tokens, len(gen.prompt), rows,
                                        f"What each new token attended to (layer {layer}, mean of heads)"),
                key="dec_gen")
    said = "".join(s.token for s in gen.steps if not s.is_eos)
    end = (f"stopped because it produced its end-of-sequence token {md(gen.eos)}"
           if gen.stopped == "eos" else
           f"stopped after {len(gen.steps)} tokens without the end-of-sequence token {md(gen.eos)}")
    st.markdown(f"Greedy decoding (always the most probable token) generated “{md(said.strip())}” and "
                f"{end}. Each step is a full forward pass over everything so far; the new row can only "
                "attend to tokens to its left.")
    st.dataframe({"step": list(range(1, len(gen.steps) + 1)), "token": [s.token for s in gen.steps],
                  "p": [round(s.prob, 3) for s in gen.steps],
                  "runner-up": [s.top_tokens[1] if len(s.top_tokens) > 1 else "" for s in gen.steps]},
                 hide_index=True)
else:
    st.markdown(f"The reverser knows {len(WORDS)} words: {', '.join(WORDS)}. Its encoder reads the list; "
                "its decoder starts from ⟨bos⟩, feeds each output back in (the shifted input), and attends "
                "to the encoder through **cross-attention**.")
    source = state.text("Words to reverse", "dsrc", "one two three red cat")

    @st.cache_resource(show_spinner="Loading the reverser…")
    def reverser():
        return load_reverser()

    try:
        ids = encode_words(source)
    except ValueError as err:
        st.warning(md(str(err)))
        st.stop()
    gen = seq2seq_generate(reverser(), ids + [EOS], BOS, EOS, max_new=10, vocab=VOCAB)
    layer = state.slider("Layer", "dslayer", 0, gen.steps[0].cross_attention.shape[0] - 1, 1)
    cross = np.stack([s.cross_attention[layer].mean(axis=0) for s in gen.steps])
    show_figure(vd.alignment(gen.source, [s.token for s in gen.steps], cross,
                             f"Cross-attention: each output over the source (layer {layer}, mean of heads)"),
                key="dec_cross")
    rows = [s.self_attention[layer].mean(axis=0) for s in gen.steps]
    show_figure(vd.generation_attention(gen.tokens, 1, rows,
                                        f"Self-attention: each step over the outputs so far (layer {layer})"),
                key="dec_self")
    out = " ".join(s.token for s in gen.steps)
    st.markdown(f"Output: **{md(out)}** ({'ended with' if gen.stopped == 'eos' else 'no'} "
                f"{md(gen.eos)}). Step probabilities: "
                + ", ".join(f"{md(s.token)} {s.prob:.2f}" for s in gen.steps) + ".")
