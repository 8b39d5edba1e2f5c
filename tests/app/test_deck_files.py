"""ui/deck_files.py: the switched figures' files, which the browser fetches by itself."""

import os
import time

import pytest

from ui.deck_files import ORPHAN_SECONDS, DeckFiles


def test_a_file_is_written_once_and_listed_when_ready(tmp_path):
    files = DeckFiles(tmp_path, budget=10_000)
    made = []
    assert files.ready("abc1", ["figure.json", "c0.bin"]) == []
    assert files.ensure("abc1", "c0.bin", lambda: made.append(1) or b"x" * 100)
    assert not files.ensure("abc1", "c0.bin", lambda: made.append(1) or b"y")
    assert made == [1] and (tmp_path / "abc1" / "c0.bin").read_bytes() == b"x" * 100
    assert files.ready("abc1", ["figure.json", "c0.bin"]) == ["c0.bin"]
    assert [p.name for p in (tmp_path / "abc1").iterdir()] == ["c0.bin"]  # no temporary left
    assert files.nbytes() == 100


def test_past_the_budget_the_least_recently_shown_decks_go_but_never_a_fresh_one(tmp_path):
    files = DeckFiles(tmp_path, budget=250, grace=0.0)
    for name in ("a1", "b2", "c3"):
        files.ensure(name, "c0.bin", lambda: b"x" * 100)
        files.ready("a1", ["c0.bin"])  # a1 is shown again and again: it stays
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a1", "c3"] and files.nbytes() == 200
    kept = DeckFiles(tmp_path / "kept", budget=150, grace=60.0)
    for name in ("a1", "b2", "c3"):
        kept.ensure(name, "c0.bin", lambda: b"x" * 100)
    assert kept.nbytes() == 300  # shown in the last minute: a frame may still be fetching them


def test_a_deck_id_is_a_plain_name_never_a_path(tmp_path):
    files = DeckFiles(tmp_path, budget=1000)
    for bad in ("../x", "a/b", "", ".", "a.b"):
        with pytest.raises(ValueError, match="letters and digits"):
            files.ensure(bad, "c0.bin", lambda: b"")


def test_folders_left_by_an_ended_process_are_swept_after_a_day(tmp_path):
    old, new = tmp_path / "old1", tmp_path / "new1"
    for folder in (old, new):
        folder.mkdir()
        (folder / "c0.bin").write_bytes(b"x")
    day_ago = time.time() - ORPHAN_SECONDS - 10
    for path in (old / "c0.bin", old):  # written a day ago
        os.utime(path, (day_ago, day_ago))
    DeckFiles(tmp_path, budget=1000).sweep_orphans()
    assert [p.name for p in tmp_path.iterdir()] == ["new1"]


def test_an_earlier_version_of_the_component_is_swept_with_its_decks(tmp_path, monkeypatch):
    from ui import switch

    monkeypatch.setenv("ATTENTION_LAB_CACHE", str(tmp_path))
    old = tmp_path / "web" / "switch-000000000000"
    (old / "decks" / "abc1").mkdir(parents=True)
    day_ago = time.time() - ORPHAN_SECONDS - 10
    for p in (old, old / "decks"):
        os.utime(p, (day_ago, day_ago))
    folder = switch._web_folder()
    assert folder.is_dir() and (folder / "plotly.min.js.gz").stat().st_size > 1_000_000
    assert not old.exists()


def test_the_served_page_names_the_plotly_version_it_shares_with_later_frames(tmp_path, monkeypatch):
    """The frame keeps plotly.js's text with the page, keyed by this version: a page that outlived
    a server restart with a newer plotly must not run the old text."""
    import plotly

    from ui import switch

    monkeypatch.setenv("ATTENTION_LAB_CACHE", str(tmp_path))
    page = (switch._web_folder() / "index.html").read_text()
    assert f'PLOTLY_VERSION = "{plotly.__version__}"' in page
    assert "__PLOTLY_VERSION__" not in page
