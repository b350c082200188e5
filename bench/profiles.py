"""py-spy profiles of the API and the worker under load, summarised as their top frames.

Samples are taken without pausing the processes (``--nonblocking``) and only while a thread
runs (idle threads are not sampled), so shares are shares of the CPU each process group used.
A stack under two ``process`` frames ran in a child (a gunicorn worker, a Celery pool process).
Self time names the leaf frames (where the process was); inclusive time is given for the
project's own frames (what each of its steps costs, libraries included), or, for a process
that runs none (Celery's main process), for the frames below the ever-present ones.
"""

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

PY_SPY = Path(sys.executable).parent / "py-spy"
OWN_CODE = ("(ledger/", "(worker/", "(producer_api/")


def start(pid: int, seconds: int, out: Path) -> subprocess.Popen[bytes] | None:
    """Sample ``pid`` and its children for ``seconds`` into ``out`` (py-spy raw format)."""
    spy = str(PY_SPY) if PY_SPY.exists() else shutil.which("py-spy")
    if spy is None:
        return None
    args = [spy, "record", "-p", str(pid), "--subprocesses", "--nonblocking", "-F", "-r", "100"]
    args += ["-f", "raw", "-d", str(seconds), "-o", str(out)]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarize(name: str, raw: Path, top: int = 10) -> str:
    """The top frames by self time and by inclusive time, per process role."""
    if not raw.exists():
        return f"{name}: no profile (py-spy missing or failed)\n"
    roles: dict[str, tuple[Counter[str], Counter[str]]] = {}
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        processes = stack.count("process ")
        frames = [f for f in stack.split(";") if f and not f.startswith(("process ", '"'))]
        own, inclusive = roles.setdefault(
            "pool" if processes > 1 else "main", (Counter(), Counter())
        )
        own[frames[-1] if frames else "?"] += int(count)
        own_code = {f for f in frames if any(package in f for package in OWN_CODE)}
        for frame in own_code or {f"~{f}" for f in frames}:
            inclusive[frame] += int(count)
    return "".join(
        _role(name, role, *counters, top)
        for role, counters in sorted(roles.items())
        if sum(counters[0].values()) >= 10
    )


def _role(name: str, role: str, leaves: Counter[str], inclusive: Counter[str], top: int) -> str:
    total = sum(leaves.values())
    lines = [f"{name} {role} process(es): {total} samples"]
    lines += ["  self:"] + [f"    {n * 100 / total:5.1f}%  {f}" for f, n in leaves.most_common(top)]
    own = [(f, n) for f, n in inclusive.items() if not f.startswith("~")]
    below = [(f[1:], n) for f, n in inclusive.items() if f.startswith("~") and n < 0.9 * total]
    ranked = sorted(own or below, key=lambda item: -item[1])[:top]
    lines += ["  inclusive" + (" (own code):" if own else ":")]
    lines += [f"    {n * 100 / total:5.1f}%  {f}" for f, n in ranked]
    return "\n".join(lines) + "\n"
