"""Which event types have subscribers, as a worker remembers them (ledger.webhooks.outbox
Subscriptions), against registrations committed by others, on a private database: a webhook
applies to every posting committed after its registration answered (issue 22, item 11)."""

import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from harness.processes import wait_until
from infra.sealing import PLAIN
from ledger.webhooks.outbox import Subscriptions
from ledger.webhooks.registration import delete_webhook, register_webhook
from tests.stack import Stack


def register(session: Session, events: list[str]) -> uuid.UUID:
    created = register_webhook(
        session,
        url="http://127.0.0.1:9/hook",
        events=events,
        description=None,
        created_by="test",
        allow_private=False,
        allow_loopback=True,
        sealer=PLAIN,
    )
    return created.webhook_id


@pytest.fixture
def remembered(stack: Stack) -> Iterator[Subscriptions]:
    """A worker's memory, having read that nobody subscribes."""
    subscriptions = Subscriptions()
    with stack.sessions.begin() as session:
        assert subscriptions.types(session) == frozenset()
    yield subscriptions


def test_a_registration_is_seen_by_the_next_transaction_and_a_deletion_too(
    stack: Stack, remembered: Subscriptions
) -> None:
    with stack.sessions.begin() as session:
        webhook_id = register(session, ["request.completed"])
    with stack.sessions.begin() as session:
        assert remembered.types(session) == {"request.completed"}
    with stack.sessions.begin() as session:
        delete_webhook(session, webhook_id=webhook_id)
    with stack.sessions.begin() as session:
        assert remembered.types(session) == frozenset()


def test_a_registration_waits_for_the_postings_that_read_the_subscribers_before_it(
    stack: Stack, remembered: Subscriptions
) -> None:
    """A posting transaction that read "nobody" before the registration commits before the
    registration answers: no posting committed after the answer can have missed it."""
    registered = threading.Event()

    def registration() -> None:
        with stack.sessions.begin() as session:
            register(session, ["request.failed"])
        registered.set()

    with stack.sessions.begin() as posting:
        assert remembered.types(posting) == frozenset()
        thread = threading.Thread(target=registration)
        thread.start()
        wait_until(lambda: stack.blocked_backends() == 1, timeout=10, what="the lock wait")
        assert not registered.is_set()
    thread.join(timeout=10)
    assert registered.is_set()
    with stack.sessions.begin() as session:
        assert remembered.types(session) == {"request.failed"}


def test_a_registration_behind_a_hung_posting_gives_up_instead_of_stopping_every_posting(
    stack: Stack, remembered: Subscriptions
) -> None:
    with stack.sessions.begin() as posting:
        remembered.types(posting)
        with (
            pytest.raises(OperationalError, match="lock timeout"),
            stack.sessions.begin() as session,
        ):
            register(session, ["request.completed"])
        assert posting.execute(text("SELECT 1")).scalar() == 1


def test_a_posting_held_back_by_a_registration_sees_it_once_let_through(
    stack: Stack, remembered: Subscriptions
) -> None:
    """The reader waits for the registration's lock, then reads what it committed. A
    statement prepared on the reader's connection took its snapshot before the wait, and
    read the old subscribers after the registration had committed."""
    seen: list[frozenset[str]] = []
    with stack.sessions.kw["bind"].connect() as connection:

        def posting() -> None:
            with Session(bind=connection) as session, session.begin():
                seen.append(remembered.types(session))

        posting()  # the connection has read the subscribers once (a worker's has)
        with stack.sessions.begin() as session:
            register(session, ["request.completed"])  # holds the lock until the block ends
            reader = threading.Thread(target=posting)
            reader.start()
            wait_until(lambda: stack.blocked_backends() == 1, timeout=10, what="the wait")
        reader.join(timeout=10)
    assert seen == [frozenset(), frozenset({"request.completed"})]
