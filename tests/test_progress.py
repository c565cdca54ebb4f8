"""The progress reporter: what it prints on a terminal, in a log, and under --quiet."""
from __future__ import annotations

import io

from gem_env.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_log_mode_prints_every_n_items_with_counts_rate_and_eta() -> None:
    out, clock = io.StringIO(), Clock()
    p = Progress("documents", total=10, stream=out, tty=False, every=5, clock=clock)
    for i in range(10):
        clock.now += 0.5
        p.advance(accepted=1 if i % 2 else 0, rejected=0 if i % 2 else 1)
    p.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 3  # after 5, after 10, and the final line
    assert lines[0].startswith("documents 5/10")
    assert "accepted 2 rejected 3" in lines[0] and "2.0/s" in lines[0] and "ETA 00:02" in lines[0]
    assert "accepted 5 rejected 5" in lines[-1] and "elapsed 00:05" in lines[-1]


def test_log_mode_prints_after_the_interval_even_below_n() -> None:
    out, clock = io.StringIO(), Clock()
    p = Progress("episodes", stream=out, tty=False, every=1000, interval=30, clock=clock)
    p.advance()
    assert out.getvalue() == ""
    clock.now = 31
    p.advance()
    assert out.getvalue().startswith("episodes 2 · accepted 0 rejected 0")


def test_tty_mode_redraws_one_line_with_a_bar() -> None:
    out, clock = io.StringIO(), Clock()
    p = Progress("records", total=4, stream=out, tty=True, clock=clock)
    for _ in range(4):
        clock.now += 1
        p.advance(accepted=1)
    p.close()
    text = out.getvalue()
    assert text.count("\n") == 1 and text.startswith("\r")
    assert "[" + "=" * 24 + "]" in text and "accepted 4" in text


def test_quiet_prints_nothing_but_still_counts() -> None:
    out = io.StringIO()
    with Progress("documents", stream=out, tty=True, quiet=True) as p:
        p.advance(3, accepted=2, rejected=1)
    assert out.getvalue() == "" and (p.done, p.accepted, p.rejected) == (3, 2, 1)


def test_a_broken_stream_never_raises() -> None:
    out = io.StringIO()
    out.close()
    p = Progress("documents", stream=out, tty=False, every=1)
    p.advance()
    p.close()
    assert p.done == 1
