"""The app's pages, in menu order: one list for app.py's routing and the sidebar menu."""

from __future__ import annotations

SECTIONS: dict[str, list[tuple[str, str, str]]] = {
    "Attention Lab": [
        ("pages/home.py", "Home", ":material/home:"),
    ],
    "Lecture": [
        ("pages/lecture.py", "Present a deck", ":material/co_present:"),
        ("pages/rehearse.py", "Rehearse (students)", ":material/school:"),
        ("pages/coverage.py", "Deck coverage", ":material/checklist:"),
    ],
    "Attention explorer": [
        ("pages/overview.py", "All heads", ":material/grid_view:"),
        ("pages/head.py", "One head", ":material/zoom_in:"),
        ("pages/lines.py", "Token lines", ":material/timeline:"),
        ("pages/compare.py", "Compare two sentences", ":material/compare_arrows:"),
        ("pages/aggregate.py", "Across heads and layers", ":material/layers:"),
    ],
    "Inside the blocks": [
        ("pages/transduction.py", "Sequence transduction", ":material/swap_horiz:"),
        ("pages/anatomy.py", "Inside a block", ":material/account_tree:"),
        ("pages/decoder.py", "The decoder side", ":material/keyboard_double_arrow_right:"),
        ("pages/embeddings.py", "Embedding space", ":material/scatter_plot:"),
    ],
    "Sequence to sequence": [
        ("pages/seq2seq.py", "Context vector to attention", ":material/translate:"),
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
HOME = "pages/home.py"


def link(container, path: str, label: str, icon: str | None = None) -> bool:
    """st.page_link that draws nothing (and returns False) when the page cannot be linked,
    e.g. a page file run as its own main script."""
    from streamlit.errors import StreamlitAPIException

    try:
        container.page_link(path, label=label, icon=icon)
        return True
    except StreamlitAPIException:
        return False


def draw(container) -> None:
    """Page links grouped by section (works under st.navigation and for a page run alone from
    app.py's folder). A page file run as its own main script (AppTest) has no pages to link: no menu."""
    if not link(container, HOME, "Home", ":material/home:"):
        return
    for section, entries in SECTIONS.items():
        links = [entry for entry in entries if entry[0] != HOME]
        if links:
            container.caption(section)
        for path, title, icon in links:
            container.page_link(path, label=title, icon=icon)
