"""The package installs as one namespace, `chronolink`, over the folders the project is known by."""
from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGE_FOLDERS = {"engine": "chronolink.engine", "schemas": "chronolink.schemas", "reports": "chronolink.reports"}


def _declared() -> set[str]:
    return set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])


def test_every_package_folder_is_installed_under_chronolink():
    found = {"chronolink"}
    for folder, name in STAGE_FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((name, *rel)))
    assert found == _declared()


def test_no_module_imports_a_bare_stage_package():
    """`import engine` would load a second copy of a module beside `chronolink.engine`."""
    offenders = []
    for folder in (*STAGE_FOLDERS, "tests", "bench", "sample_data", "chronolink"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
                offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in STAGE_FOLDERS]
    assert offenders == []


def test_version_and_help_start_quickly():
    out = subprocess.run([sys.executable, "-m", "chronolink", "--version"], capture_output=True, text=True,
                         timeout=60, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.startswith("chronolink ")
