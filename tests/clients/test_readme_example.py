"""The READMEs' game server loop runs as written, against the real service: only the URL,
the key and the player (a fresh user funded like the seed's USR-001) are swapped in."""

import contextlib
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.processes import ROOT

READMES = [ROOT / "README.md", ROOT / "clients" / "python" / "README.md"]
EXAMPLE = re.compile(r"<!-- sdk-example -->\n```python\n(.*?)```", re.DOTALL)
pytestmark = pytest.mark.usefixtures("verified")


def example(readme: Path) -> str:
    found: list[str] = EXAMPLE.findall(readme.read_text())
    (code,) = found
    return code


def test_both_readmes_show_the_same_loop() -> None:
    assert example(READMES[0]) == example(READMES[1])


@pytest.mark.parametrize("readme", READMES[:1], ids=["README.md"])
def test_the_game_server_loop_runs_as_written(
    readme: Path,
    wallet_url: str,
    dev_key: str,
    make_user: Callable[..., str],
) -> None:
    player = make_user(GOLD_COINS="100", DIAMONDS="50", LOYALTY_POINTS="500")
    code = example(readme)
    for written, actual in [
        ("http://127.0.0.1:3000", wallet_url),
        ('"dev-wallet-key"', repr(dev_key)),
        ('"USR-001"', repr(player)),
    ]:
        assert written in code
        code = code.replace(written, actual)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, str(readme), "exec"), {"__name__": "readme_example"})
    assert printed.getvalue().splitlines() == [
        "sold Sword, 120.00 gold left",
        "sold Sword, 120.00 gold left",
        "not enough gold for Dragon",
        "120.00",
    ]
