"""Database connections give up a silent peer (a partition: packets dropped, no reset) within
DEAD_PEER_SECONDS, at both ends: libpq's keepalives and TCP_USER_TIMEOUT for the client, the
same for the server's side of the session through its startup options."""

import pytest

from infra.db import dead_peer_options


@pytest.mark.parametrize(
    ("seconds", "idle", "interval", "connect"), [(15, 5, 2, 15), (5, 2, 1, 5), (1, 1, 1, 2)]
)
def test_both_ends_probe_and_give_up_within_the_bound(
    seconds: float, idle: int, interval: int, connect: int
) -> None:
    options = dead_peer_options(seconds)
    client = {k: options[k] for k in ("keepalives_idle", "keepalives_interval", "connect_timeout")}
    assert client == {
        "keepalives_idle": idle,
        "keepalives_interval": interval,
        "connect_timeout": connect,
    }
    assert (options["keepalives"], options["keepalives_count"]) == (1, 3)
    assert options["tcp_user_timeout"] == seconds * 1000
    assert idle + 3 * interval <= max(seconds, 4)  # probes done within the bound (1 s floors)
    server = options["options"].split()
    assert f"tcp_keepalives_idle={idle}" in server
    assert f"tcp_keepalives_interval={interval}" in server
    assert "tcp_keepalives_count=3" in server
    assert f"tcp_user_timeout={seconds * 1000}" in server
    assert "client_connection_check_interval=1000" in server
