"""A progress reporter for long commands (synthesize, eval, export, refine).

One small object, three calls::

    progress = Progress("documents", total=None, quiet=args.quiet)
    progress.advance(accepted=2, rejected=1)   # one item done, with what it produced
    progress.close()                            # final line

On a terminal it redraws one bar line (items, accepted, rejected, rate, ETA when the total is
known). Elsewhere (a log file, CI) it writes one plain line every ``every`` items or every
``interval`` seconds, whichever comes first, so logs stay short. ``quiet`` silences it. The clock is
injectable so tests need not sleep. Progress is reporting only: nothing it does changes a run's
records.
"""
from __future__ import annotations

import sys
import time
from typing import Any, Callable, TextIO

#: seconds between redraws of the terminal bar
TTY_REDRAW = 0.1
BAR_WIDTH = 24


def _duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Progress:
    """Items done, accepted and rejected so far, with rate and ETA, on ``stream`` (stderr)."""

    def __init__(self, label: str, total: int | None = None, *, quiet: bool = False,
                 stream: TextIO | None = None, every: int | None = None, interval: float = 30.0,
                 tty: bool | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self.total = total
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        self.tty = tty if tty is not None else bool(getattr(self.stream, "isatty", lambda: False)())
        self.every = every if every is not None else max(1, (total or 1000) // 10)
        self.interval = interval
        self.clock = clock
        self.done = self.accepted = self.rejected = 0
        self._started = clock()
        self._last_time = self._started
        self._last_done = 0
        self._closed = False

    # ------------------------------------------------------------------ the interface

    def advance(self, n: int = 1, *, accepted: int = 0, rejected: int = 0) -> None:
        """``n`` more items done, which produced ``accepted`` kept and ``rejected`` dropped records."""
        self.done += n
        self.accepted += accepted
        self.rejected += rejected
        if self.quiet:
            return
        now = self.clock()
        if self.tty:
            if now - self._last_time >= TTY_REDRAW or self.done == self.total:
                self._write("\r" + self.line(now) + "\x1b[K")
                self._last_time = now
        elif self.done - self._last_done >= self.every or now - self._last_time >= self.interval:
            self._write(self.line(now) + "\n")
            self._last_time, self._last_done = now, self.done

    def close(self) -> None:
        """The final line (once)."""
        if self._closed:
            return
        self._closed = True
        if self.quiet or (self.done == 0 and not self.tty):
            return
        final = self.line(self.clock())
        self._write(("\r" + final + "\x1b[K\n") if self.tty else (final + "\n"))

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ rendering

    @property
    def rate(self) -> float:
        elapsed = self.clock() - self._started
        return self.done / elapsed if elapsed > 0 else 0.0

    def line(self, now: float | None = None) -> str:
        """``label 40/100 [=====     ] accepted 30 rejected 10 · 4.2/s · ETA 00:14``."""
        now = self.clock() if now is None else now
        elapsed = now - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        count = f"{self.done}/{self.total}" if self.total else f"{self.done}"
        head = f"{self.label} {count}"
        if self.tty and self.total:
            filled = int(BAR_WIDTH * min(1.0, self.done / self.total))
            head += " [" + "=" * filled + " " * (BAR_WIDTH - filled) + "]"
        parts = [head, f"accepted {self.accepted} rejected {self.rejected}", f"{rate:.1f}/s"]
        if self.total and rate > 0 and self.done < self.total:
            parts.append(f"ETA {_duration((self.total - self.done) / rate)}")
        else:
            parts.append(f"elapsed {_duration(elapsed)}")
        return " · ".join(parts)

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken stream never stops the work
            self.quiet = True
