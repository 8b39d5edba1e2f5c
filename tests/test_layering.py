"""The architecture's rules, enforced: core/ and viz/ know nothing of Streamlit, viz/ runs no
model, the engine (core/*.py) and the HF adapter (core/hf/) never import the labs (core/labs/),
and no module of core/ imports itself back through a cycle."""

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
    forbidden_prefixes = ("transformers", "core.load", "core.hf", "core.model", "core.labs.toy_task",
                          "core.labs.order", "core.labs.training_dynamics")
    forbidden = {"core.load_model", "core.Transformer", "core.capture.capture", "core.Model"}
    found = {m for m in imports(path)
             if m in forbidden or any(m == p or m.startswith(p + ".") for p in forbidden_prefixes)}
    assert not found, path


ENGINE = sorted((ROOT / "core").glob("*.py")) + files("core/hf")


@pytest.mark.parametrize("path", ENGINE, ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_and_adapter_never_import_the_labs(path):
    assert not {m for m in imports(path) if m == "core.labs" or m.startswith("core.labs.")}, path


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top_level_imports(path: Path) -> set[str]:
    """Modules of core/ imported at module level (function-local imports break no import cycle)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    modules = {module_name(p) for p in files("core")}
    return {m for m in found if m in modules} - {"core"}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of `graph` (module -> modules it imports), as a path, or None."""
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*trail, node, nxt]
            if nxt not in state and (cycle := visit(nxt, [*trail, node])):
                return cycle
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node, [])):
            return cycle
    return None


def test_core_has_no_import_cycle():
    graph = {module_name(p): top_level_imports(p) for p in files("core")}
    assert graph["core.labs.positional_scorecard"] >= {"core.positional"}  # the graph sees imports
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_the_cycle_check_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
