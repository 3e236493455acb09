"""The package's import graph points down the pipeline, and every module imports only public names.

Stages are packages with frozen boundaries (as in dlt: extract, normalize and load import ``common``, never
each other).  The layers below are the pipeline's order; a module may import its own package and any
package of a lower layer, never a higher one, and two packages of the same layer never import each other.
The rule covers every import, including ones inside functions and ``TYPE_CHECKING`` blocks.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "sql2dynamo"

# Lower number = earlier in the pipeline.  Equal numbers are siblings that must not import each other.
LAYERS: dict[str, int] = {
    "common": 0,
    "source": 1,
    "workload": 2,
    "design": 3,
    "target": 4,
    "items": 5,
    "migrate": 6,
    "verify": 7,
    "sync": 8,
    "runtime": 9,
    "cutover": 10,
    "validate": 11,
    "codegen": 11,
    "report": 12,
    "examples": 12,
    "commands": 13,
    "cli": 14,
    # Support for the tests and bench/ (the fault proxy, DynamoDB Local launchers): above everything, so that
    # nothing in the product can import it, while it may use any stage (it starts DynamoDB Local via target).
    "testing": 15,
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module (for ``from X import y``: X, or X.y when y is a submodule)
    names: tuple[str, ...]
    line: int


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


MODULES = dict(_modules())


def _imports(module: str, path: Path) -> Iterator[Import]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PACKAGE + "."):
                    yield Import(module, alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and _ours(node.module):
            for name in (a.name for a in node.names):
                sub = f"{node.module}.{name}"
                yield Import(module, sub if sub in MODULES else node.module, (name,), node.lineno)


def _ours(module: str) -> bool:
    return module == PACKAGE or module.startswith(PACKAGE + ".")


def _package(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and f"{module}" in MODULES and _is_pkg(module)) else None


def _is_pkg(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


ALL_IMPORTS = [imp for module, path in MODULES.items() for imp in _imports(module, path)]


def test_every_stage_package_has_a_layer() -> None:
    packages = {_package(m) for m in MODULES} - {None}
    assert packages == set(LAYERS), "a new package needs its place in LAYERS (and a reason in the README)"


def test_imports_point_down_the_pipeline() -> None:
    wrong = []
    for imp in ALL_IMPORTS:
        mine, theirs = _package(imp.module), _package(imp.target)
        if mine is None or theirs is None or mine == theirs:
            continue
        if LAYERS[theirs] >= LAYERS[mine]:
            wrong.append(f"{imp.module}:{imp.line} imports {imp.target} ({mine} must not depend on {theirs})")
    assert not wrong, "\n".join(wrong)


def test_no_private_names_across_modules() -> None:
    wrong = [
        f"{imp.module}:{imp.line} imports {name} from {imp.target}"
        for imp in ALL_IMPORTS
        for name in imp.names
        if imp.target != imp.module
        and (name.startswith("_") or imp.target.rsplit(".", 1)[-1].startswith("_"))
        and not name.startswith("__")
    ]
    wrong += [
        f"{m} is a private module"
        for m in MODULES
        if m.rsplit(".", 1)[-1].startswith("_") and not m.endswith("__main__")
    ]
    assert not wrong, "\n".join(wrong)


def _all_names(tree: ast.Module) -> list[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            assert isinstance(node.value, ast.List | ast.Tuple)
            return [e.value for e in node.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def test_only_package_inits_re_export() -> None:
    wrong = []
    for module, path in MODULES.items():
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        exported = set(_all_names(tree))
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
                wrong += [
                    f"{module} re-exports {a.name} from {node.module}"
                    for a in node.names
                    if (a.asname or a.name) in exported
                ]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles_between_modules() -> None:
    """Top-level imports (the ones that run at import time) form no cycle."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
                for a in node.names:
                    sub = f"{node.module}.{a.name}"
                    graph[module].add(sub if sub in MODULES else node.module)
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in MODULES or nxt == node:
                continue
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize(
    ("module", "target", "expected"),
    [
        ("sql2dynamo.design.keys", "sql2dynamo.migrate.run", "design must not depend on migrate"),
        ("sql2dynamo.items.transform", "sql2dynamo.items.values", None),
        ("sql2dynamo.runtime.reads", "sql2dynamo.cutover.shadow", "runtime must not depend on cutover"),
        ("sql2dynamo.validate.run", "sql2dynamo.codegen.spec", "validate must not depend on codegen"),
        ("sql2dynamo.migrate.run", "sql2dynamo.testing.proxy", "migrate must not depend on testing"),
        ("sql2dynamo.cli.main", "sql2dynamo.testing.dynamodb", "cli must not depend on testing"),
        ("sql2dynamo.testing.sync_world", "sql2dynamo.commands.design", None),
    ],
)
def test_the_layer_rule_itself(module: str, target: str, expected: str | None) -> None:
    """The rule the graph test applies, on hand-made edges (so a broken rule cannot pass the real graph)."""
    mine, theirs = _package(module), _package(target)
    assert mine is not None and theirs is not None
    verdict = None if mine == theirs or LAYERS[theirs] < LAYERS[mine] else f"{mine} must not depend on {theirs}"
    assert verdict == expected


def test_nothing_in_the_product_imports_testing() -> None:
    """``testing`` (support for the tests and bench/) is alone on the top layer, so the rule above keeps it out."""
    assert LAYERS["testing"] > max(n for package, n in LAYERS.items() if package != "testing")
    wrong = [
        f"{imp.module}:{imp.line} imports {imp.target}"
        for imp in ALL_IMPORTS
        if _package(imp.target) == "testing" and _package(imp.module) != "testing"
    ]
    assert not wrong, "\n".join(wrong)
