"""Attention Lab: page config and routing. Every page draws the shared frame itself (ui.frame),
so a bookmarked page also works when Streamlit runs it alone on a fresh server."""

import streamlit as st

st.set_page_config(page_title="Attention Lab", page_icon="🔍", layout="wide")

SECTIONS = {
    "Attention Lab": [
        ("pages/home.py", "Home", ":material/home:"),
    ],
    "Attention explorer": [
        ("pages/overview.py", "All heads", ":material/grid_view:"),
        ("pages/head.py", "One head: scores → weights → vectors", ":material/zoom_in:"),
        ("pages/lines.py", "Token lines", ":material/timeline:"),
        ("pages/compare.py", "Compare two sentences", ":material/compare_arrows:"),
        ("pages/aggregate.py", "Across heads and layers", ":material/layers:"),
    ],
    "Positional encodings": [
        ("pages/positional_lab.py", "Encoding lab", ":material/waves:"),
        ("pages/positional_trained.py", "Trained comparison", ":material/model_training:"),
    ],
    "Gradients and cost": [
        ("pages/gradient_flow.py", "Gradient flow", ":material/trending_down:"),
        ("pages/softmax_jacobian.py", "Softmax Jacobian", ":material/functions:"),
        ("pages/attention_cost.py", "What attention costs", ":material/speed:"),
    ],
}

pages = {section: [st.Page(path, title=title, icon=icon, default=(path == "pages/home.py"))
                   for path, title, icon in entries]
         for section, entries in SECTIONS.items()}
st.navigation(pages).run()
