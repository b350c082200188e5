"""The inbox records a request once, whoever asks and however often."""

import uuid
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any

import psycopg2.errors
import pytest
from sqlalchemy import Select
from sqlalchemy.orm import Session

from infra.sealing import PLAIN
from ledger.errors import AccountNotFound, AmountPrecision, IdempotencyKeyReused, InvalidAccount
from ledger.inbox.checks import KnownFacts, check_movement, names_a_record
from ledger.inbox.requests import Recorded, cursor_lookup, insert_new_request, record_requests
from ledger.inbox.submission import Submission
from ledger.operations import OperationType
from ledger.prepared import PREPARED


def topup(key: str, amount: str = "5") -> Submission:
    return Submission(
        client_id="inbox-test",
        idempotency_key=key,
        type=OperationType.TOPUP,
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


def test_the_cursor_insert_stores_what_record_requests_would(session: Session) -> None:
    """The API's hot path (insert_new_request) and the general way agree on the row: the
    general way reads it as a replay of the same request, and refuses another with its key."""
    key, request_id = str(uuid.uuid4()), uuid.uuid4()
    submission = topup(key, amount="5.00")  # as checked: quantized to the asset's scale
    fast = cursor_insert(session, submission, request_id)
    assert fast is not None and fast.created and fast.request.id == request_id
    assert fast.request.submitted_at is not None and fast.request.status == "queued"
    (again,) = record_requests(session, submissions=[topup(key)], sealer=PLAIN)
    assert (again.created, again.request.id) == (False, request_id)
    assert again.request.payload == fast.request.payload
    with pytest.raises(IdempotencyKeyReused):
        record_requests(session, submissions=[topup(key, amount="6")], sealer=PLAIN)


def test_the_cursor_insert_leaves_a_known_key_to_the_general_way(session: Session) -> None:
    key = str(uuid.uuid4())
    (first,) = record_requests(session, submissions=[topup(key)], sealer=PLAIN)
    known = cursor_insert(session, topup(key), uuid.uuid4())
    assert known is None
    assert first.created


def test_the_cursor_insert_is_prepared_once_per_connection(session: Session) -> None:
    connection = session.connection()
    cursor_insert(session, topup(str(uuid.uuid4())), uuid.uuid4())
    cursor_insert(session, topup(str(uuid.uuid4())), uuid.uuid4())
    prepared = connection.exec_driver_sql(
        "SELECT name FROM pg_prepared_statements WHERE name = 'wallet_insert_request'"
    ).all()
    assert len(prepared) == 1
    assert "wallet_insert_request" in connection.info[PREPARED]


def test_the_cursor_insert_refuses_a_key_too_long_rather_than_cutting_it(
    session: Session,
) -> None:
    """The prepared statement's parameters carry no length: the column's refuses the value."""
    with pytest.raises(psycopg2.errors.StringDataRightTruncation):
        cursor_insert(session, topup("k" * 256), uuid.uuid4())


def cursor_insert(
    session: Session, submission: Submission, request_id: uuid.UUID
) -> Recorded | None:
    connection = session.connection()
    return insert_new_request(
        connection.connection.cursor(),
        connection_info=connection.info,
        submission=submission,
        request_id=request_id,
        sealer=PLAIN,
    )


def test_a_movement_is_checked_from_memory_and_looks_up_only_what_it_forgot(
    session: Session,
) -> None:
    facts, looked_up = KnownFacts(), []
    cursor = session.connection().connection.cursor()

    def lookup(statement: Select[str, Any], keys: list[str]) -> Iterable[Any]:
        looked_up.append(keys)
        return cursor_lookup(cursor)(statement, keys)

    checked = check_movement(topup("k", amount="5.5"), facts, lookup)
    assert str(checked.amount) == "5.50"  # quantized to the asset's scale
    assert sorted(looked_up) == [["GOLD_COINS"], ["USR-001"]]
    check_movement(replace(topup("k"), account_number="USR-002"), facts, lookup)
    assert looked_up[2:] == [["USR-002"]]  # only what it did not remember
    with pytest.raises(AmountPrecision):
        check_movement(topup("k", amount="5.555"), facts, lookup)
    with pytest.raises(AccountNotFound):
        check_movement(replace(topup("k"), account_number="USR-NOPE"), facts, lookup)
    with pytest.raises(InvalidAccount):
        check_movement(replace(topup("k"), account_number="SYS-TREASURY-001"), facts, lookup)
    assert names_a_record(
        replace(topup("k"), type=OperationType.CAPTURE, hold_id=str(uuid.uuid4()))
    )
    assert not names_a_record(topup("k"))
