"""After a fault: the audit chain still extends the checkpoint taken before it, and the ledger verifies.

`checkpoint()` signs the audit chain before the fault (a file, as the operator keeps one outside the database);
`assert_books_verify()` runs `verify-audit --checkpoint <file>` and `verify-ledger` after it, as an operator would.
"""

from __future__ import annotations

from pathlib import Path


def checkpoint(runner, path: Path) -> Path:
    """`flask audit-checkpoint --out path`: the chain as it was before the fault."""
    made = runner.invoke(args=["audit-checkpoint", "--out", str(path)])
    assert made.exit_code == 0, made.output
    return path


def assert_books_verify(runner, checkpoint_file: Path) -> None:
    """`verify-audit --checkpoint` and `verify-ledger` both pass (exit 0, their success line)."""
    audit = runner.invoke(args=["verify-audit", "--checkpoint", str(checkpoint_file)])
    assert audit.exit_code == 0, audit.output
    assert audit.output.startswith("audit chain intact") and "matches 1 checkpoint file(s)" in audit.output
    ledger = runner.invoke(args=["verify-ledger"])
    assert ledger.exit_code == 0, ledger.output
    assert ledger.output.startswith("ledger ok"), ledger.output
