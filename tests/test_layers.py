"""The layers of docs/architecture.md hold: `lint-imports` keeps the contracts in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_import_goes_down_the_layers() -> None:
    # given the contracts of pyproject.toml ([tool.importlinter])
    command = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    # when import-linter checks the packages
    result = subprocess.run(
        [command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    # then every contract is kept (the output names the import that breaks one)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout
