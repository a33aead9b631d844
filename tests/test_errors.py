"""One root for Chronolink's errors: every deliberate error class sits under ChronolinkError,
keeps the names it was importable under, and the tree drawn in engine/errors.py is the real one."""
from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import chronolink.engine.errors as errors
from chronolink.engine.errors import ChronolinkError

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "reports", "schemas")

# Where each error was importable from before it moved home (other branches import them there).
OLD_HOMES = {
    "chronolink.engine.store": ["StoreBusy", "StoreMissing"],
    "chronolink.engine.security": ["SecurityError", "KeyConfigError", "EncryptionUnavailable", "StoreKeyError",
                                   "StoreOpenError", "AuditDetailError", "AuditIntegrityError"],
    "chronolink.engine.ingest": ["ExtractError", "MappingFileError"],
    "chronolink.engine.ingest.readers": ["ExtractError"],
    "chronolink.engine.ingest.layouts": ["MappingFileError"],
    "chronolink.engine.rules": ["SettingsError", "InputSchemaError"],
    "chronolink.engine.flags": ["DispositionError"],
    "chronolink.engine.link.explain": ["ExplainError"],
    "chronolink.reports.report_data": ["UnknownPerson"],
    "chronolink.reports": ["ReportDataError"],
}


def test_old_import_paths_give_the_one_class():
    import importlib

    for module, names in OLD_HOMES.items():
        mod = importlib.import_module(module)
        for name in names:
            assert getattr(mod, name) is getattr(errors, name), (module, name)


def test_every_exception_class_in_the_package_is_defined_in_engine_errors():
    defined = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef) and any(
                        isinstance(b, ast.Name) and (b.id.endswith(("Error", "Exception")) or b.id in vars(errors))
                        for b in node.bases):
                    defined.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert sorted(d for d in defined if not d.startswith("engine/errors.py")) == []


def test_the_docstring_tree_is_the_class_tree():
    drawn: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in errors.__doc__.splitlines():
        m = re.match(r"^(\s*[│ ]*(?:├── |└── )?)([A-Z][A-Za-z]+)\s", line + " ")
        if not m or m.group(2) not in vars(errors):
            continue
        depth = len(m.group(1))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        drawn[m.group(2)] = stack[-1][1] if stack else "Exception"
        stack.append((depth, m.group(2)))
    classes = {n: c for n, c in vars(errors).items() if inspect.isclass(c) and issubclass(c, ChronolinkError)}
    assert set(drawn) == set(classes) == set(errors.__all__)
    for name, cls in classes.items():
        parent = next(b for b in cls.__mro__[1:] if b is ChronolinkError or issubclass(b, ChronolinkError)) \
            if cls is not ChronolinkError else Exception
        assert drawn[name] == parent.__name__, name
        assert cls.__doc__ and cls.__doc__.strip(), f"{name} says when it is raised"
