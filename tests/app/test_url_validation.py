"""Issue 11 item 5: crafted or mistyped URL values and typed numbers never crash a page.

Each bad value is replaced by the widget's default, and a warning names the parameter, shows the
link's text as plain text (escaped) and says what was used instead."""

from pathlib import Path

import pytest
from chart_data import charts, decode
from streamlit.testing.v1 import AppTest

PAGES = Path(__file__).resolve().parents[2] / "pages"


def run(page: str, **query) -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{page}.py"), default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("bad", ["inf", "-inf", "nan", "1e400", "2.5", "seven"])
def test_bad_numbers_in_the_url_fall_back_to_the_default_with_a_warning(bad):
    at = run("softmax_jacobian", dk=bad, temp=bad)  # base commit: OverflowError for inf and 1e400
    from ui.state import escape_markdown

    assert at.slider(key="dk").value == 64
    assert at.slider(key="temp").value == (2.5 if bad == "2.5" else 1.0)
    texts = [w.value for w in at.warning]
    dk = next(t for t in texts if "**dk**" in t)
    assert "whole number from 4 to 512 in steps of 4" in dk and "using **64** instead" in dk
    assert escape_markdown(bad) in dk
    if bad != "2.5":  # 2.5 is a fine temperature
        assert any("**temp**" in t and "using **1\\.0** instead" in t for t in texts)
    # the URL is corrected, so the next bookmark is clean
    assert at.query_params["dk"] in ("64", ["64"])


def test_unknown_choices_and_bad_booleans_are_named():
    at = run("attention_cost", d="1e400", maxn="inf", present="maybe")
    assert at.selectbox(key="d").value == 256 and at.selectbox(key="maxn").value == 512
    assert at.toggle(key="present").value is False
    texts = " ".join(w.value for w in at.warning)
    assert "**d**" in texts and "**maxn**" in texts and "**present**" in texts
    assert "not one of the choices (64, 128, 256, 512)" in texts


def test_link_text_in_a_warning_is_escaped_not_rendered():
    payload = "[click](https://evil.example/x) ![i](https://evil.example/i.png) <b>hi</b>"
    at = run("softmax_jacobian", nkeys=payload)
    warning = next(w.value for w in at.warning if "**nkeys**" in w.value)
    assert "](" not in warning and "<b>" not in warning and "https://" not in warning
    assert "\\[click\\]\\(https\\:" in warning


def test_a_url_text_longer_than_its_box_is_cut_with_a_warning():
    at = run("softmax_jacobian", s="word " * 5000)
    assert len(at.text_area(key="s").value) == 20000
    assert any("**s**" in w.value and "longer than 20,000 characters" in w.value for w in at.warning)


def test_parse_numbers():
    from ui.state import parse_numbers

    values, problem = parse_numbers("2, 1; 0.1 , -1", 2, 16)
    assert problem == "" and values.tolist() == [2.0, 1.0, 0.1, -1.0]
    for text in ("1, inf", "1e400, 2", "nan, 1", "1, two"):
        values, problem = parse_numbers(text, 2, 16)
        assert values.size == 0 and "not a finite number" in problem
    assert parse_numbers("1", 2, 16)[1] == "1 numbers typed"


@pytest.mark.parametrize("temp", ["1", "0.1"])
def test_huge_logits_give_a_one_hot_softmax_and_a_message(temp):
    at = run("softmax_jacobian", logits="1e308, -1e308", temp=temp)
    specs = charts(at)
    probs = decode(specs[0]["data"][0]["y"])
    assert probs.tolist() == [1.0, 0.0]
    assert any("1 of the 2 probabilities are exactly 0" in i.value for i in at.info)


def test_typed_overflowing_logits_are_named_in_the_warning():
    at = run("softmax_jacobian")
    at.text_input(key="logits").set_value("1, 1e400, 2").run()
    assert not at.exception
    assert any("“1e400” is not a finite number" in w.value for w in at.warning)
    assert len(decode(charts(at)[0]["data"][0]["y"])) == 4  # the default logits are shown
