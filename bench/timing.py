"""Whole processes timed side by side: interleaved rounds, medians, per-round ratios,
and the one results table (`what | measured | floor | ratio | target | met?`) that
every bench script prints. A benchmark never asserts a time: only an unexpected exit
code stops it (BenchError)."""

from __future__ import annotations

import gc
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

DEVNULL = subprocess.DEVNULL

Round = dict[str, float]  # command name -> wall seconds, one round


class BenchError(Exception):
    """The set-up failed or a command exited with a code it should not have."""


@dataclass
class Cmd:
    """One command of a row. `before` runs untimed before every timed run."""

    name: str
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    expect: int | None = 0
    stdin: bytes | None = None
    before: Callable[[], None] | None = None

    def run(self, capture: bool = False) -> subprocess.CompletedProcess[bytes]:
        """Once, untimed (output kept with `capture`), its exit code checked."""
        if self.before is not None:
            self.before()
        return self._spawn(capture)

    def timed(self) -> float:
        """Wall seconds from spawn to reap (the untimed `before` excluded)."""
        if self.before is not None:
            self.before()
        start = time.perf_counter()
        self._spawn(False)
        return time.perf_counter() - start

    def _spawn(self, capture: bool) -> subprocess.CompletedProcess[bytes]:
        out = subprocess.PIPE if capture else DEVNULL
        done = subprocess.run(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            input=self.stdin,
            stdin=DEVNULL if self.stdin is None else None,
            stdout=out,
            stderr=out,
        )
        if self.expect is not None and done.returncode != self.expect:
            stderr = (done.stderr or b"").decode(errors="replace")[-2000:]
            raise BenchError(
                f"{self.name}: exit {done.returncode}, expected {self.expect}\n"
                f"  argv: {self.argv}\n  cwd: {self.cwd}\n  stderr: {stderr}"
            )
        return done


def interleave(cmds: Sequence[Cmd], runs: int, warmup: int) -> list[Round]:
    """`warmup` untimed rounds, then `runs` timed ones; each round runs every command
    once, the first command rotating (A B C, B C A, ...). Every command is run once
    with its output kept first, so a wrong exit code stops the run with its stderr."""
    for cmd in cmds:
        cmd.run(capture=True)
    names = ", ".join(cmd.name for cmd in cmds)
    print(f"  timing {names}: {runs} rounds", file=sys.stderr, flush=True)
    rounds: list[Round] = []
    gc.disable()
    try:
        for r in range(warmup + runs):
            shift = r % len(cmds)
            times = {cmd.name: cmd.timed() for cmd in [*cmds[shift:], *cmds[:shift]]}
            if r >= warmup:
                rounds.append(times)
    finally:
        gc.enable()
    return rounds


def median(rounds: list[Round], value: Callable[[Round], float]) -> float:
    """The median over rounds of a value computed within each round (a ratio of two
    commands timed in the same round, a sum, a difference)."""
    return statistics.median(value(r) for r in rounds)


def ms(rounds: list[Round], *names: str) -> float:
    """The median wall milliseconds of one command, or of several summed per round."""
    return 1e3 * median(rounds, lambda r: sum(r[n] for n in names))


@dataclass(frozen=True)
class Row:
    """One line of the results table. `ratio` is measured/floor (median of the
    per-round ratios), or with `difference` the milliseconds measured - floor;
    `target` the highest ratio (or difference) wanted, None for a figure only."""

    what: str
    measured: float  # ms
    floor: float  # ms
    ratio: float
    target: float | None = None
    difference: bool = False

    def cells(self) -> list[str]:
        unit = " ms" if self.difference else "x"
        sign = "+" if self.difference else ""
        shown = f"{self.ratio:+.0f} ms" if self.difference else f"{self.ratio:.2f}x"
        target = "-" if self.target is None else f"<= {sign}{self.target:g}{unit}"
        met = "-" if self.target is None else ("yes" if self.ratio <= self.target else "NO")
        return [self.what, _ms(self.measured), _ms(self.floor), shown, target, met]


def _ms(value: float) -> str:
    if value < 10:
        return f"{value:.2f} ms"
    return f"{value:.1f} ms" if value < 100 else f"{value:,.0f} ms"


def print_rows(rows: Sequence[Row], title: str = "") -> None:
    """The results as one Markdown table, its columns padded for a terminal."""
    head = ["what", "measured", "floor", "ratio", "target", "met?"]
    numeric = (False, True, True, True, False, False)
    table = [head, *(row.cells() for row in rows)]
    widths = [max(len(cells[i]) for cells in table) for i in range(len(head))]
    rule = ["-" * (w - 1) + (":" if n else "-") for w, n in zip(widths, numeric, strict=True)]

    def line(cells: list[str]) -> str:
        fields = zip(cells, widths, numeric, strict=True)
        return "| " + " | ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in fields) + " |"

    if title:
        print(f"\n### {title}\n")
    for cells in [head, rule, *table[1:]]:
        print(line(cells))
