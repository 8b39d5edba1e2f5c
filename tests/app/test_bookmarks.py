"""Bookmarks restore every control (issue 9 item 3): on each page, change every control, read the
URL the session wrote, open a fresh session on that URL and find the same values shown.

Each page runs from its own file, as on a fresh server's first deep link (and as AppTest runs a
page after switch_page, see ENVIRONMENT.md): the URL must follow every change in the same run,
without app.py, with no interaction's lag (the softmax temperature once stayed at 1 in the URL)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from tests.app.switch_frame import SwitchFrame

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 300
pytestmark = pytest.mark.slow

# page -> the controls a user changes, in order: (widget kind, key, new value)
CHANGES = {
    "home": [("toggle", "present", True), ("text_input", "s2", "The cat ate the dog")],
    "head": [("selectbox", "model", "minilm-scratch"), ("text_area", "s", "Cats chase the mice"),
             ("browser", "layer", 2), ("browser", "head", 5), ("selectbox", "query", 2),
             ("temperature", "T", 2.5), ("toggle", "present", True)],
    "overview": [("segmented_control", "contrast", "per head"), ("segmented_control", "stat", "max_weight")],
    "lines": [("slider", "layer", 3), ("selectbox", "direction", "to"), ("selectbox", "token", 4)],
    "compare": [("text_input", "s2", "The cat ate the mouse"), ("text_area", "s", "The mouse ate the cat"),
                ("slider", "layer", 1), ("slider", "head", 3)],
    "aggregate": [("slider", "layer", 4), ("slider", "rollout_layer", 2), ("selectbox", "word_head", 7)],
    "positional_lab": [("multiselect", "pe_kinds", ["learned", "sinusoidal"]), ("slider", "pe_n", 128),
                       ("selectbox", "pe_d", 32), ("selectbox", "pe_focus", "learned"),
                       ("slider", "pe_clock", 42), ("slider", "pe_level", 0.5),
                       ("select_slider", "pe_eps", 1e-3), ("selectbox", "pe_stretch", 1000),
                       ("tabs", "pe_tab", "Failure demos")],
    "positional_trained": [("selectbox", "order_kind", "sinusoidal"),
                           ("text_input", "order_a", "the cat sat"), ("text_input", "order_b", "sat the cat"),
                           ("slider", "order_layer", 1),
                           ("slider", "order_head", 1), ("selectbox", "tr_kind", "learned"),
                           ("slider", "tr_steps", 500)],
    "gradient_flow": [("slider", "rho", 1.5), ("selectbox", "act", "sigmoid"), ("slider", "fbias", 2.5),
                      ("slider", "len", 50), ("slider", "clip_t", 20.0), ("toggle", "clip", False),
                      ("toggle", "live", True), ("selectbox", "variant", "neither"), ("slider", "step", 10),
                      ("toggle", "pretrained", True), ("slider", "glayer", 3),
                      ("selectbox", "gheads", "heads 4–7")],
    "softmax_jacobian": [("text_input", "logits", "3, 1, -2"), ("slider", "temp", 2.0),
                         ("slider", "dk", 128), ("slider", "nkeys", 20)],
    "attention_cost": [("selectbox", "d", 64), ("selectbox", "maxn", 256), ("slider", "ngraph", 6),
                       ("slider", "width", 5)],
}


SWITCHES = {"browser": "head_switch", "temperature": "temperature_switch"}  # kind -> component key


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def url_form(value) -> list[str]:
    """How a value is spelled in the query string (lists as repeated parameters)."""
    if isinstance(value, bool):
        return ["1" if value else "0"]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def in_url(at: AppTest, key: str) -> list[str] | None:
    got = at.query_params.get(key)
    return None if got is None else (got if isinstance(got, list) else [got])


def open_tab(at: AppTest) -> str:
    """The label of the tab a run opened (AppTest has no tab widget: read the block)."""
    def walk(node):
        if isinstance(node, Block):
            if node.type == "tab_container":
                yield node
            for child in node.children.values():
                yield from walk(child)

    container = next(walk(at.main))
    labels = [tab.label for tab in container.children.values()]
    return labels[container.proto.tab_container.default_tab_index]


def shown(at: AppTest, kind: str, key: str):
    if kind == "tabs":
        return open_tab(at)
    if kind in SWITCHES:  # a slider of a component (ui/switch.py)
        return SwitchFrame(SWITCHES[kind]).chosen(at)[key]
    return getattr(at, kind)(key=key).value


def change(at: AppTest, kind: str, key: str, value) -> AppTest:
    if kind == "tabs":  # what a click on a tab does: the tabs' key gets the label, then a rerun
        at.session_state[key] = value
        return ok(at.run())
    if kind in SWITCHES:  # the browser draws the move, reports it, and the page reruns
        SwitchFrame(SWITCHES[kind]).render(at).move(at, **{key: value})
        return ok(at)
    return ok(getattr(at, kind)(key=key).set_value(value).run())


@pytest.mark.parametrize("page", list(CHANGES))
def test_a_bookmark_reopens_every_control_of_the_page(page):
    path = str(ROOT / "pages" / f"{page}.py")
    at = ok(AppTest.from_file(path, default_timeout=TIMEOUT).run())
    for kind, key, value in CHANGES[page]:
        assert shown(at, kind, key) != value, f"{key} already shows {value!r}: the test changes nothing"
        change(at, kind, key, value)
        assert shown(at, kind, key) == value
        assert in_url(at, key) == url_form(value), f"the URL lags behind {key}"
    bookmark = dict(at.query_params)

    fresh = AppTest.from_file(path, default_timeout=TIMEOUT)
    fresh.query_params.update(bookmark)
    ok(fresh.run())
    assert not fresh.warning, [w.value for w in fresh.warning]
    for kind, key, value in CHANGES[page]:
        assert shown(fresh, kind, key) == value, key
    assert dict(fresh.query_params) == bookmark  # the reopened view writes the same URL


def test_the_app_publishes_after_the_page_run():
    """Through app.py's navigation (the normal case), a change reaches the URL in its own run."""
    at = ok(AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run())
    assert in_url(at, "present") == ["0"]
    ok(at.toggle(key="present").set_value(True).run())
    assert in_url(at, "present") == ["1"]


def test_a_sentence_typed_just_before_a_page_switch_is_kept():
    """Typed, Ctrl+Enter, and a page clicked before the busy server ran either: Streamlit merges
    the two requests into one run that both switches page and carries the new sentence (seen in
    bench_classroom). The sentence is the user's, not a remounted box's start value."""
    at = AppTest.from_file(str(ROOT / "pages" / "head.py"), default_timeout=120).run()
    typed = "The horse saw the farmer because the horse was waiting"
    at.text_area(key="s").input(typed)
    at.switch_page("overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.text_area(key="s").value == typed and at.query_params["s"] in (typed, [typed])
    at.switch_page("head.py").run()  # a plain switch back: the remounted box keeps it
    assert at.text_area(key="s").value == typed
