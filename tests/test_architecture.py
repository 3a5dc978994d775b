"""The layers of the runtime package, checked: every import points down or sideways, never up,
and no modules import each other in a circle. The layers and what each may import are in the
README ("Architecture"); a wrong-way import fails here, in CI, before anyone reads it."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "boligsosial"
# Lowest first: a module may import its own layer and the layers before it.
LAYERS = ("config", "text", "warehouse", "domain", "charts", "ui", "web")
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The project modules `path` imports (boligsosial.*, etl.*, pages.*), as dotted names."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                is_module = (ROOT / Path(*candidate.split("."))).with_suffix(".py").exists() or (
                    ROOT / Path(*candidate.split("."))).is_dir()
                found.add(candidate if is_module else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] in ("boligsosial", "etl", "pages", "app")}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "boligsosial" and parts[1] in LAYERS else None


RUNTIME = sorted(PACKAGE.rglob("*.py"))
GRAPH = {_module_name(path): _imports(path) for path in RUNTIME}


def test_every_runtime_module_sits_in_a_layer():
    loose = [name for name in GRAPH if name != "boligsosial" and _layer(name) is None]
    assert loose == []


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_down(module):
    own = _layer(module)
    if own is None:
        return
    upward = [name for name in GRAPH[module]
              if name.split(".")[0] != "boligsosial" or LAYERS.index(_layer(name) or own) > LAYERS.index(own)]
    assert upward == [], f"{module} ({own}) imports {upward}"


def test_no_module_imports_itself_through_others():
    # Tarjan's strongly connected components over the runtime package's import graph.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in GRAPH.get(node, ()):
            if target not in GRAPH:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    assert cycles == []


def test_the_pipeline_and_the_app_stay_apart():
    """The app runs without the ETL's code; the ETL uses only the configuration and text layers
    (schemas, settings, the words it writes into the warehouse)."""
    app_uses_etl = [name for name, imported in GRAPH.items() if any(i.split(".")[0] == "etl" for i in imported)]
    assert app_uses_etl == []
    etl_uses = {i for path in (ROOT / "etl").rglob("*.py") for i in _imports(path) if i.startswith("boligsosial")}
    assert {_layer(name) for name in etl_uses} <= {"config", "text", "warehouse"}, sorted(etl_uses)


def test_pages_use_the_layers_not_the_server():
    """A page module builds a layout from ui, domain and below; serving it is web's job."""
    for path in sorted((ROOT / "pages").glob("*.py")):
        wrong = sorted(name for name in _imports(path) if _layer(name) == "web" or name.split(".")[0] == "app")
        assert wrong == [], f"{path.name} imports {wrong}"


@pytest.mark.parametrize("path", RUNTIME, ids=lambda p: str(p.relative_to(ROOT)))
def test_runtime_modules_stay_small(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines; split it along a seam"
