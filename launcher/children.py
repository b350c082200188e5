"""The processes make run starts, and the supervisor that watches and stops them.

Each child runs in a session of its own, so the terminal's Ctrl-C reaches the launcher
alone, which then stops the children in order (the service first, then the servers it
uses). A child that exits on its own stops the run. Children get SIGTERM if the launcher
dies, even by SIGKILL, so nothing outlives it.
"""

import contextlib
import ctypes
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from pwd import struct_passwd

PR_SET_PDEATHSIG = 1
STOP_SECONDS = 40  # more than the API server's graceful stop (35 s)


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM: stop everything and exit 0."""


class StartError(Exception):
    """Something the user must fix, said in one plain paragraph."""


class ChildExited(StartError):
    def __init__(self, child: "Child", code: int) -> None:
        how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
        where = f"; its log: {child.log_path}" if child.log_path else ""
        super().__init__(f"{child.name} {how}{where}. Stopping everything.")
        self.child = child


def _die_with_parent() -> None:
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    args: list[str]
    env: dict[str, str] | None = None
    log_path: Path | None = None  # None: the terminal
    user: struct_passwd | None = None
    stop_signal: int = signal.SIGTERM
    popen: "subprocess.Popen[bytes] | None" = None

    def start(self) -> None:
        output = self.log_path.open("ab") if self.log_path else None
        self.popen = subprocess.Popen(
            self.args,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # safe: the launcher starts no threads
            user=self.user.pw_uid if self.user else None,
            group=self.user.pw_gid if self.user else None,
            extra_groups=[] if self.user else None,
        )
        if output:
            output.close()

    def exit_code(self) -> int | None:
        return self.popen.poll() if self.popen else None

    def send(self, sig: int) -> None:
        if self.popen and self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)


class Supervisor:
    """Children in start order; the servers (Postgres, Redis) stop after the service."""

    def __init__(self) -> None:
        self.servers: list[Child] = []
        self.service: list[Child] = []

    def start(self, child: Child, *, server: bool = False) -> Child:
        (self.servers if server else self.service).append(child)
        child.start()
        return child

    def check(self) -> None:
        for child in self.servers + self.service:
            code = child.exit_code()
            if code is not None:
                raise ChildExited(child, code)

    def wait_for(self, condition: Callable[[], bool], *, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            self.check()
            if time.monotonic() > deadline:
                raise StartError(f"{what} did not happen within {seconds:.0f} s.")
            time.sleep(0.2)

    def watch(self) -> None:
        while True:
            self.check()
            time.sleep(0.5)

    def stop(self) -> None:
        for group in (self.service, self.servers):
            _stop_all(group)


def _stop_all(children: list[Child]) -> None:
    """Ask each child to stop, wait for all; a second Ctrl-C kills what is left."""
    for child in children:
        child.send(child.stop_signal)
    deadline = time.monotonic() + STOP_SECONDS
    try:
        while any(c.exit_code() is None for c in children) and time.monotonic() < deadline:
            time.sleep(0.1)
    except Interrupted:
        pass
    for child in children:
        child.send(signal.SIGKILL)
        if child.popen:
            child.popen.wait()


def take_terminal() -> Callable[[], None]:
    """Become the terminal's foreground process group (when run in the foreground of one), so
    that Ctrl-C reaches this process only: not make, which would report an error, nor the
    children, which stop in order when told. Returns the function that gives it back."""
    try:
        tty = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        return lambda: None
    previous = os.tcgetpgrp(tty)
    if previous != os.getpgrp():
        os.close(tty)
        return lambda: None
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    os.setpgid(0, 0)
    os.tcsetpgrp(tty, os.getpgrp())

    def give_back() -> None:
        with contextlib.suppress(OSError):
            os.tcsetpgrp(tty, previous)
        os.close(tty)

    return give_back
