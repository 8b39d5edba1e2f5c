"""What attention costs: AIAYN Table 1, operation counts, timings on this machine, path lengths."""

import numpy as np
import streamlit as st

from core.labs import costs
from core.labs.deck_quotes import deck_quote
from ui import cache, state
from ui.frame import frame, show_figure
from viz import costs as vc

f = frame("What attention costs")

st.markdown(
    "Your flashcards compare self-attention with recurrence and convolution on **three criteria**: "
    "(1) the total computational complexity per layer; (2) the amount of computation that can be "
    "parallelised, measured by the **minimum number of sequential operations**; (3) the **path "
    "length** between long-range dependencies. Vaswani et al. summarise them in Table 1."
)
show_figure(vc.table1_figure(costs.TABLE_1, costs.TABLE_1_CAPTION), key="cost_table")

st.subheader("1 · Complexity per layer: cheaper only while n < d")
c1, c2 = st.columns(2)
d = state.selectbox("Representation size d", [64, 128, 256, 512], "d", default=256, container=c1)
max_n = state.selectbox("Longest sequence timed", [256, 512, 1024, 2048], "maxn", default=512,
                        container=c2)
n = np.unique(np.geomspace(4, 8192, 60).astype(int))
show_figure(vc.op_count_figure(n, costs.op_counts(n, d), d), key="cost_ops")
table = cache.cost_timings(d, max_n)
cross = costs.measured_crossover(table["n"], table["self-attention"], table["recurrent (RNN)"])
show_figure(vc.timing_figure(table, d, cross), key="cost_time")
where = ("attention stayed faster than the RNN over the whole range timed" if cross is None else
         f"attention became slower than the RNN at n ≈ {cross:.0f}")
st.markdown(
    f"On paper n²d = nd² at **n = d = {d}**. Measured here (one CPU thread, one sequence), {where}. "
    "The measured crossover lies well beyond n = d because the RNN's n steps each wait for the "
    "previous one: every step is a small [1×d]·[d×d] product that pays a fixed cost and leaves the "
    "hardware idle, while attention is a few large matrix products. Self-attention is *not* always "
    "cheaper: its work and memory grow as n², which is why efficient-attention variants exist."
)

st.subheader("2 · Sequential operations: why LSTMs and RNNs waste GPUs")
st.markdown(
    "> *“" + deck_quote("Their data must be processed sequentially … This makes it impossible to "
                        "take advantage of GPUs being designed for parallel computation")
    + "”* (your flashcard)\n\n"
    "More precisely: within a step the matrix product is parallel, and a batch of sequences runs in "
    "parallel, but the n time steps of one sequence cannot. Attention and convolution need one step."
)
show_figure(vc.sequential_steps_figure(n, costs.sequential_steps(n)), key="cost_steps")

st.subheader("3 · Path length between long-range dependencies")
c1, c2 = st.columns(2)
n_graph = state.slider("Positions drawn", "ngraph", 4, 16, 10, container=c1)
width = state.slider("Kernel k / neighbourhood r", "width", 2, 8, 3, container=c2)
graphs = {f"{name} ({costs.GRAPH_LAYER[name]})": costs.connectivity(name, n_graph, width)
          for name in costs.GRAPHS}
hops = {name: costs.max_path_length(adj) for name, adj in graphs.items()}
c1, c2 = st.columns(2)
with c1:
    show_figure(vc.connectivity_figure(graphs, hops), key="cost_graphs")
with c2:
    show_figure(vc.path_length_figure(n, costs.path_lengths(n, k=3, r=32)), key="cost_paths")
reach = width // 2
hop_of = {costs.GRAPH_LAYER[name]: h for name, h in zip(costs.GRAPHS, hops.values(), strict=True)}
st.markdown(
    f"A gradient between the first and the last of these {n_graph} positions must travel along the "
    f"edges: {hop_of['recurrent']} hops (n − 1) through a recurrence; a centred kernel of size "
    f"k = {width} reaches {reach} position{'s' if reach != 1 else ''} either side per layer, so a stack of "
    f"convolutions needs ⌈(n − 1)/⌊k/2⌋⌉ = {hop_of['convolution']} hops, and restricted attention with "
    f"a neighbourhood of r = {width} the same {hop_of['restricted self-attention']}. That is Table 1's "
    "O(n/k) and O(n/r): proportional to n/k, not equal to it (log_k n with dilated convolutions). "
    f"Self-attention needs **{hop_of['self-attention']}** hop: the flat curve on the Gradient flow page. "
    "Right: Table 1's path lengths with k = 3 and r = 32, as orders of growth."
)
