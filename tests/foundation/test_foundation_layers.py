"""The layers written in pyproject.toml hold (import-linter), and no import hides inside a function."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    run = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def _function_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for func in ast.walk(tree):
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(func):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_import_inside_a_function_outside_the_web_setup():
    """Deferred imports hide package cycles; only the web layer may defer (blueprints, CLI registration)."""
    files = [p for p in (ROOT / "marketplace").rglob("*.py") if "web" not in p.relative_to(ROOT).parts]
    files += list((ROOT / "pricing").rglob("*.py"))
    assert [hit for p in files for hit in _function_imports(p)] == []


def test_use_cases_never_commit():
    """Use cases flush; the web request or the CLI command commits (the gateway's meter is the R9 exception)."""
    allowed = {Path("marketplace/gateway/meter.py"), Path("marketplace/gateway/ratelimit.py"),
               Path("marketplace/gateway/group_commit.py")}  # R9 hot path
    hits = []
    for path in (ROOT / "marketplace").rglob("*.py"):
        rel = path.relative_to(ROOT)
        if "web" in rel.parts or rel in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit":
                hits.append(f"{rel}:{node.lineno}")
            if isinstance(node, ast.arg) and node.arg == "commit":
                hits.append(f"{rel}:{node.lineno} (commit parameter)")
    assert hits == []
