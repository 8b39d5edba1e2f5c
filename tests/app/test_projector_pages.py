"""AppTest: in presentation mode the intro is folded so the figure comes first (issue 10, item 10)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PAGES = Path(__file__).resolve().parents[2] / "pages"


@pytest.mark.parametrize("page", ["head", "overview", "lines"])
def test_intro_is_folded_in_presentation_mode(page):
    normal = AppTest.from_file(str(PAGES / f"{page}.py"), default_timeout=180).run()
    present = AppTest.from_file(str(PAGES / f"{page}.py"), default_timeout=180)
    present.query_params["present"] = "1"
    present.run()
    assert not normal.exception and not present.exception
    assert not any(e.label == "About this page" for e in normal.expander)
    folded = [e for e in present.expander if e.label == "About this page"]
    assert len(folded) == 1 and folded[0].markdown
