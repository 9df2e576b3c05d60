"""The layers hold: pages → domain → models, HTTP apart in web/, tooling in tools/, and no import cycles."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE_THE_DOMAIN = ("streamlit", "starlette", "uvicorn", "web", "ui", "pages", "tools", "app")
# The command line is an entry point like app.py: it may start the HTTP face and the tooling.
ENTRY_POINTS = {"onboarding/__main__.py": ("web", "tools", "uvicorn")}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Every module named by an import anywhere in the file (inside functions too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def test_the_domain_imports_neither_streamlit_nor_http_nor_tooling():
    offences = []
    for path in _python_files("onboarding"):
        relative = path.relative_to(ROOT).as_posix()
        allowed = ENTRY_POINTS.get(relative, ())
        for name in _imports(path):
            if _top(name) in OUTSIDE_THE_DOMAIN and _top(name) not in allowed:
                offences.append(f"{relative} imports {name}")
    assert not offences, "\n".join(offences)


def test_models_import_nothing_above_them():
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _python_files("models")
        for name in _imports(path)
        if _top(name) in ("onboarding", *OUTSIDE_THE_DOMAIN)
    ]
    assert not offences, "\n".join(offences)


def test_http_routes_do_not_import_the_ui():
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _python_files("web")
        for name in _imports(path)
        if _top(name) in ("streamlit", "ui", "pages", "tools", "app")
    ]
    assert not offences, "\n".join(offences)


def test_page_helpers_do_not_import_pages():
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _python_files("ui")
        for name in _imports(path)
        if _top(name) in ("pages", "web", "app")
    ]
    assert not offences, "\n".join(offences)


def test_the_pages_folder_holds_only_pages_the_navigation_names():
    entry = (ROOT / "app.py").read_text(encoding="utf-8")
    scripts = {path.name for path in (ROOT / "pages").glob("*.py") if path.name != "__init__.py"}
    assert scripts, "no pages found"
    unnamed = sorted(name for name in scripts if f'"pages/{name}"' not in entry)
    assert not unnamed, f"pages/ holds files app.py never names as a page: {unnamed}"


def _domain_graph() -> dict[str, set[str]]:
    modules = {_module_name(path): path for path in _python_files("onboarding")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(path):
            # "from onboarding.process import checklist" names the module onboarding.process.checklist
            if imported in modules and imported != name and modules[imported].name != "__init__.py":
                targets.add(imported)
        graph[name] = targets
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_domain_has_no_import_cycles():
    cycle = _cycle(_domain_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
    ],
)
def test_the_cycle_finder_finds_cycles(graph, expected):
    assert _cycle(graph) == expected


def test_the_cycle_finder_reads_imports_inside_functions(tmp_path):
    source = tmp_path / "module.py"
    source.write_text("def f():\n    from onboarding.process import checklist\n", encoding="utf-8")
    assert "onboarding.process.checklist" in _imports(source)
