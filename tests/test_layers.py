"""The package's layers point one way (README: Layout). Every import counts, inside functions too, and importing
`a.b.c` counts as importing the packages `a.b` and `a` as well (Python runs their __init__ first)."""

from __future__ import annotations

import ast
from pathlib import Path

import scriptagent

PACKAGE = Path(scriptagent.__file__).parent

# Lowest first: a module imports only from its own layer or the layers before it.
LAYERS = {
    "infrastructure": ["errors", "files", "yamlio", "registry", "devices", "layout", "cache", "media", "mp4",
                       "integrity", "bounded_reply", "lm", "fountain"],
    "schema": ["schema"],
    "plan": ["plan", "timing", "editorial", "exports"],
    # the agents use only the agents before them: the director times shots by the voice, the critic reads the
    # director's prompts, training runs the scripter and the critic's rubrics
    "agents": ["voice", "scripter", "director", "critic", "training"],
    "task graph": ["report", "actions", "warm", "executor", "doit_state", "doit_workers", "reporter", "doit_command", "tasks", "status",
                   "season"],
    "command line": ["scaffold", "bench", "cli"],
}
RANK = {name: (layer, place) for layer, names in enumerate(LAYERS.values()) for place, name in enumerate(names)}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imported(module: str, path: Path) -> set[str]:
    """The package's modules `module` imports anywhere in its code, with the packages above each."""
    here = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(here[:len(here) - node.level + 1] + ([node.module] if node.module else [])) \
                if node.level else node.module
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            for end in range(2, len(parts) + 1):  # scriptagent.x.y imports scriptagent.x first
                candidate = ".".join(parts[:end])
                if candidate in MODULES and candidate != module:
                    found.add(candidate)
    return found


GRAPH = {module: imported(module, path) for module, path in MODULES.items()}


def unit(module: str) -> str:
    """The top-level name under scriptagent a module belongs to (scriptagent.director.prompts -> director)."""
    return module.split(".")[1] if module.count(".") else ""


def test_every_module_has_a_layer():
    units = {unit(module) for module in MODULES} - {""}
    assert units - set(RANK) == set(), "add new modules to LAYERS (and to the README's picture)"
    assert set(RANK) - units == set(), "LAYERS names a module that no longer exists"


def test_no_module_imports_a_layer_above_it():
    upward = sorted(f"{module} imports {target}" for module, targets in GRAPH.items() for target in targets
                    if unit(module) and unit(target) and unit(module) != unit(target)
                    and RANK[unit(target)] > RANK[unit(module)])
    assert upward == []


def test_no_import_cycles():
    order, state = [], {}

    def visit(module: str, trail: list[str]) -> None:
        if state.get(module) == "done":
            return
        if state.get(module) == "open":
            cycle = trail[trail.index(module):] + [module]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        state[module] = "open"
        for target in sorted(GRAPH[module]):
            # a package's own __init__ importing its submodules is how packages work, not a cycle
            if not target.startswith(module + "."):
                visit(target, trail + [module])
        state[module] = "done"
        order.append(module)

    for module in sorted(GRAPH):
        visit(module, [])
    assert len(order) == len(GRAPH)


def test_the_checker_sees_imports_inside_functions(tmp_path):
    """The rules above would pass vacuously if nested imports were missed: they are not."""
    assert "scriptagent.schema" in GRAPH["scriptagent.tasks"]
    nested = {target for node in ast.walk(ast.parse((PACKAGE / "tasks.py").read_text(encoding="utf-8")))
              if isinstance(node, ast.FunctionDef)
              for inner in ast.walk(node) if isinstance(inner, ast.ImportFrom) and inner.level == 1
              for target in [f"scriptagent.{inner.module}"] if target in MODULES}
    assert nested and nested <= GRAPH["scriptagent.tasks"]


def test_no_source_file_is_a_god_file():
    lines = {module: len(path.read_text(encoding="utf-8").splitlines()) for module, path in MODULES.items()}
    assert {module: count for module, count in lines.items() if count > 400} == {}
