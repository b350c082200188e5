"""CPU time spent by each component during a run, from /proc: what a request costs, and where.

A component is a set of processes found at the start and at the end of the run (a process
tree, or the Postgres backends serving the bench database); a process that ends within the
run takes its CPU time with it (pools keep theirs for the whole run). wrk and pgbench are
children of this process, counted through getrusage.
"""

import os
import resource
from collections.abc import Callable
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
Finder = Callable[[], list[int]]


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))):
            parents[int(entry.name)] = int(stat[1])
    tree, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # fields from the state on: the name may hold spaces


def _seconds(pid: int) -> float:
    stat = _stat(pid)
    return (int(stat[11]) + int(stat[12])) / TICK if stat else 0.0  # utime + stime


def _children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """CPU seconds per component between :meth:`start` and :meth:`stop`."""

    def __init__(self, components: dict[str, Finder]) -> None:
        self.components = components
        self._start: dict[str, dict[int, float]] = {}
        self._children = 0.0

    def start(self) -> None:
        self._start = {name: self._read(find) for name, find in self.components.items()}
        self._children = _children_seconds()

    def stop(self) -> dict[str, float]:
        spent = {"load generator": _children_seconds() - self._children}
        for name, find in self.components.items():
            before, after = self._start[name], self._read(find)
            pids = before.keys() | after.keys()
            spent[name] = sum(after.get(p, before.get(p, 0.0)) - before.get(p, 0.0) for p in pids)
        return spent

    @staticmethod
    def _read(find: Finder) -> dict[int, float]:
        return {pid: _seconds(pid) for pid in find()}
