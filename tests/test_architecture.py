"""The apps' dependency order (docs/architecture.md) holds: import-linter's contracts in
pyproject.toml, checked over every import of every module (function-level ones included)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def lint_imports(*args: str) -> subprocess.CompletedProcess:
    root = Path(settings.BASE_DIR)
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(root)},
    )


def test_every_import_follows_the_dependency_order():
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_an_import_against_the_order_breaks_the_contract(tmp_path):
    """The check is real: catalog importing orders (one layer up) is reported."""
    root = Path(settings.BASE_DIR)
    probe = root / "catalog" / "_architecture_probe.py"
    probe.write_text("from orders import models  # noqa: F401\n")
    try:
        result = lint_imports()
    finally:
        probe.unlink()
    assert result.returncode != 0
    assert "catalog._architecture_probe -> orders.models" in result.stdout
