"""The inbox records a request once, whoever asks and however often."""

import uuid
from decimal import Decimal

from sqlalchemy.orm import Session

from infra.sealing import PLAIN
from ledger.inbox import Submission, record_requests


def topup(key: str, amount: str = "5") -> Submission:
    return Submission(
        client_id="inbox-test",
        idempotency_key=key,
        type="topup",
        account_number="USR-001",
        asset_code="GOLD_COINS",
        amount=Decimal(amount),
    )


def test_a_retry_with_the_same_request_ids_still_counts_its_own_insert_as_created(
    session: Session,
) -> None:
    """A connection that died after the commit: the retry finds the row it inserted."""
    submissions, ids = [topup(str(uuid.uuid4()))], [uuid.uuid4()]
    first = record_requests(session, submissions=submissions, request_ids=ids, sealer=PLAIN)
    retry = record_requests(session, submissions=submissions, request_ids=ids, sealer=PLAIN)
    assert [r.created for r in first] == [True]
    assert [(r.created, r.request.id) for r in retry] == [(True, ids[0])]


def test_another_call_with_the_same_key_is_a_replay(session: Session) -> None:
    key = str(uuid.uuid4())
    (first,) = record_requests(session, submissions=[topup(key)], sealer=PLAIN)
    (again,) = record_requests(session, submissions=[topup(key)], sealer=PLAIN)
    assert (first.created, again.created, again.request.id) == (True, False, first.request.id)
