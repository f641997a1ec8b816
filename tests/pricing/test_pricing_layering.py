"""pricing is pure Python: it must not import the web, the ORM or the marketplace."""

import ast
from pathlib import Path

import pytest

PRICING_DIR = Path(__file__).resolve().parents[2] / "pricing"
FORBIDDEN = {"flask", "sqlalchemy", "sqlmodel", "marketplace"}


def imported_roots(path: Path) -> set[str]:
    """Top-level package names imported by a module (absolute imports only)."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


def test_pricing_package_has_modules():
    assert len(list(PRICING_DIR.glob("*.py"))) >= 6


@pytest.mark.parametrize("path", sorted(PRICING_DIR.glob("*.py")), ids=lambda p: p.name)
def test_module_does_not_import_app_layers(path):
    assert imported_roots(path) & FORBIDDEN == set()


def test_checker_catches_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import flask\nfrom marketplace.orders import x\n", encoding="utf-8")
    assert imported_roots(bad) & FORBIDDEN == {"flask", "marketplace"}
