"""Sequence to sequence: from one context vector to cross-attention, on four models trained here."""

import streamlit as st

from core.labs.seq2seq.cards import CARDS
from core.labs.seq2seq.grammar import ADJECTIVES, NOUNS, VERBS
from core.labs.seq2seq.models import HIDDEN, KINDS
from core.labs.seq2seq.translate import InputError
from ui import seq2seq_panels as panels
from ui import state
from ui.escape import md
from ui.frame import frame
from viz import seq2seq as vs

DEFAULT = "the small girl does not see the red car of the dog"
f = frame("Sequence to sequence", icon=":material/translate:")

st.markdown(f"Your deck: seq2seq models contain *“{CARDS['two_models'][1]}”*; the encoder's job is "
            f"{panels.quote('encoder')}, and a context vector is {panels.quote('context')}. Four models "
            "trained here on one toy English→French grammar, with the same batches, number of updates and "
            f"hidden size ({HIDDEN}), show what that single vector can and cannot carry, and what attention "
            "adds.")
recs = panels.records()
missing = [k for k in KINDS if k not in recs]
if missing:
    st.warning(f"No trained weights for {', '.join(missing)}: run `python scripts/train_seq2seq.py`.")
    st.stop()
c1, c2 = st.columns([3, 1])
text = state.text("English sentence (the grammar's words)", "s2s_text", DEFAULT, container=c1, max_chars=4000)
kind = state.selectbox("Model", KINDS, "s2s_model", default="attention", container=c2,
                       help="; ".join(vs.KIND_LABELS.values()))
with st.expander("The grammar's words", icon=":material/menu_book:"):
    st.markdown(f"**Nouns** {', '.join(sorted(NOUNS))} · **adjectives** {', '.join(sorted(ADJECTIVES))} · "
                f"**verbs** {', '.join(v[0] for v in VERBS)} (after *does not*: "
                f"{', '.join(v[1] for v in VERBS)}) · **others** the, a, of, that, and, but, because. "
                "A clause is the/a [adjective] noun [of the [adjective] noun] and a verb (with its object, "
                "or *that* + a clause); clauses are joined by and / but / because.")
try:
    tr = panels.translation(kind, text)
except InputError as exc:
    st.warning(md(str(exc)), icon=":material/spellcheck:")
    st.stop()

st.markdown(f"**{vs.KIND_LABELS[kind]}** writes:")
st.code(" ".join(tr.words), language=None)
if not tr.stopped:
    st.caption(f"No <eos> within {len(tr.steps)} steps: the model was cut off.")
if tr.reference is not None:
    verdict = "matches it" if tr.correct else "differs from it"
    st.caption(f"The grammar's reference: “{' '.join(tr.reference.target)}”. The model's output {verdict}.")
else:
    st.caption(f"Not a sentence of the grammar ({md(tr.grammar_note or '')}): no reference and no "
               "true alignment; the model still writes its best guess.")

tabs = st.tabs(["Decode step by step", "Alignment", "Dilution", "The context vector", "Pretrained models",
                "Training"])
with tabs[0]:
    panels.decode_tab(tr)
with tabs[1]:
    panels.alignment_tab(tr)
with tabs[2]:
    panels.dilution_tab(recs)
with tabs[3]:
    panels.context_tab(kind, text)
with tabs[4]:
    panels.pretrained_tab(text)
with tabs[5]:
    panels.training_tab(recs)
