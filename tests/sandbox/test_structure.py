"""The sandbox reads as one room: its modules import one another at the top only, in one
direction (no circle), and only by public names."""

import ast
from pathlib import Path

import mastwidgets.sandbox

FOLDER = Path(mastwidgets.sandbox.__file__).parent


def _sibling_imports(path: Path):
    """(imported module, names, at the top?) of each ``from .x import ...`` in ``path``."""
    tree = ast.parse(path.read_text())
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            module = node.module or ""
            names = [alias.name for alias in node.names]
            yield module, names, id(node) in top


def test_the_sandbox_modules_import_each_other_in_one_direction_by_public_names():
    graph = {}
    for path in FOLDER.glob("*.py"):
        if path.stem in ("__init__", "pytest_plugin"):
            continue
        edges = set()
        for module, names, at_top in _sibling_imports(path):
            typing_only = module == "synthetic" and path.stem == "catalogue"  # TYPE_CHECKING
            assert at_top or typing_only, f"{path.name} imports .{module} inside a function"
            private = [n for n in names if n.startswith("_")]
            assert not private, f"{path.name} imports private {private} from .{module}"
            if module and not typing_only:
                edges.add(module.split(".")[0])
        graph[path.stem] = edges

    seen, done = set(), set()

    def visit(name, trail):
        assert name not in seen - done, f"import circle: {' -> '.join([*trail, name])}"
        if name in done:
            return
        seen.add(name)
        for nxt in graph.get(name, ()):
            visit(nxt, [*trail, name])
        done.add(name)

    for name in graph:
        visit(name, [])
    # the catalogue is built from its sources, which build rows and know nothing of it
    for source in ("curated", "recorded", "asserted", "synthetic", "rows"):
        assert "catalogue" not in graph[source], source
    assert {"curated", "recorded", "asserted", "rows"} <= graph["catalogue"]
