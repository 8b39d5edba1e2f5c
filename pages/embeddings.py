"""Embedding space: a word → a vector, its neighbours, analogies, a 2-D map, sentence embeddings."""

import streamlit as st

from core.labs.embeddings import cosine_matrix, minilm_table, pca, sentence_embeddings
from ui import state
from ui.cache import get_model
from ui.escape import md
from ui.frame import frame, show_figure
from viz import embeddings as ve

f = frame("Embedding space", icon=":material/scatter_plot:")
st.markdown(
    "The deck: *GloVe* → *An unsupervised learning algorithm for obtaining vector representations for "
    "words*, and *Embedding space* → *Maps a word (e.g “dog”) to a vector e.g [0.22, 0.73, 0.87, 0.17,…]*.")


@st.cache_resource(show_spinner="Reading MiniLM's embedding table…")
def table():
    return minilm_table()


try:
    emb = table()
except ValueError as err:
    st.error(md(str(err)))
    st.stop()
vocab, dim = emb.shape
st.info(
    f"**A stand-in for GloVe.** No GloVe file ships with the lab, so this page uses the packaged MiniLM's "
    f"input embedding table: {vocab:,} tokens × {dim} numbers. What differs from GloVe: these vectors were "
    "trained together with the whole model (GloVe fits word co-occurrence counts on its own), and the "
    "vocabulary is WordPiece **sub-word** tokens, so a word the vocabulary splits (e.g. “embeddings” → "
    f"{md(', '.join(emb.word_vector('embeddings').pieces))}) is shown here as the **average of its "
    "pieces**.", icon=":material/info:")

c1, c2 = st.columns([1, 2])
word = state.text("A word", "eword", "dog", container=c1)
k = state.slider("Neighbours", "ek", 3, 20, 10, container=c2)
try:
    wv = emb.word_vector(word)
    pairs = emb.nearest(word, k)
except ValueError as err:
    st.warning(md(str(err)))
else:
    a, b = st.columns([3, 2])
    with a:
        show_figure(ve.vector_values(wv.word, wv.vector), key="emb_vector")
        pieces = " + ".join(wv.pieces)
        first = ", ".join(f"{x:.2f}" for x in wv.vector[:4])
        st.caption(f"“{md(wv.word)}” → [{first}, …] ({dim} values)."
                   + (f" Averaged over its {len(wv.pieces)} pieces: {md(pieces)}." if wv.averaged else
                      " One whole token in the vocabulary."))
    with b:
        show_figure(ve.neighbours(wv.word, pairs), key="emb_nearest")

st.subheader("Analogies: a − b + c")
c1, c2, c3 = st.columns(3)
aw = state.text("a", "ea", "king", container=c1)
bw = state.text("− b", "eb", "man", container=c2)
cw = state.text("+ c", "ec", "woman", container=c3)
try:
    answer = emb.analogy(aw, bw, cw, k=8)
    show_figure(ve.neighbours("", answer, f"{aw} − {bw} + {cw} ≈ … (a, b, c themselves left out)"),
                key="emb_analogy")
    st.caption(f"Best answer: “{md(answer[0][0])}” (cosine {answer[0][1]:.3f}). Input embeddings of a "
               "contextual model keep some of GloVe's famous directions, but not reliably: try several.")
except ValueError as err:
    st.warning(md(str(err)))

st.subheader("A map of your words (PCA)")
words_text = state.text("Words (comma separated)", "ewords",
                        "dog, puppy, cat, kitten, horse, car, truck, bus, paris, london, berlin, bewildered, "
                        "embeddings", area=True)
try:
    found, problems = emb.vectors(words_text.split(","))
    if len(found) < 2:
        raise ValueError("give at least two known words for a map")
    proj = pca([w.vector for w in found], 2)
    show_figure(ve.pca_map([w.word for w in found], proj.coords, proj.explained,
                           [w.averaged for w in found]), key="emb_pca")
    st.caption(f"The two directions along which these {len(found)} vectors vary most carry "
               f"{proj.explained[:2].sum():.0%} of their variance (computed with numpy). Diamonds: words "
               "averaged over sub-word pieces.")
    for p in problems:
        st.warning(md(p))
except ValueError as err:
    st.warning(md(str(err)))

st.subheader("Sequence → vector: sentence embeddings")
st.markdown("all-MiniLM-L6-v2 is a sentence-embedding model: it turns a whole sentence into **one** vector "
            "by averaging its last-layer token vectors (mean pooling), then normalising. That is the "
            "sequence→vector shape of the deck's sentiment example, done by a transformer.")
sentences = state.text("Sentences (one per line)", "esent",
                       "The dog ate the cat.\nThe cat ate the dog.\nA puppy chewed a kitten.\n"
                       "The movie was great.\nStock prices fell sharply today.", area=True)
lines = [s.strip() for s in sentences.splitlines() if s.strip()]
try:
    vectors = sentence_embeddings(get_model("minilm"), lines)
    sim = cosine_matrix(vectors)
    show_figure(ve.similarity_matrix(lines, sim), key="emb_sentences")
    if len(lines) > 1:
        off = sim.copy()
        for i in range(len(off)):
            off[i, i] = -2
        i, j = divmod(int(off.argmax()), len(off))
        st.caption(f"Most similar pair: {i + 1} and {j + 1} (cosine {sim[i, j]:.3f}). Mean pooling ignores "
                   "order only partly: the transformer saw word order before the pooling.")
except ValueError as err:
    st.warning(md(str(err)))
