"""Every engine's connections carry the dead-peer bound (infra.db.dead_peer_options): libpq's
keepalives on the client side, the server's own for the session."""

from sqlalchemy import text

from infra.db import DEAD_PEER_SECONDS, make_engine
from infra.settings import Settings


def test_the_bound_is_the_settings_default() -> None:
    assert DEAD_PEER_SECONDS == Settings(_env_file=None).dead_peer_seconds == 15


def test_both_ends_of_a_connection_carry_it(database_url: str) -> None:
    engine = make_engine(database_url, pool_size=1, dead_peer_seconds=6)
    try:
        with engine.connect() as connection:
            server = {
                name: connection.scalar(text(f"SHOW {name}"))
                for name in ("tcp_user_timeout", "tcp_keepalives_idle", "tcp_keepalives_count")
            }
            dsn = connection.connection.dbapi_connection.get_dsn_parameters()  # type: ignore[union-attr]
    finally:
        engine.dispose()
    assert server == {
        "tcp_user_timeout": "6000",
        "tcp_keepalives_idle": "2",
        "tcp_keepalives_count": "3",
    }
    assert (dsn["keepalives"], dsn["keepalives_idle"], dsn["tcp_user_timeout"]) == (
        "1",
        "2",
        "6000",
    )
