"""`fyt serve` with audit writes replaced by a no-op — a measurement harness for
bench/profile_load.py --without-audit only (the hub itself cannot run without its audit log)."""

from __future__ import annotations

import sys
from typing import Any

from hub.audit.integrator import Integrator
from hub.audit.writer import AuditLog
from hub.cli import main


async def _skip(self: AuditLog, rows: list[dict[str, Any]], **_: Any) -> None:
    return None  # (batches=, also=: the writes that share the audit transaction are skipped too)


async def _idle(self: Integrator) -> None:
    return None  # no entries to integrate


AuditLog.append = _skip  # type: ignore[method-assign]
Integrator.tick = _idle  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
