"""Batch progress on stderr: a redrawn bar on a terminal, one plain line per file anywhere else.

Logs and CI capture stderr without a terminal; carriage-return redraws there turn into one unreadable
line, so the bar is only drawn when stderr is a TTY. Failure lines (``sqzdesk: PATH: reason``) are
printed by the caller in both modes; the bar is cleared first so they never interleave with it.
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import IO

from sqzdesk.batch.results import FileResult
from sqzdesk.batch.runner import BatchProgress

REDRAW_S = 0.1


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds + 0.5)
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


class TerminalProgress:
    def __init__(self, stream: IO[str] | None = None, *, tty: bool | None = None, quiet: bool = False):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.quiet = quiet
        self._last = 0.0
        self._shown = False
        self._state: BatchProgress | None = None

    def progress(self, state: BatchProgress) -> None:
        self._state = state
        if self.tty and (time.monotonic() - self._last >= REDRAW_S or state.done == state.total):
            self._draw()

    def result(self, result: FileResult) -> None:
        """A finished file: plain mode prints its line (failures are the caller's own line)."""
        if self.tty or self.quiet or result.failed or self._state is None:
            return
        how = "reused" if result.reused else f"{result.seconds:.2f} s"
        self.stream.write(f"[{self._state.done + 1}/{self._state.total}] done {result.path} ({how})\n")
        self.stream.flush()

    def clear(self) -> None:
        """Remove the bar before someone else writes a line; the next update redraws it."""
        if self.tty and self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False

    def _draw(self) -> None:
        s = self._state
        if s is None:
            return
        width = shutil.get_terminal_size((80, 20)).columns
        head = f" {s.done}/{s.total} {100 * s.fraction:3.0f}%  ETA {format_eta(s.eta_s)}"
        if s.failed:
            head += f"  {s.failed} failed"
        bar_w = max(10, min(40, width - len(head) - 30))
        filled = int(bar_w * s.fraction)
        line = f"[{'#' * filled}{'.' * (bar_w - filled)}]{head}"
        if s.current is not None:
            room = width - len(line) - 3
            name = str(s.current.name)
            if room > 5:
                line += "  " + (name if len(name) <= room else "…" + name[-(room - 1):])
        self.stream.write("\r\x1b[K" + line[:width - 1])
        self.stream.flush()
        self._shown = True
        self._last = time.monotonic()

    def finish(self) -> None:
        """Leave the final bar on its own line."""
        if not self.tty or self._state is None:
            return
        if not self._shown:
            self._draw()
        self.stream.write("\n")
        self.stream.flush()
        self._shown = False
