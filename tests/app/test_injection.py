"""Crafted URLs and paths against the app's messages and model loading (issue 11, items 2 and 3).

Message bodies are markdown; they are rendered here with a CommonMark renderer (markdown-it, the
family Streamlit's own renderer follows) to check what a browser would show."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from ui.escape import md
from ui.frame import CUSTOM

ROOT = Path(__file__).resolve().parents[2]
CRAFTED = "[x](http://evil)![i](http://evil/i.png)<b>"
RENDER = MarkdownIt("commonmark", {"html": True})  # html on: the worst case for what gets through


def _run(page: str = "pages/head.py", **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _messages(at: AppTest) -> list[str]:
    return [m.proto.body for kind in ("error", "warning", "info") for m in at.get(kind)]


@pytest.mark.parametrize("text", [
    CRAFTED, "**bold** _it_ `code` # head", ":red[alarm] :material/home: $x^2$", "&lt;b&gt; &amp;",
    "a\nb\n\n- item", "<img src=x onerror=alert(1)>", "www.evil.com http://evil.com",
])
def test_md_renders_literally(text):
    html = RENDER.render(md(text))
    assert "<a" not in html and "<img" not in html and "<b>" not in html and "<em>" not in html
    assert "<code>" not in html and "<h1>" not in html and "<li>" not in html
    shown = html.removeprefix("<p>").removesuffix("</p>\n")
    unescaped = shown.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    assert unescaped == " ".join(text.splitlines())


def test_crafted_model_path_is_shown_as_literal_text():
    """On the base commit the error box held a live link and a remote image."""
    at = _run(model=CUSTOM, model_path=CRAFTED)
    bodies = [b for b in _messages(at) if "Could not load model" in b]
    assert bodies, _messages(at)
    for body in bodies:
        html = RENDER.render(body)
        assert "<a" not in html and "<img" not in html and "<b>" not in html, html
        assert CRAFTED.replace("<", "&lt;").replace(">", "&gt;") in html


# ----------------------------------------------------------------------------- item 3: probing

def test_folders_outside_the_allowed_roots_reveal_nothing(tmp_path, monkeypatch):
    """On the base commit an existing server folder was answered 'has no config.json' and a
    missing one 'unknown model': a visitor could map the server's folders."""
    allowed, secret = tmp_path / "allowed", tmp_path / "secret"
    allowed.mkdir()
    (secret / ".ssh").mkdir(parents=True)
    (allowed / "link").symlink_to(secret / ".ssh")  # a symlink inside the root does not escape it
    monkeypatch.setenv("ATTENTION_LAB_MODEL_ROOTS", str(allowed))
    answers = {}
    for probe in (secret / ".ssh", secret / "nothing-here", allowed / "link"):
        at = _run(model=CUSTOM, model_path=str(probe))
        body = next(b for b in _messages(at) if "Could not load model" in b)
        answers[probe] = body.replace(md(str(probe)), "PATH")
    assert len(set(answers.values())) == 1, answers
    text = next(iter(answers.values()))
    assert "must be inside the folders this app" in text and "config" not in text
    inside = allowed / "empty"
    inside.mkdir()
    body = next(b for b in _messages(_run(model=CUSTOM, model_path=str(inside))) if "Could not load" in b)
    assert "has no config" in body  # inside the roots, the helpful message stays


def test_default_roots_are_home_and_working_dir(monkeypatch):
    from ui.policy import allowed_roots

    monkeypatch.delenv("ATTENTION_LAB_MODEL_ROOTS", raising=False)
    assert allowed_roots() == [Path.home().resolve(), Path.cwd().resolve()]
    monkeypatch.setenv("ATTENTION_LAB_MODEL_ROOTS", os.pathsep.join(["/srv/models", "~/m"]))
    assert allowed_roots() == [Path("/srv/models").resolve(), (Path.home() / "m").resolve()]


def test_shared_mode_turns_off_hub_ids_and_folders(monkeypatch, tmp_path):
    monkeypatch.setenv("ATTENTION_LAB_SHARED", "1")
    at = _run(model=CUSTOM, model_path=str(tmp_path))
    picker = at.sidebar.selectbox(key="model")
    assert CUSTOM not in picker.options and picker.value == "minilm"
    assert not any("Could not load" in b for b in _messages(at))
    assert at.get("plotly_chart")  # the page goes on with the packaged model
    from ui.cache import get_model

    for name in ("gpt2", str(tmp_path), "~/.ssh"):
        with pytest.raises(LookupError, match="shared server: only the packaged models"):
            get_model(name)
