"""What each migration locks, and for how long, on a large ledger
(python -m bench.migration_locks [--entries N]).

On a database of its own (wallet_migbench_<hex>, dropped at the end): the schema of 0001 is
loaded with N ledger entries (10 million by default: N/2 top-ups, each a request, a
transaction and two entries, over 10,000 users), then every later revision is upgraded to,
one at a time, as ``alembic upgrade`` runs it. While each runs, probes ask every 20 ms, each on
a connection of its own, for what a posting and a read need of the busy tables:

- ``write``: ROW EXCLUSIVE on the table (what a posting's INSERT or UPDATE takes);
- ``read``: ACCESS SHARE on the table (a balance or history read);
- ``row``: a random row of the table FOR UPDATE (a backfill's row locks; requests and
  transactions only).

and the longest each waited is printed (and written to bench/results/migration-locks-*.json).
A probe that waited long was queued behind the migration: a posting would have waited as long.
Loading 10 million entries takes a few minutes and a few GB of disk; run it on a quiet machine.
"""

import argparse
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text

from infra.database_admin import create_database_if_missing, drop_database
from ledger.seed import alembic_config

SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432"
TABLES = ("ledger_entries", "transactions", "requests", "account_balances")
ROW_PROBED = ("transactions", "requests")
USERS = 10_000
CHUNK = 500_000  # top-ups a load statement
PROBE_PAUSE = 0.02
RESULTS = Path(__file__).parent / "results"

ACCOUNTS = f"""
INSERT INTO accounts (account_number, name, kind, allow_negative)
SELECT 'SYS-TREASURY-001', 'Treasury', 'system', true
UNION ALL SELECT 'USR-B' || n, 'Bench user', 'user', false FROM generate_series(1, {USERS}) n;
INSERT INTO asset_types (code, name, scale) VALUES ('GOLD_COINS', 'Gold Coins', 2);
INSERT INTO account_balances (account_id, asset_id, allow_negative, balance)
SELECT a.id, t.id, a.allow_negative, 0 FROM accounts a CROSS JOIN asset_types t;
"""
# The treasury's balance row, and the first of the users' (theirs are consecutive).
BALANCE_IDS = """
SELECT min(b.id) FILTER (WHERE a.kind = 'system'), min(b.id) FILTER (WHERE a.kind = 'user')
FROM account_balances b JOIN accounts a ON a.id = b.account_id
"""
# One top-up per n: its request, its transaction, and its two entries (treasury -> a user).
TOPUPS = """
WITH g AS (
    SELECT n, gen_random_uuid() AS request_id, gen_random_uuid() AS transaction_id
    FROM generate_series(:first, :last) n
), r AS (
    INSERT INTO requests (id, client_id, idempotency_key, type, payload, payload_hash, status,
                          attempts, completed_at)
    SELECT request_id, 'bench', 'topup-' || n, 'topup',
           jsonb_build_object('accountNumber', 'USR-B' || (n % :users + 1),
                              'assetCode', 'GOLD_COINS', 'amount', '1.00',
                              'description', NULL, 'metadata', '{}'::jsonb),
           md5(n::text) || md5(n::text), 'completed', 1, now()
    FROM g
), t AS (
    INSERT INTO transactions (id, request_id, type, metadata)
    SELECT transaction_id, request_id, 'topup', '{}' FROM g
)
INSERT INTO ledger_entries (transaction_id, balance_id, account_id, asset_id, direction, amount,
                            balance_after)
SELECT g.transaction_id, b.id, b.account_id, b.asset_id, d.direction, 1, 0
FROM g CROSS JOIN (VALUES ('DEBIT'), ('CREDIT')) AS d(direction)
JOIN account_balances b ON b.id = CASE d.direction WHEN 'DEBIT' THEN :treasury
                                                   ELSE :first_user + n % :users END
"""


@dataclass
class Probe:
    """One probe's loop: the longest wait it saw, reset per migration."""

    table: str
    kind: str  # write | read | row
    longest: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)

    def statement(self) -> str:
        if self.kind == "write":
            return f"LOCK TABLE {self.table} IN ROW EXCLUSIVE MODE"
        if self.kind == "read":
            return f"LOCK TABLE {self.table} IN ACCESS SHARE MODE"
        pages = f"pg_relation_size('{self.table}') / current_setting('block_size')::int"
        page = f"floor(random() * greatest({pages}, 1))::bigint"
        # A subquery: random() once, so that the row is found by its TID, not by a scan.
        tid = f"(SELECT format('(%s,1)', {page})::tid)"
        return f"SELECT 1 FROM {self.table} WHERE ctid = {tid} FOR UPDATE"

    def run(self, engine: Engine) -> None:
        statement = text(self.statement())
        with engine.connect() as connection:
            while not self.stop.is_set():
                with connection.begin() as transaction:
                    connection.execute(text("SET LOCAL lock_timeout = '10min'"))
                    started = time.perf_counter()
                    connection.execute(statement)
                    self.longest = max(self.longest, time.perf_counter() - started)
                    transaction.rollback()
                time.sleep(PROBE_PAUSE)


@dataclass
class Statements:
    """The migration's statements (those run by the thread that runs alembic) and their
    durations, slowest first: which step held what."""

    thread: int = field(default_factory=threading.get_ident)
    timed: list[tuple[float, str]] = field(default_factory=list)
    started: dict[int, float] = field(default_factory=dict)

    def before(self, *args: Any) -> None:
        if threading.get_ident() == self.thread:
            self.started[id(args[2])] = time.perf_counter()

    def after(self, *args: Any) -> None:
        began = self.started.pop(id(args[2]), None)
        if began is not None:
            self.timed.append((time.perf_counter() - began, " ".join(args[2].split())[:110]))

    def slowest(self, count: int = 6) -> list[tuple[float, str]]:
        return [(round(s, 2), sql) for s, sql in sorted(self.timed, reverse=True)[:count]]


@contextmanager
def timing_statements() -> Iterator[Statements]:
    statements = Statements()
    event.listen(Engine, "before_cursor_execute", statements.before)
    event.listen(Engine, "after_cursor_execute", statements.after)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", statements.before)
        event.remove(Engine, "after_cursor_execute", statements.after)


@contextmanager
def probing(engine: Engine) -> Iterator[list[Probe]]:
    probes = [Probe(t, k) for t in TABLES for k in ("write", "read")]
    probes += [Probe(t, "row") for t in ROW_PROBED]
    threads = [threading.Thread(target=p.run, args=(engine,), daemon=True) for p in probes]
    for thread in threads:
        thread.start()
    try:
        yield probes
    finally:
        for probe in probes:
            probe.stop.set()
        for thread in threads:
            thread.join()


def load(engine: Engine, entries: int) -> float:
    """The 0001 schema's tables filled with ``entries`` entries; the seconds it took."""
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(text(ACCOUNTS))
        treasury, first_user = connection.execute(text(BALANCE_IDS)).one()
    topups = entries // 2
    for first in range(1, topups + 1, CHUNK):
        last = min(first + CHUNK - 1, topups)
        with engine.begin() as connection:
            # The load's rows are consistent by construction: skip the per-row triggers.
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            params = {"first": first, "last": last, "users": USERS}
            params |= {"treasury": treasury, "first_user": first_user}
            connection.execute(text(TOPUPS), params)
        print(f"  loaded {2 * last:,} entries", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def revisions_after_first(url: str) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(url))
    return [r.revision for r in reversed(list(script.walk_revisions())) if r.down_revision]


def measure(url: str, engine: Engine, revision: str) -> dict[str, object]:
    with probing(engine) as probes:
        time.sleep(0.5)  # every probe running before the migration starts
        started = time.perf_counter()
        with timing_statements() as statements:
            command.upgrade(alembic_config(url), revision)
        seconds = time.perf_counter() - started
        time.sleep(0.5)
    waits = {f"{p.table} {p.kind}": round(p.longest, 3) for p in probes}
    slowest = statements.slowest()
    return {"revision": revision, "seconds": round(seconds, 2), "longest_waits": waits} | {
        "slowest_statements": slowest
    }


def report(result: dict[str, object]) -> str:
    waits = result["longest_waits"]
    assert isinstance(waits, dict)
    worst = sorted(waits.items(), key=lambda item: -item[1])
    shown = ", ".join(f"{name} {wait:.2f} s" for name, wait in worst)
    slowest = result["slowest_statements"]
    assert isinstance(slowest, list)
    lines = [f"{result['revision']}: {result['seconds']} s; longest waits: {shown}"]
    return "\n".join(lines + [f"    {seconds:8.2f} s  {sql}" for seconds, sql in slowest])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000_000)
    entries = parser.parse_args().entries
    url = f"{SERVER}/wallet_migbench_{uuid.uuid4().hex[:8]}"
    create_database_if_missing(url)
    engine = create_engine(url, pool_size=len(TABLES) * 2 + len(ROW_PROBED) + 2)
    try:
        command.upgrade(alembic_config(url), "0001")
        print(f"loading {entries:,} entries at 0001", flush=True)
        loaded = load(engine, entries)
        print(f"loaded in {loaded:.0f} s", flush=True)
        results = []
        for revision in revisions_after_first(url):
            results.append(measure(url, engine, revision))
            print(report(results[-1]), flush=True)
    finally:
        engine.dispose()
        drop_database(url)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    summary = {"entries": entries, "load_seconds": round(loaded, 1), "revisions": results}
    path = RESULTS / f"migration-locks-{stamp}.json"
    path.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
