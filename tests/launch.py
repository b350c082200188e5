"""``make run`` as a person runs it: in a copy of the work tree (a fresh checkout: tracked and
new files, the shared .venv linked), under a pseudo-terminal, so that Ctrl-C is the
terminal's own and reaches whichever process group the terminal says is in front."""

import fcntl
import os
import pty
import re
import select
import shutil
import subprocess
import tempfile
import termios
import time
from pathlib import Path

from harness.processes import ROOT

# Variables the launcher reads; tests give them explicitly or through a .env file only.
SERVICE_VARIABLES = [
    "DATABASE_URL",
    "REDIS_URL",
    "PORT",
    "FLOWER_PORT",
    "FLOWER_BASIC_AUTH",
    "WORKER_METRICS_PORT",
    "WALLET_ENV",
    "WALLET_EMBEDDED",
    "WALLET_DATA_DIR",
    "WALLET_DEV_API_KEY",
    "LOG_FORMAT",
    "LISTEN_ADDRESS",
]
# make's venv step would reinstall the copy's requirements into the shared venv.
MAKE = ["make", "--no-print-directory", "-o", ".venv/.installed"]
MAKE_RUN = [*MAKE, "run"]
READY = "Ctrl-C stops everything."


def copy_checkout() -> Path:
    """The work tree's files as a fresh clone would have them (with uncommitted changes), in
    ``wallet/`` of a new temporary directory, beside ``tmp/`` for the processes' own files."""
    venv = (ROOT / ".venv").resolve(strict=True)  # before anything is made
    base = Path(tempfile.mkdtemp(prefix="wallet-co-"))
    try:
        _copy_tree(base / "wallet")
    except BaseException:
        shutil.rmtree(base)
        raise
    (base / "tmp").mkdir()
    (base / "wallet" / ".venv").symlink_to(venv)
    return base / "wallet"


def _copy_tree(target: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def clean_env(checkout: Path, **values: str) -> dict[str, str]:
    """The environment without the service's variables, temporary files beside the copy."""
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    return {**env, "TMPDIR": str(checkout.parent / "tmp"), **values}


class Terminal:
    """A command on a pseudo-terminal of its own (its controlling terminal)."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.popen = subprocess.Popen(
            args, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
            start_new_session=True, preexec_fn=_take_controlling_terminal,
        )  # fmt: skip
        os.close(slave)
        self.output = ""

    def wait_for(self, text: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.plain():
            if not self._read(deadline - time.monotonic()):
                raise AssertionError(f"no {text!r} within {timeout} s:\n{self.plain()[-4000:]}")
        return self.plain()

    def interrupt(self) -> None:
        os.write(self.master, b"\x03")

    def finish(self, timeout: float) -> int:
        """Read until the command exits (its exit status)."""
        deadline = time.monotonic() + timeout
        while self._read(deadline - time.monotonic()):
            pass
        return self.popen.wait(timeout=max(1.0, deadline - time.monotonic()))

    def plain(self) -> str:
        """The output without colour codes."""
        return re.sub(r"\x1b\[[0-9;]*m", "", self.output)

    def close(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, 9)
            self.popen.wait()
        os.close(self.master)

    def _read(self, seconds: float) -> bool:
        """Read what is there within ``seconds``; False at the end of output or time."""
        if seconds <= 0 or not select.select([self.master], [], [], seconds)[0]:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # the other side closed
            return False
        self.output += chunk.decode(errors="replace")
        return bool(chunk)


def _take_controlling_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def readme_curl_block(port: int = 3000) -> str:
    """The README's "Try it" commands, verbatim but for the port."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Try it", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    return block.replace("localhost:3000", f"localhost:{port}")
