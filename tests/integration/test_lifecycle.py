"""A request's lifecycle on real Postgres, each test rolled back: claiming and fill-ins,
redeliveries, crashed and rolled-back deliveries (ledger.posting.lifecycle)."""

from decimal import Decimal

from sqlalchemy.orm import Session

from infra.sealing import PLAIN
from ledger.posting.lifecycle import count_crashed_delivery, process_requests
from tests.integration.helpers import deliver, gold, new_user, reread, submit


def test_a_delivery_fills_its_batch_with_other_queued_requests(session: Session) -> None:
    """The rolled-back database holds no other queued request, so the fill is exactly ours."""
    user = new_user(session)
    ids = [submit(session, user) for _ in range(5)]
    deliver(session, ids[0], fill_to=3)
    statuses = [reread(session, i).status for i in ids]
    assert statuses == ["completed"] * 3 + ["queued"] * 2  # the named one and the 2 oldest
    assert gold(session, user) == Decimal("30.00")


def test_processing_a_request_twice_posts_it_once(session: Session) -> None:
    user = new_user(session)
    request_id = submit(session, user)
    deliver(session, request_id)
    posted = process_requests(session, request_ids=[request_id], max_attempts=3, sealer=PLAIN)
    assert posted.outcomes == []
    assert gold(session, user) == Decimal("10.00")


def test_a_request_whose_deliveries_crashed_too_often_is_abandoned_with_a_code(
    session: Session,
) -> None:
    user = new_user(session)
    request_id = submit(session, user)
    for _ in range(3):
        assert count_crashed_delivery(session, request_id=request_id)
    (request,) = deliver(session, request_id)
    assert (request.status, request.error_code, request.attempts) == (
        "failed",
        "POSTING_ABANDONED",
        4,
    )
    assert request.error_message == "gave up after 3 deliveries"
    assert gold(session, user) == Decimal("0.00")
    assert not count_crashed_delivery(session, request_id=request_id)


def test_a_delivery_rolled_back_counts_no_attempt(session: Session) -> None:
    user = new_user(session)
    request_id = submit(session, user)
    for _ in range(5):  # five transient errors in a row, with MAX_ATTEMPTS 3
        with session.begin_nested() as savepoint:
            deliver(session, request_id)
            savepoint.rollback()
    (request,) = deliver(session, request_id)
    assert (request.status, request.attempts) == ("completed", 1)


def test_a_request_with_a_crashed_delivery_is_never_a_fill_in(session: Session) -> None:
    user = new_user(session)
    suspect, innocent = submit(session, user), submit(session, user)
    count_crashed_delivery(session, request_id=suspect)
    deliver(session, innocent, fill_to=10)
    assert reread(session, suspect).status == "processing"
