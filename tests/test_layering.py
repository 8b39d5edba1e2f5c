"""The architecture's one rule, enforced: core/ and viz/ know nothing of Streamlit, viz/ runs no model."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imports(path: Path) -> set[str]:
    """Every module imported, plus 'pkg.name' for each `from pkg import name`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", files("core") + files("viz"), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_and_viz_never_import_streamlit(path):
    assert not {m for m in imports(path) if m.split(".")[0] == "streamlit"}, path


@pytest.mark.parametrize("path", files("viz"), ids=lambda p: str(p.relative_to(ROOT)))
def test_viz_never_loads_or_runs_a_model(path):
    forbidden = {"transformers", "core.models", "core.hf", "core.twin", "core.model", "core.toy_task",
                 "core.load_model", "core.Transformer", "core.capture.capture", "core.Model"}
    assert not {m for m in imports(path) if m in forbidden or m.split(".")[0] == "transformers"}, path


def test_the_layering_check_sees_an_import():
    assert "streamlit" in imports(ROOT / "ui" / "frame.py")
