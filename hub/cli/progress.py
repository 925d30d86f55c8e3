"""Progress bars of `fyt`'s long commands: counts and the time left, on a terminal only.

A bar is shown when standard error is a terminal and ``CI`` is not set; otherwise (a pipe, a
log file, a CI job) the work reports to :data:`hub.progress.SILENT` and nothing is written.
The bar is rich's (``rich.progress``): the description, the bar, done/total and an estimate
of the time left, redrawn in place on standard error; the command's own lines go to standard
output as ever (printed above the bar when that is the same terminal).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

import click

from hub.progress import SILENT, Progress

if TYPE_CHECKING:
    import rich.progress


class Reporter(Progress, Protocol):
    """A progress reporter that also prints the command's own lines (above a bar, if any)."""

    def echo(self, message: str) -> None: ...


class _Quiet:
    """No bar: the work's progress goes nowhere, the command's lines to standard output."""

    def start(self, description: str, total: int | None) -> None:
        SILENT.start(description, total)

    def advance(self, units: int = 1) -> None:
        SILENT.advance(units)

    def echo(self, message: str) -> None:
        click.echo(message)


def interactive() -> bool:
    """Whether to draw: standard error is a terminal and this is not a CI run."""
    ci = os.environ.get("CI", "").strip().lower()
    return sys.stderr.isatty() and ci in ("", "0", "false", "no")


class _Bar:
    """Stages as tasks of one rich progress display; a new stage completes the one before."""

    def __init__(self, display: rich.progress.Progress) -> None:
        self._display = display
        self._task: rich.progress.TaskID | None = None

    def start(self, description: str, total: int | None) -> None:
        self.finish()
        self._task = self._display.add_task(description, total=total)

    def advance(self, units: int = 1) -> None:
        if self._task is not None:
            self._display.advance(self._task, units)

    def echo(self, message: str) -> None:
        if sys.stdout.isatty():  # the bar's terminal: print above the bar, not through it
            self._display.console.print(message, markup=False, highlight=False, soft_wrap=True)
        else:
            click.echo(message)

    def finish(self) -> None:
        """The current stage is over: its bar ends full at the count it reached."""
        if self._task is not None:
            done = next(t.completed for t in self._display.tasks if t.id == self._task)
            self._display.update(self._task, total=done)
            self._task = None


@contextlib.contextmanager
def terminal_progress() -> Iterator[Reporter]:
    """A progress reporter for the block: a bar on a terminal, silence anywhere else."""
    if not interactive():
        yield _Quiet()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as Display

    display = Display(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=Console(file=sys.stderr),
    )
    bar = _Bar(display)
    with display:
        yield bar
        bar.finish()
