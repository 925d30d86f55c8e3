"""Progress of long work (seeding, verifying, exporting, redacting, integrating): the protocol
the work reports to, and the reporter that shows nothing.

The work says what it is doing and how much there is (``start``), then how much is done
(``advance``); what is shown, and whether anything is, is the caller's (`fyt` shows a bar on a
terminal: :mod:`hub.cli.progress`).
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["SILENT", "Progress"]


class Progress(Protocol):
    def start(self, description: str, total: int | None) -> None:
        """A new stage of ``total`` units (None: not known); what follows advances it."""

    def advance(self, units: int = 1) -> None:
        """``units`` more of the current stage are done."""


class _Silent:
    def start(self, description: str, total: int | None) -> None:
        pass

    def advance(self, units: int = 1) -> None:
        pass


SILENT: Progress = _Silent()
