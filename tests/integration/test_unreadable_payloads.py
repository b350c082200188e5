"""A request whose payload the worker cannot open (sealed with a key it lacks, or malformed)
on real Postgres, each test rolled back: it is counted like a crashed delivery, never posted,
never a fill-in again, abandoned after MAX_ATTEMPTS deliveries, and it blocks no other
request (ledger.posting.lifecycle)."""

import json
import uuid
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.orm import Session

from infra.sealing import PLAIN, Sealer
from ledger.posting.lifecycle import process_requests
from ledger.statuses import Status
from tests.integration.helpers import deliver, gold, new_user, reread, submit

KEY_A, KEY_B = Fernet.generate_key().decode(), Fernet.generate_key().decode()
WORKER_SEALERS = {"no key": PLAIN, "another key": Sealer(KEY_B)}


@pytest.mark.parametrize("sealer", WORKER_SEALERS.values(), ids=WORKER_SEALERS.keys())
def test_a_payload_sealed_with_a_key_the_worker_lacks_blocks_no_other_request(
    session: Session, sealer: Sealer
) -> None:
    user = new_user(session)
    unreadable = submit(session, user, sealer=Sealer(KEY_A))  # the oldest: every fill's first
    good = [submit(session, user) for _ in range(3)]
    outcomes = process_requests(
        session, request_ids=[good[-1]], max_attempts=3, fill_to=10, sealer=sealer
    ).outcomes
    assert [(o.status, o.unreadable) for o in outcomes] == [
        (Status.PROCESSING, "InvalidToken"),
        *[(Status.COMPLETED, None)] * 3,
    ]
    assert [reread(session, i).status for i in good] == ["completed"] * 3
    assert gold(session, user) == Decimal("30.00")
    request = reread(session, unreadable)
    assert (request.status, request.attempts, request.completed_at) == ("processing", 1, None)
    later = submit(session, user)
    (posted,) = process_requests(
        session, request_ids=[later], max_attempts=3, fill_to=10, sealer=sealer
    ).outcomes
    assert posted.request_id == str(later)  # counted once, the request is no longer fresh
    assert reread(session, unreadable).attempts == 1


def test_an_unreadable_payload_is_abandoned_after_max_attempts_deliveries(
    session: Session,
) -> None:
    user = new_user(session)
    unreadable = submit(session, user, sealer=Sealer(KEY_A))
    for delivery in range(1, 4):  # the first from a fill, then the reaper's, MAX_ATTEMPTS 3
        (request,) = deliver(session, unreadable, max_attempts=3, sealer=Sealer(KEY_B))
        assert (request.status, request.attempts) == ("processing", delivery)
    (request,) = deliver(session, unreadable, max_attempts=3, sealer=Sealer(KEY_B))
    assert (request.status, request.error_code, request.attempts) == (
        "failed",
        "POSTING_ABANDONED",
        4,
    )
    assert request.completed_at is not None
    assert gold(session, user) == Decimal("0.00")


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (
            {"accountNumber": "USR-X", "assetCode": "GOLD_COINS", "amount": "ten"},
            "InvalidOperation",
        ),
        ({"assetCode": "GOLD_COINS", "amount": "10"}, "KeyError"),
        (["not", "an", "object"], "AttributeError"),
    ],
    ids=["bad amount", "missing account", "not an object"],
)
def test_a_malformed_payload_is_counted_and_not_posted(
    session: Session, payload: object, error: str
) -> None:
    user = new_user(session)
    malformed, good = submit(session, user), submit(session, user)
    _store_payload(session, malformed, payload)
    outcomes = process_requests(
        session, request_ids=[good], max_attempts=3, fill_to=10, sealer=PLAIN
    ).outcomes
    assert [(o.status, o.unreadable) for o in outcomes] == [
        (Status.PROCESSING, error),
        (Status.COMPLETED, None),
    ]
    assert (reread(session, malformed).status, reread(session, malformed).attempts) == (
        "processing",
        1,
    )
    assert gold(session, user) == Decimal("10.00")


def _store_payload(session: Session, request_id: uuid.UUID, payload: object) -> None:
    statement = text("UPDATE requests SET payload = CAST(:payload AS jsonb) WHERE id = :id")
    session.execute(statement, {"payload": json.dumps(payload), "id": request_id})
