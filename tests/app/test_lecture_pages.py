"""AppTest for the lecture pages (presenter, rehearse, coverage) on the shipped example deck."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.catalog import Context, by_name

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _run(page: str, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / f"pages/{page}.py"), default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def test_presenter_steps_reveals_and_draws_the_live_figure():
    at = _run("lecture")
    assert "Transformers were developed to solve the problem of _____" in _markdown(at)
    assert "Card **1** of **55**" in _markdown(at)
    assert "sequence transduction</li>" not in _markdown(at)  # the answer waits for the reveal
    at.button(key="lec_reveal").click().run()
    assert "<li>sequence transduction</li>" in _markdown(at)
    for _ in range(2):
        at.button(key="lec_next").click().run()
    assert "Card **3** of **55**" in _markdown(at)
    at.selectbox(key="card").set_value(28).run()  # "What is a more formal way to describe ...?"
    assert "more formal way" in _markdown(at)
    at.button(key="lec_figure").click().run()
    assert not at.exception
    charts = _charts(at)
    assert len(charts) == 1 and charts[0]["layout"]["title"]["text"].startswith("L0H0")
    assert "dog" in charts[0]["layout"]["xaxis"]["ticktext"]
    at.sidebar.text_area(key="s").set_value("Cats chase mice").run()  # typed during the lecture
    assert _charts(at)[0]["layout"]["xaxis"]["ticktext"] == ["[CLS]", "cats", "chase", "mice", "[SEP]"]


def test_presenter_card_without_figure_gives_its_reason_and_suggestions():
    at = _run("lecture", card="19")  # AIAYN
    assert "AIAYN" in _markdown(at)
    assert any("nothing to draw: an abbreviation" in c.value for c in at.caption)
    assert not at.radio  # suggestions on request only, for the example deck
    at.toggle(key="lec_suggest").set_value(True).run()
    options = at.radio(key="lec_pick_19").options
    assert options[0] == "no figure" and len(options) == 4
    at.radio(key="lec_pick_19").set_value(at.radio(key="lec_pick_19").options[1]).run()
    at.button(key="lec_accept").click().run()
    assert len(_charts(at)) == 1  # the accepted figure is drawn at once


def test_presenter_draws_a_new_labs_figure_for_its_card():
    at = _run("lecture", card="46")  # "What is a context vector?"
    assert "What is a context vector?" in _markdown(at)
    at.button(key="lec_figure").click().run()
    charts = _charts(at)
    assert len(charts) == 1 and charts[0]["layout"]["title"]["text"] == "What the decoder receives"
    z = charts[0]["data"][0]["z"]  # a typed array in the figure JSON: compare it encoded
    assert z == json.loads(by_name("s2s.context_vector").draw(Context()).to_json())["data"][0]["z"]
    assert str(z["shape"]).replace(" ", "") == "1,64"  # the context model's final state: hidden size 64


def test_speaker_notes_screen_shows_answer_notes_and_next_card():
    at = _run("lecture", card="17", screen="speaker notes")
    assert "<li>Because unlike other architectures" in _markdown(at)
    assert "[explain this from two different angles]" in [t.value for t in at.text]
    assert any("The AIAYN paper" in c.value for c in at.caption)
    assert not _charts(at)


def test_rehearse_reveal_mark_and_progress_in_the_url():
    at = _run("rehearse", rh_seed="7")
    assert [m.value for m in at.metric] == ["0", "0", "55"]
    at.button(key="rh_reveal").click().run()
    at.button(key="rh_knew").click().run()
    marks = at.query_params["rh_marks"]
    marks = marks[0] if isinstance(marks, list) else marks
    assert len(marks) == 55 and marks.count("k") == 1 and marks.count(".") == 54
    assert [m.value for m in at.metric] == ["1", "0", "54"]
    at.button(key="rh_reveal").click().run()
    at.button(key="rh_again").click().run()
    assert [m.value for m in at.metric] == ["1", "1", "53"]


def test_rehearse_bad_progress_in_url_starts_afresh():
    at = _run("rehearse", rh_marks="kkk", rh_seed="abc")
    assert [m.value for m in at.metric] == ["0", "0", "55"]
    assert any("does not fit" in i.value for i in at.info)


def test_coverage_page_counts_the_example_deck():
    links = json.loads((ROOT / "lectures/transformers_flashcards.links.json").read_text(encoding="utf-8"))
    linked = sum(bool(c.get("views")) for c in links["cards"])
    assert len(links["cards"]) == 55 and linked == 53
    at = _run("coverage")
    chart = _charts(at)[0]
    assert chart["layout"]["title"]["text"] == f"Deck coverage: {linked} of 55 cards with a figure"
    assert sum(chart["data"][0]["x"]) == 55
