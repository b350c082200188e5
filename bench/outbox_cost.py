"""What the webhook outbox adds to a posting transaction (python -m bench.outbox_cost).

On a database of its own: batches of 1 and of 100 top-ups posted as the worker posts them
(claim, post, journal, then ledger.webhooks.outbox), committed, timed end to end; first with no
webhook (the subscribers' generation read only), then with a webhook on request.completed,
then also on balance.below with a monitor on every posting's account. Prints microseconds
per posting.
"""

import statistics
import time
import uuid
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from infra.database_admin import drop_database
from infra.db import make_engine, make_session_factory
from infra.sealing import PLAIN
from ledger.inbox.requests import record_requests
from ledger.inbox.submission import Submission
from ledger.operations import OperationType
from ledger.posting.lifecycle import process_requests
from ledger.seed import create_accounts, prepare_wallet_database
from ledger.webhooks.monitors import create_monitor
from ledger.webhooks.outbox import Subscriptions, record_posting_events
from ledger.webhooks.registration import register_webhook

SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432"
ROUNDS = {1: 400, 100: 20}


def submissions(account: str, count: int) -> list[Submission]:
    return [
        Submission(
            client_id="bench",
            idempotency_key=str(uuid.uuid4()),
            type=OperationType.TOPUP,
            account_number=account,
            asset_code="GOLD_COINS",
            amount=Decimal(1),
        )
        for _ in range(count)
    ]


def posting_seconds(
    sessions: sessionmaker[Session], account: str, size: int
) -> tuple[float, float]:
    """Median seconds per posting of batches of ``size``: the whole committed transaction,
    and the outbox's part of it."""
    subscriptions, timings, outbox = Subscriptions(), [], []
    for _ in range(ROUNDS[size]):
        with sessions.begin() as session:
            ids = [
                r.request.id
                for r in record_requests(
                    session, submissions=submissions(account, size), sealer=PLAIN
                )
            ]
        started = time.perf_counter()
        with sessions.begin() as session:
            outcomes = process_requests(
                session, request_ids=ids, max_attempts=3, sealer=PLAIN
            ).outcomes
            posted = time.perf_counter()
            record_posting_events(session, outcomes=outcomes, subscriptions=subscriptions)
            outbox.append((time.perf_counter() - posted) / size)
        timings.append((time.perf_counter() - started) / size)
    return statistics.median(timings), statistics.median(outbox)


def subscribe(sessions: sessionmaker[Session], events: list[str]) -> None:
    with sessions.begin() as session:
        register_webhook(
            session,
            url="http://127.0.0.1:9/",
            events=events,
            description=None,
            created_by="bench",
            allow_private=False,
            allow_loopback=True,
            sealer=PLAIN,
        )


def main() -> None:
    url = f"{SERVER}/wallet_outbox_bench_{uuid.uuid4().hex[:8]}"
    prepare_wallet_database(url)
    engine = make_engine(url, pool_size=2)
    sessions = make_session_factory(engine)
    try:
        with sessions.begin() as session:
            create_accounts(session, accounts=[("USR-BENCH", "Bench", "user")])
        stages = [("no webhook", None), ("request.completed", ["request.completed"])]
        stages.append(("+ balance.below, monitored", ["balance.below"]))
        for name, events in stages:
            if events:
                subscribe(sessions, events)
            if events == ["balance.below"]:
                with sessions.begin() as session:
                    create_monitor(
                        session,
                        account_number="USR-BENCH",
                        asset_code="GOLD_COINS",
                        below=Decimal(1),
                        created_by="bench",
                    )
            for size in ROUNDS:
                total, outbox = (t * 1e6 for t in posting_seconds(sessions, "USR-BENCH", size))
                print(f"{name:28} batch {size:3}: {total:6.0f} us/posting, outbox {outbox:5.1f}")
    finally:
        engine.dispose()
        drop_database(url)


if __name__ == "__main__":
    main()
