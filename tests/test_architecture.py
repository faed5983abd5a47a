"""The house rules of docs/architecture.md, checked on every `make test`: layers, no cycle, no hidden imports."""

import ast
import subprocess
import sys
from pathlib import Path

import grimp

import shopmail

PACKAGE = Path(shopmail.__file__).parent
ROOT = PACKAGE.parent.parent  # the repository (src layout), where pyproject.toml is


def test_the_layers_contract_holds():
    """import-linter's layers contract in pyproject.toml: imports only point down; panel and cli apart."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_import_graph_has_no_cycle():
    """No module reaches itself again through its imports (package ``__init__`` files included)."""
    graph = grimp.build_graph("shopmail", cache_dir=None)
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if chain:
                cycles.append(" -> ".join((module, *chain)))
    assert not cycles, "\n".join(cycles)


def test_imports_inside_functions_are_only_for_optional_packages():
    """An import inside a function hides a dependency from readers and tools: only an optional package
    (an extra) may be imported late, and the line above says so (``# optional: …``)."""
    hidden = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)) and \
                            not lines[inner.lineno - 2].strip().startswith("# optional:"):
                        hidden.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert not hidden, hidden
