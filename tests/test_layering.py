"""The layering the README promises, read from the source with `ast` (nothing is imported):
`tools/` imports nothing of ours, `agents/` and `simulators/` import only `tools/`, and no two
modules import each other, directly or round a longer loop (imports inside functions count; those
under ``if TYPE_CHECKING:`` do not, they never run)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"gem_env": ROOT / "gem_env", "gem_env.tools": ROOT / "tools", "gem_env.agents": ROOT / "agents",
            "gem_env.simulators": ROOT / "simulators"}


def modules() -> dict[str, Path]:
    """Module name -> file, for every module of ours (the mapped packages in their real place)."""
    out: dict[str, Path] = {}
    for prefix, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            rel = path.relative_to(folder).with_suffix("").parts
            if prefix == "gem_env" and rel[0] in ("tools", "agents", "simulators"):
                continue
            parts = rel[:-1] if rel[-1] == "__init__" else rel
            out[".".join((prefix, *parts))] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Our modules that `name` imports when it runs."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)  # `from pkg import module`
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in found if m in known and m != name}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports(name, path, set(mods)) for name, path in mods.items()}


def _offenders(graph: dict[str, set[str]], layer: str, allowed: tuple[str, ...]) -> list[str]:
    return sorted(f"{m} -> {d}" for m, deps in graph.items() if m == layer or m.startswith(layer + ".")
                  for d in deps if not any(d == a or d.startswith(a + ".") for a in allowed))


def test_the_module_walk_sees_the_packages(graph: dict[str, set[str]]) -> None:
    assert {"gem_env.tools.compiler", "gem_env.agents.llm_agent", "gem_env.pipeline"} <= set(graph)
    assert "gem_env.tools.compiler" in graph["gem_env.tools"]  # relative imports resolve
    assert "gem_env.pipeline" in graph["gem_env.engines.local"]


def test_tools_import_nothing_of_ours(graph: dict[str, set[str]]) -> None:
    assert _offenders(graph, "gem_env.tools", ("gem_env.tools",)) == []


@pytest.mark.parametrize("layer", ["gem_env.agents", "gem_env.simulators"])
def test_agents_and_simulators_import_only_tools(graph: dict[str, set[str]], layer: str) -> None:
    assert _offenders(graph, layer, (layer, "gem_env.tools")) == []


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, ignoring a package's own ``__init__`` re-exporting its modules."""
    def edges(m: str) -> set[str]:
        return {d for d in graph[m] if not m.startswith(d + ".")}  # a module importing its own package

    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for d in sorted(edges(m)):
            if state.get(d) == 1:
                return stack[stack.index(d):] + [d]
            if d not in state and (found := visit(d)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_no_import_cycles(graph: dict[str, set[str]]) -> None:
    cycle = _cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"p": {"p.x"}, "p.x": {"p"}}) is None  # a package and its own module
