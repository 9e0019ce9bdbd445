"""The suite's own shape: a test module imports shared helpers from ``tests.kit`` (or gets
fixtures from a conftest), never from another test module, so each one can be read, moved or
deleted without breaking a module that borrowed from it."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _module_name(path: Path, root: Path) -> list[str]:
    """``tests/processing/test_x.py`` -> ["tests", "processing", "test_x"]."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imported(node: ast.Import | ast.ImportFrom, here: list[str], is_package: bool) -> list[list[str]]:
    """The dotted names an import statement loads, relative imports resolved against ``here``."""
    if isinstance(node, ast.Import):
        return [alias.name.split(".") for alias in node.names]
    if node.level:
        package = here if is_package else here[:-1]
        base = package[: len(package) - (node.level - 1)]
    else:
        base = []
    module = base + (node.module.split(".") if node.module else [])
    # ``from pkg import name`` may load the module pkg.name: judge both.
    return [module] + [module + [alias.name] for alias in node.names if alias.name != "*"]


def _is_test_code(name: list[str], root: Path) -> bool:
    """Whether a dotted name reaches a module of the suite other than the kit or a conftest."""
    if name and name[0] == root.name:
        inner = name[1:]
    elif name and (root / f"{name[0]}.py").exists() or name and (root / name[0]).is_dir():
        # Reachable bare only because pytest puts the tests folder on sys.path: still test code.
        inner = name
    else:
        return False
    if not inner:
        return False
    if inner[0] == "kit" and name[0] == root.name:
        return False
    if inner[-1] == "conftest":
        return False
    # A folder's (empty) __init__ holds no code to borrow; a module file does.
    return root.joinpath(*inner).with_suffix(".py").exists()


def cross_imports(root: Path) -> list[str]:
    """Every ``file:line imports module`` where a module under ``root`` imports test code."""
    found = []
    for path in sorted(root.rglob("*.py")):
        here = _module_name(path, root)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for name in _imported(node, here, path.name == "__init__.py"):
                if _is_test_code(name, root):
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno} imports {'.'.join(name)}")
                    break
    return found


def test_no_test_module_imports_another():
    assert cross_imports(TESTS) == [], "move what is shared into tests/kit/"


def test_the_check_finds_each_way_of_reaching_into_another_test_module(tmp_path):
    root = tmp_path / "tests"
    (root / "kit").mkdir(parents=True)
    (root / "kit" / "__init__.py").write_text("")
    (root / "kit" / "builders.py").write_text("")
    (root / "parsers").mkdir()
    (root / "parsers" / "__init__.py").write_text("")
    (root / "parsers" / "conftest.py").write_text("")
    (root / "parsers" / "test_a.py").write_text("def helper(): pass\n")
    (root / "helpers.py").write_text("")
    (root / "parsers" / "test_b.py").write_text(
        "import os\n"
        "from tests.kit.builders import x\n"
        "from tests.kit import builders\n"
        "from .conftest import MASTERDATA\n"
        "from tests.parsers.test_a import helper\n"
        "from .test_a import helper\n"
        "from . import test_a\n"
        "from tests import helpers\n"
        "import helpers\n"
        "def test_x():\n"
        "    from tests.parsers import test_a\n")

    assert cross_imports(root) == [
        "tests/parsers/test_b.py:5 imports tests.parsers.test_a",
        "tests/parsers/test_b.py:6 imports tests.parsers.test_a",
        "tests/parsers/test_b.py:7 imports tests.parsers.test_a",
        "tests/parsers/test_b.py:8 imports tests.helpers",
        "tests/parsers/test_b.py:9 imports helpers",
        "tests/parsers/test_b.py:11 imports tests.parsers.test_a",
    ]
