"""The package's shape, enforced: the layer order and the independence of each standard's
packages (import-linter contracts in pyproject.toml), no import circles, and no module reaching
into another package's private names."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ordergate"


def test_the_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    assert lint.exists(), f"import-linter is not installed beside {sys.executable}"
    run = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "BROKEN" not in run.stdout and run.stdout.count(" KEPT") >= 5, run.stdout


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rsplit(".", 1)[0]


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_reaches(package_root: Path) -> list[str]:
    """``file:line name`` for every private name of an ordergate module used outside the
    package that defines it: ``from ordergate.a.b import _x`` or ``b._x`` on an imported module."""
    found = []
    for path in sorted(package_root.rglob("*.py")):
        here = _package_of(_module_of(path), path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        modules: dict[str, str] = {}  # local name -> the ordergate module it is bound to
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ordergate"):
                for alias in node.names:
                    target = f"{node.module}.{alias.name}"
                    if (ROOT / Path(*target.split("."))).with_suffix(".py").exists() or \
                            (ROOT / Path(*target.split("."))).is_dir():
                        modules[alias.asname or alias.name] = target
                    elif _private(alias.name) and not _inside(here, _owner(node.module)):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} {target}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("ordergate") and alias.asname:
                        modules[alias.asname] = alias.name
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _private(node.attr) and \
                    isinstance(node.value, ast.Name) and node.value.id in modules:
                owner = modules[node.value.id]
                if not _inside(here, owner.rsplit(".", 1)[0] if not (
                        ROOT / Path(*owner.split("."))).is_dir() else owner):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {owner}.{node.attr}")
    return found


def _owner(module: str) -> str:
    """The package whose private names ``module``'s are: itself when it is a package, else
    the package it is in."""
    path = ROOT / Path(*module.split("."))
    return module if path.is_dir() else module.rsplit(".", 1)[0]


def _inside(package: str, module_package: str) -> bool:
    """Whether code in ``package`` may use the private names of ``module_package``'s modules:
    its own package and the packages inside it."""
    return package == module_package or package.startswith(module_package + ".")


def test_no_module_reaches_into_another_packages_private_names() -> None:
    assert private_reaches(PACKAGE) == []


def test_the_private_name_check_finds_a_reach(tmp_path: Path, monkeypatch) -> None:
    fake = tmp_path / "ordergate"
    (fake / "parsers").mkdir(parents=True)
    (fake / "processing").mkdir()
    for folder in (fake, fake / "parsers", fake / "processing"):
        (folder / "__init__.py").write_text("")
    (fake / "parsers" / "sniff.py").write_text("def _zip_kind(content):\n    return 'zip'\n")
    (fake / "processing" / "ingest.py").write_text(
        "from ordergate.parsers import sniff\nfrom ordergate.parsers.sniff import _zip_kind\n"
        "kind = sniff._zip_kind(b'')\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert private_reaches(fake) == [
        "ordergate/processing/ingest.py:2 ordergate.parsers.sniff._zip_kind",
        "ordergate/processing/ingest.py:3 ordergate.parsers.sniff._zip_kind"]


def test_a_private_name_used_within_its_own_package_is_no_reach(tmp_path, monkeypatch) -> None:
    fake = tmp_path / "ordergate"
    (fake / "billing").mkdir(parents=True)
    for folder in (fake, fake / "billing"):
        (folder / "__init__.py").write_text("")
    (fake / "billing" / "invoicing.py").write_text("def _seller():\n    return 1\n")
    (fake / "billing" / "returns.py").write_text("from ordergate.billing.invoicing import _seller\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert private_reaches(fake) == []
